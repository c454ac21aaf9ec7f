using Alba;
using System.Net;
using System.Text.Json;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>Some HTTP clients send <c>Content-Type: application/json</c> on every request: a GET or DELETE with it
    /// and no body is answered as without it, not refused for a missing JSON body.</summary>
    [Fact]
    public async Task GetAndDeleteWithAJsonContentTypeAndNoBody_AreAnsweredAsWithout()
    {
        var (_, key) = await api.NewUserWithKeyAsync();
        var created = await api.Host.As(key, s =>
        {
            s.Post.Json(Alert("Typed GET")).ToUrl("/api/v1/alerts");
            s.StatusCodeShouldBe(201);
        });
        var id = (await created.JsonAsync()).GetProperty("id").GetString();
        var one = await api.Host.As(key, s =>
        {
            s.Get.Url($"/api/v1/alerts/{id}");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(200);
        });
        Assert.Equal("Typed GET", (await one.JsonAsync()).GetProperty("title").GetString());
        var list = await api.Host.As(key, s =>
        {
            s.Get.Url("/api/v1/exports").QueryString("limit", "1");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(200);
        });
        Assert.Equal(0, (await list.JsonAsync()).GetProperty("items").GetArrayLength());
        await api.Host.As(key, s =>
        {
            s.Delete.Url($"/api/v1/exports/{Guid.NewGuid()}");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(404);
        });
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

    /// <summary>The general rule behind <see cref="QueryString_CannotReplaceABodyFieldOrARouteValue"/>: FastEndpoints
    /// binds the query string after the route, so on a route whose request reads the query string, every property a
    /// route value fills must refuse the query (<c>[DontBind(Source.QueryParam)]</c>); otherwise
    /// <c>/exports/series/direct/A?id=B&amp;token=…</c> would serve B under A's URL.</summary>
    [Fact]
    public void QueryBoundRequests_NeverTakeARouteValueFromTheQuery()
    {
        var endpoints = api.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => (Route: e.RoutePattern, Definition: e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>()))
            .Where(x => x.Definition is not null && typeof(Exports.Host.IQueryBound).IsAssignableFrom(x.Definition.ReqDtoType)).ToList();
        Assert.Contains(endpoints, x => x.Route.Parameters.Count > 0); // the rule has routes to check
        var open = new List<string>();
        foreach (var (route, definition) in endpoints)
            foreach (var parameter in route.Parameters)
                if (definition!.ReqDtoType.GetProperties().FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)) is { } property
                    && property.GetCustomAttributes(typeof(FastEndpoints.DontBindAttribute), true).Cast<FastEndpoints.DontBindAttribute>()
                        .All(a => !a.BindingSources.HasFlag(FastEndpoints.Source.QueryParam)))
                    open.Add($"{route.RawText}: {definition.ReqDtoType.Name}.{property.Name}");
        Assert.True(open.Count == 0, "route values the query string can replace:\n" + string.Join("\n", open));
    }

    /// <summary>A route's extension is matched ignoring case (ASP.NET Core's regex constraint), so the request is
    /// too: <c>export.PNG</c> is the PNG, <c>export.CSV</c> the CSV; an id that names nothing stays a 404.</summary>
    [Fact]
    public async Task ExtensionsInUpperCase_AreTheSameFormat()
    {
        var c = api.Demo();
        var png = await c.GetAsync("/api/v1/dashboards/ops-overview/widgets/cpu/export.PNG?last=1h");
        Assert.True(png.StatusCode == HttpStatusCode.OK, await png.Content.ReadAsStringAsync());
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var csv = await c.GetAsync("/api/v1/dashboards/ops-overview/widgets/cpu/export.CSV?last=1h");
        Assert.True(csv.StatusCode == HttpStatusCode.OK, await csv.Content.ReadAsStringAsync());
        Assert.StartsWith("text/csv", csv.Content.Headers.ContentType?.ToString());
        Assert.EndsWith(".csv", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        await (await c.GetAsync($"/api/v1/destinations/{Guid.Empty}")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/alerts/{Guid.Empty}")).ProblemAsync(404);
        // One rule for every visual export: alerts and monitors too (they answered 400 "format is png or pdf.").
        foreach (var kind in new[] { "alerts", "monitors" })
        {
            var list = JsonDocument.Parse(await c.GetStringAsync($"/api/v1/{kind}")).RootElement;
            var items = list.GetProperty(kind);
            var id = items[0].GetProperty("id").GetString();
            var pdf = await c.GetAsync($"/api/v1/{kind}/{id}/export.PDF");
            Assert.True(pdf.StatusCode == HttpStatusCode.OK, $"{kind}: {await pdf.Content.ReadAsStringAsync()}");
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
            Assert.Equal("%PDF-"u8.ToArray(), (await pdf.Content.ReadAsByteArrayAsync())[..5]);
        }
    }
}
