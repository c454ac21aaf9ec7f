using System.Net;
using System.Text;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sources;

[Collection(ApiCollection.Name)]
public sealed class IngestTests(ApiFixture api)
{
    static StringContent Body(string text, string type) => new(text, Encoding.UTF8, type);

    async Task<HttpClient> WithSourceAsync(string name = "metrics")
    {
        var (_, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/sources", new { name, kind = "timeseries", units = new Dictionary<string, string> { ["temp"] = "°C" } });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return client;
    }

    [Fact]
    public async Task JsonNdjsonAndCsv_AllLand_AndReIngestIsIdempotent()
    {
        var client = await WithSourceAsync();
        var json = """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":20.5,"tags":{"room":"a"}},{"timestamp":"2026-03-01T10:01:00Z","metric":"temp","value":21,"tags":{"room":"a"}}]""";
        var ndjson = "{\"ts\":1772359320,\"metric\":\"temp\",\"value\":22,\"tags\":{\"room\":\"b\"}}\n{\"time\":\"2026-03-01T10:03:00Z\",\"metric\":\"temp\",\"value\":null,\"room\":\"b\"}\n";
        var csv = "timestamp,metric,value,room\n2026-03-01T11:00:00Z,temp,19.25,a\n2026-03-01T11:01:00Z,temp,\"18.5\",c\n";
        foreach (var (text, type) in new[] { (json, "application/json"), (ndjson, "application/x-ndjson"), (csv, "text/csv") })
        {
            var r = await client.PostAsync("/api/v1/sources/metrics/points", Body(text, type));
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }
        // The same batch again changes nothing: the natural key is series + timestamp.
        await client.PostAsync("/api/v1/sources/metrics/points", Body(json, "application/json"));

        var rows = Files.ReadCsv(await (await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "metrics", granularity = "raw", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" },
        })).Content.ReadAsStringAsync());
        Assert.Equal(6, rows.Count);
        Assert.Equal(["time", "metric", "room", "value"], rows[0].Keys);
        Assert.Equal(20.5 + 21 + 22 + 19.25 + 18.5, rows.Where(r => r["value"] != "").Sum(r => Files.D(r["value"])), 9);
        Assert.Single(rows, r => r["value"] == "");

        // Rollups follow: the daily tier for that day has the same count and sum.
        var daily = Files.ReadCsv(await (await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "metrics", granularity = "1d", groupBy = Array.Empty<string>(), aggregations = new[] { "count", "sum", "max" },
            timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" },
        })).Content.ReadAsStringAsync());
        Assert.Equal("5", Assert.Single(daily)["count"]);
        Assert.Equal(101.25, Files.D(daily[0]["sum"]), 9);
        Assert.Equal(22, Files.D(daily[0]["max"]), 9);

        var catalog = await (await client.GetAsync("/api/v1/sources")).JsonAsync();
        var src = catalog.GetProperty("sources")[0];
        Assert.Equal("°C", src.GetProperty("metrics")[0].GetProperty("unit").GetString());
        Assert.Equal(5, src.GetProperty("rowCounts").GetProperty("raw").GetInt64());
        Assert.Equal(["a", "b", "c"], src.GetProperty("dimensions")[0].GetProperty("values").EnumerateArray().Select(v => v.GetString()));
    }

    /// <summary>The wire shapes of create and list, written out: 201 with its Location and the source as stored;
    /// the catalog entry of a source with no rows has no extent (null members are left out), and its fields in order.</summary>
    [Fact]
    public async Task CreateAndList_AnswerTheSourceInItsWireShape()
    {
        var (_, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "shape", kind = "records", description = "d",
            fields = new object[] { new { name = "host", role = "dimension", type = "string" }, new { name = "ms", role = "measure", type = "double", unit = "ms" } },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("/api/v1/sources/shape", r.Headers.Location?.OriginalString);
        Assert.Equal("""{"name":"shape","kind":"records","description":"d","fields":[{"name":"host","role":"dimension","type":"string"},{"name":"ms","role":"measure","type":"double","unit":"ms"}]}""",
            await r.Content.ReadAsStringAsync());

        var list = await client.GetAsync("/api/v1/sources");
        Assert.Equal("""{"sources":[{"name":"shape","kind":"records","description":"d","metrics":[],"fields":[{"name":"host","role":"dimension","type":"string"},{"name":"ms","role":"measure","type":"double","unit":"ms"}],"dimensions":[{"name":"host","values":[]}],"rowCounts":{"raw":0,"hourly":0,"daily":0}}]}""",
            await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OneBadRow_RejectsTheBatch_WithRowNumber_AndWritesNothing()
    {
        var client = await WithSourceAsync();
        var body = """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1},{"timestamp":"2026-03-01T10:01:00Z","metric":"temp","value":"warm"}]""";
        var r = await client.PostAsync("/api/v1/sources/metrics/points", Body(body, "application/json"));
        var problem = await r.ProblemAsync(400, "rows[1].value");
        Assert.Contains("Row 2", problem.GetProperty("errors").GetProperty("rows[1].value")[0].GetString());
        var sources = await (await client.GetAsync("/api/v1/sources")).JsonAsync();
        Assert.Equal(0, sources.GetProperty("sources")[0].GetProperty("rowCounts").GetProperty("raw").GetInt64());
    }

    [Fact]
    public async Task Records_UnknownFieldOrWrongType_IsRejected_GoodBatchIsIdempotentByContent()
    {
        var (_, client) = await api.NewUserAsync();
        await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "jobs", kind = "records",
            fields = new object[] { new { name = "job", role = "dimension", type = "string" }, new { name = "code", role = "measure", type = "integer" } },
        });
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body("""[{"timestamp":"2026-03-01T10:00:00Z","job":"a","colour":"red"}]""", "application/json"))).ProblemAsync(400, "rows[0].colour");
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body("""[{"timestamp":"2026-03-01T10:00:00Z","job":"a","code":1.5}]""", "application/json"))).ProblemAsync(400, "rows[0].code");
        var good = "timestamp,job,code\n2026-03-01T10:00:00Z,a,0\n2026-03-01T10:05:00Z,b,2\n";
        for (var i = 0; i < 2; i++)
            Assert.True((await client.PostAsync("/api/v1/sources/jobs/records", Body(good, "text/csv"))).IsSuccessStatusCode);
        var rows = Files.ReadCsv(await (await client.GetAsync("/api/v1/sources/jobs/export?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z")).Content.ReadAsStringAsync());
        Assert.Equal(2, rows.Count);
        Assert.Equal(["0", "2"], rows.Select(r => r["code"]));
    }

    [Fact]
    public async Task DuplicateSourceName_Returns409_AndBadName400()
    {
        var client = await WithSourceAsync("dup");
        await (await client.PostJsonAsync("/api/v1/sources", new { name = "dup", kind = "timeseries" })).ProblemAsync(409);
        await (await client.PostJsonAsync("/api/v1/sources", new { name = "../etc", kind = "timeseries" })).ProblemAsync(400, "name");
    }
}
