using System.Globalization;

namespace Exports.Tests.Infrastructure;

/// <summary>Runs a test's code under one culture (and gives the one before back), so text formatted with the current
/// culture ("50,000") reads the same whatever culture the test run has.</summary>
public sealed class CultureScope : IDisposable
{
    readonly (CultureInfo Culture, CultureInfo Ui) before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);

    public CultureScope(CultureInfo culture) => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, culture);

    /// <summary>The invariant culture: thousands with a comma, as the messages are written.</summary>
    public static CultureScope Invariant() => new(CultureInfo.InvariantCulture);

    public void Dispose() => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
}
