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

    [Fact]
    public async Task QueryValueOfTheWrongType_IsNamedWithTheValue_AndTheProblemCarriesATraceId()
    {
        var (_, client) = await api.NewUserAsync();
        var r = await client.GetAsync("/api/v1/exports?limit=many&from=yesterday");
        var problem = await r.ProblemAsync(400);
        Assert.Equal("'many' is not a valid value for limit.", problem.GetProperty("errors").GetProperty("limit")[0].GetString());
        Assert.Equal("'yesterday' is not a valid value for from.", problem.GetProperty("errors").GetProperty("from")[0].GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    /// <summary>A POST whose body is optional works without one, with no Content-Type at all (curl -X POST):
    /// routing must not refuse it for the JSON it does not send.</summary>
    [Fact]
    public async Task OptionalBody_MayBeLeftOut_WithoutAContentType()
    {
        var client = api.Demo();
        var template = await client.PostJsonAsync("/api/v1/templates", new
        {
            name = "no body " + Guid.NewGuid().ToString("N")[..6],
            request = new { kind = "series", format = "csv", series = new { source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" } } },
        });
        Assert.Equal(HttpStatusCode.Created, template.StatusCode);
        var id = JsonDocument.Parse(await template.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var run = await client.PostAsync($"/api/v1/templates/{id}/run", null);
        Assert.True(run.StatusCode == HttpStatusCode.Accepted, $"{(int)run.StatusCode} {await run.Content.ReadAsStringAsync()}");
        var job = JsonDocument.Parse(await run.Content.ReadAsStringAsync()).RootElement;
        var link = await client.PostAsync($"/api/v1/exports/{job.GetProperty("id").GetString()}/links", null);
        // A link for a job that may not have finished yet: made, or refused as not ready; never unrouted.
        Assert.True(link.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)link.StatusCode} {await link.Content.ReadAsStringAsync()}");
    }
}
