using System.Net;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Host;

/// <summary>How FastEndpoints routes bind and refuse: the body and the route are what they say (the query string
/// cannot replace them), and a refusal is the API's one Problem Details shape with every field named.</summary>
[Collection(ApiCollection.Name)]
public sealed class EndpointBindingTests(ApiFixture api)
{
    static object Alert(string title) => new
    {
        title, severity = "warning", firedAt = "2026-11-01T03:30:00Z",
        targets = new[] { new { title = "CPU", query = new { source = "servers", metrics = new[] { "cpu" } } } },
    };

    [Fact]
    public async Task QueryString_CannotReplaceABodyFieldOrARouteValue()
    {
        var (_, client) = await api.NewUserAsync();
        var created = await client.PostJsonAsync("/api/v1/alerts?title=FromQuery&severity=critical", Alert("From body"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var alert = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("From body", alert.GetProperty("title").GetString());
        Assert.Equal("warning", alert.GetProperty("severity").GetString());

        var id = alert.GetProperty("id").GetString();
        var other = Guid.NewGuid();
        var read = await client.GetAsync($"/api/v1/alerts/{id}?id={other}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task InvalidBody_IsOneProblemNamingEveryFieldByItsJsonPath()
    {
        var (_, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/alerts", new { severity = "loud", targets = new[] { new { title = "no query" } } });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("The request is not valid", problem.GetProperty("title").GetString());
        var fields = problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()).ToList());
        Assert.Equal(["firedAt", "severity", "targets[0].query", "title"], fields.Keys.Order().ToArray());
        Assert.Equal("severity is info, warning or critical.", Assert.Single(fields["severity"]));
    }

    [Fact]
    public async Task WrongJsonTypeAndNullElement_AreNamedByPath()
    {
        var (_, client) = await api.NewUserAsync();
        var wrong = await client.PostAsync("/api/v1/alerts", new StringContent("""{"title": 5}""", System.Text.Encoding.UTF8, "application/json"));
        var errors = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal("The value has the wrong type: expected a string.", errors.GetProperty("title")[0].GetString());
        var nulls = await client.PostAsync("/api/v1/alerts", new StringContent("""{"title": "t", "targets": [null]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, nulls.StatusCode);
        Assert.True(JsonDocument.Parse(await nulls.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("targets[0]", out _));
    }
}
