using System.Text.Json;
using Alba;

namespace Exports.Tests.Infrastructure;

/// <summary>Alba scenarios against the fixture's host: a request, with expectations on status and headers checked by
/// Alba, and the JSON body read back. Alba gotchas: a query goes through <c>.QueryString(name, value)</c> (a <c>?</c> in
/// <c>ToUrl</c> is encoded into the path), and after <c>ContentShouldContain</c> the body reads back empty.</summary>
public static class Scenarios
{
    /// <summary>A scenario sent with <paramref name="apiKey"/> as its bearer token (null: no credentials).</summary>
    public static Task<IScenarioResult> As(this IAlbaHost host, string? apiKey, Action<Scenario> configure) =>
        host.Scenario(s =>
        {
            if (apiKey is not null) s.WithBearerToken(apiKey);
            configure(s);
        });

    /// <summary>The answer's body as JSON.</summary>
    public static async Task<JsonElement> JsonAsync(this IScenarioResult r) =>
        JsonDocument.Parse(await r.ReadAsTextAsync()).RootElement.Clone();

    /// <summary>A Problem Details answer: Alba checks the status and the <c>application/problem+json</c> content type;
    /// then the body's status and title, and, when given, a field error on <paramref name="field"/> (the same
    /// expectations as <see cref="Http.ProblemAsync"/>).</summary>
    public static async Task<JsonElement> ProblemAsync(this IAlbaHost host, string? apiKey, int status, Action<Scenario> request, string? field = null)
    {
        var r = await host.As(apiKey, s =>
        {
            request(s);
            s.StatusCodeShouldBe(status);
            s.Header("Content-Type").SingleValueShouldMatch(@"^application/problem\+json");
        });
        return Http.ProblemBody(await r.ReadAsTextAsync(), status, field);
    }
}
