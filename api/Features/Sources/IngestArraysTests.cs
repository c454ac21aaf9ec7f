using System.Net;
using System.Text;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sources;

/// <summary>Array fields of records sources: arrays of scalars land as jsonb arrays (JSON and NDJSON); nested arrays
/// and objects, non-finite numbers, unstorable text, and an array field given anything else (CSV has no arrays) are
/// field errors with the element's path, and a refused batch writes nothing.</summary>
[Collection(ApiCollection.Name)]
public sealed class IngestArraysTests(ApiFixture api)
{
    static StringContent Body(string text, string type) => new(text, Encoding.UTF8, type);

    async Task<(Guid Owner, HttpClient Client)> SourceAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "ev", kind = "records",
            fields = new object[] { new { name = "job", role = "dimension", type = "string" }, new { name = "tags", role = "dimension", type = "array" } },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (owner, client);
    }

    Task<List<object?[]>> StoredAsync(Guid owner) => api.RowsAsync("""
        SELECT r.key, (r.data->'tags')::text FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 ORDER BY r.ts
        """, owner);

    [Fact]
    public async Task JsonAndNdjson_ArraysOfScalars_AreStoredAsJsonbArrays_ReadBackElementForElement()
    {
        var (owner, c) = await SourceAsync();
        var json = """{"records":[{"timestamp":"2026-03-01T10:00:00Z","id":"a","job":"x","tags":["é \"q\"",1e2,-0.5,true,false,null]},{"timestamp":"2026-03-01T10:01:00Z","id":"b","tags":[]}]}""";
        var ndjson = "{\"timestamp\":\"2026-03-01T10:02:00Z\",\"id\":\"c\",\"tags\":[\"\\u00e9\",\"\"]}\n";
        Assert.True((await c.PostAsync("/api/v1/sources/ev/records", Body(json, "application/json"))).IsSuccessStatusCode);
        Assert.True((await c.PostAsync("/api/v1/sources/ev/records", Body(ndjson, "application/x-ndjson"))).IsSuccessStatusCode);
        var rows = await StoredAsync(owner);
        Assert.Equal(["a", "b", "c"], rows.Select(r => (string)r[0]!));
        Assert.Equal("[\"é \\\"q\\\"\", 1e2, -0.5, true, false, null]".Replace("1e2", "100"), (string)rows[0][1]!);
        Assert.Equal("[]", (string)rows[1][1]!);
        Assert.Equal("[\"é\", \"\"]", (string)rows[2][1]!);
        // Read back through the API as JSON arrays.
        var data = (await (await c.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "ev", granularity = "raw", format = "json", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" },
        })).JsonAsync()).GetProperty("data");
        Assert.Equal("é \"q\"", data[0].GetProperty("tags")[0].GetString());
        Assert.Equal(100, data[0].GetProperty("tags")[1].GetDouble());
        Assert.Equal(6, data[0].GetProperty("tags").GetArrayLength());
    }

    [Theory]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":["a",["b"]]}]""", "application/json", "rows[0].tags[1]")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":[{"k":"v"}]}]""", "application/json", "rows[0].tags[0]")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":["a"]},{"timestamp":"2026-03-01T10:00:00Z","tags":[1e400]}]""", "application/json", "rows[1].tags[0]")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":["ok","\u0000"]}]""", "application/json", "rows[0].tags[1]")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":"a"}]""", "application/json", "rows[0].tags")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","job":["a"]}]""", "application/json", "rows[0].job")]
    [InlineData("{\"timestamp\":\"2026-03-01T10:00:00Z\",\"tags\":[\"a\"]}\n{\"timestamp\":\"2026-03-01T10:00:00Z\",\"tags\":[[1]]}\n", "application/x-ndjson", "rows[1].tags[0]")]
    [InlineData("timestamp,tags\n2026-03-01T10:00:00Z,\"[\"\"a\"\"]\"\n", "text/csv", "rows[0].tags")]
    public async Task BadArrays_Return400WithTheElementPath_AndNothingIsStored(string body, string type, string path)
    {
        var (owner, c) = await SourceAsync();
        await (await c.PostAsync("/api/v1/sources/ev/records", Body(body, type))).ProblemAsync(400, path);
        Assert.Empty(await StoredAsync(owner));
    }

    [Fact]
    public async Task ArrayField_IsADimensionOnly()
    {
        var (_, c) = await api.NewUserAsync();
        await (await c.PostJsonAsync("/api/v1/sources", new
        {
            name = "m", kind = "records", fields = new object[] { new { name = "xs", role = "measure", type = "array" } },
        })).ProblemAsync(400, "fields[0].type");
    }
}
