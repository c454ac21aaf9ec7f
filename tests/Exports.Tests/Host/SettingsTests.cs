using Exports.Host;
using Microsoft.Extensions.Configuration;

namespace Exports.Tests.Host;

public sealed class SettingsTests
{
    static ExportsSettings Load(Dictionary<string, string?> values) =>
        ExportsSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    const string Db = "Host=127.0.0.1;Port=5432;Username=postgres";

    [Theory]
    [InlineData("EXPORTS_PORT", "eighty", "EXPORTS_PORT")]
    [InlineData("EXPORTS_PORT", "70000", "EXPORTS_PORT")]
    [InlineData("EXPORTS_RAW_MAX_DAYS", "0", "EXPORTS_RAW_MAX_DAYS")]
    [InlineData("EXPORTS_SEED", "maybe", "EXPORTS_SEED")]
    [InlineData("EXPORTS_DEMO_API_KEY", "short", "EXPORTS_DEMO_API_KEY")]
    [InlineData("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS", "0", "EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS")]
    [InlineData("EXPORTS_LOGIN_MAX_FAILURES", "none", "EXPORTS_LOGIN_MAX_FAILURES")]
    [InlineData("EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS", "0", "EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS")]
    [InlineData("EXPORTS_LOGIN_WINDOW_MINUTES", "-5", "EXPORTS_LOGIN_WINDOW_MINUTES")]
    public void BadValue_StopsWithAMessageNamingTheSetting(string name, string value, string named)
    {
        var e = Assert.Throws<SettingsException>(() => Load(new() { ["EXPORTS_DB"] = Db, [name] = value }));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void MissingDatabase_IsNamed() =>
        Assert.Contains("EXPORTS_DB", Assert.Throws<SettingsException>(() => Load(new())).Message);

    [Fact]
    public void Defaults_AreApplied()
    {
        var s = Load(new() { ["EXPORTS_DB"] = Db });
        Assert.Equal(5080, s.Port);
        Assert.Equal(31, s.RawMaxDays);
        Assert.True(s.Seed);
        Assert.Equal(TimeSpan.FromSeconds(60), s.Jobs.ScheduleMinInterval);
        Assert.Equal((10, 50, TimeSpan.FromMinutes(15)), (s.Login.MaxFailures, s.Login.MaxFailuresPerAddress, s.Login.Window));
    }

    [Fact]
    public void ContentDisposition_HasAsciiFallbackAndUtf8Name()
    {
        var h = FileResponse.ContentDisposition("Bericht März \"Q3\".csv");
        Assert.Equal("attachment; filename=\"Bericht Marz _Q3_.csv\"; filename*=UTF-8''Bericht%20M%C3%A4rz%20%22Q3%22.csv", h);
    }
}
