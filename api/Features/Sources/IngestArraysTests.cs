using System.Buffers;
using System.Net;
using Exports.Features.Sources;
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
    // Finite doubles that PostgreSQL's numeric (jsonb) cannot hold: refused here, never a 22003 / 22P02 from SQL.
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":[1,1e-20000]}]""", "application/json", "rows[0].tags[1]")]
    [InlineData("""[{"timestamp":"2026-03-01T10:00:00Z","tags":[0.5E+1001]}]""", "application/json", "rows[0].tags[0]")]
    [InlineData("{\"timestamp\":\"2026-03-01T10:00:00Z\",\"tags\":[\"a\",2,1e-5000]}\n", "application/x-ndjson", "rows[0].tags[2]")]
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
    public async Task TheArrayLimit_MeasuresTheInput_NotEscapes()
    {
        var (owner, c) = await SourceAsync();
        var word = string.Concat(Enumerable.Repeat("漢字", 40)); // 240 bytes of UTF-8; 480 as \uXXXX escapes
        StringContent Tags(int n) => Body($$"""[{"timestamp":"2026-03-01T10:00:00Z","tags":[{{string.Join(",", Enumerable.Repeat($"\"{word}\"", n))}}]}]""", "application/json");
        // ~0.6 MiB of input (1.2 MiB if escaped): stored, element for element.
        Assert.True((await c.PostAsync("/api/v1/sources/ev/records", Tags(2500))).IsSuccessStatusCode);
        var stored = await api.RowsAsync("""
            SELECT jsonb_array_length(r.data->'tags'), r.data->'tags'->>2499 FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1
            """, owner);
        Assert.Equal(2500, Convert.ToInt32(stored.Single()[0]));
        Assert.Equal(word, (string)stored.Single()[1]!);
        // ~1.2 MiB of input: refused at the field, nothing more stored.
        await (await c.PostAsync("/api/v1/sources/ev/records", Tags(5000))).ProblemAsync(400, "rows[0].tags");
        Assert.Single(await StoredAsync(owner));
    }

    [Fact]
    public void AHugeArray_IsRefused_WithoutBufferingIt()
    {
        // 32 MiB of one array, fed as a pipe would (64 KiB reads): the reader stops keeping it at 1 MiB (it kept
        // all 32 MiB, and more as it grew its buffer, before).
        var head = """[{"timestamp":"2026-03-01T10:00:00Z","tags":["""u8.ToArray();
        const int elements = 8 * 1024 * 1024;
        var body = new byte[head.Length + elements * 4 + 4];
        head.CopyTo(body, 0);
        for (var i = 0; i < elements; i++) "\"x\","u8.CopyTo(body.AsSpan(head.Length + i * 4));
        "1]}]"u8.CopyTo(body.AsSpan(body.Length - 4));
        var errors = new IngestErrors();
        var reader = new JsonRowReader("records", tagObjects: false, ndjson: false, new IngestRow(), errors);
        var rows = 0;
        var start = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var end = Math.Min(body.Length, start + 64 * 1024);
            var seq = new ReadOnlySequence<byte>(body, start, end - start);
            var step = reader.Read(seq, end == body.Length, _ => { rows++; return false; }, out var consumed);
            start += (int)seq.Slice(0, consumed).Length;
            if (step is ReadStep.Done or ReadStep.Failed) break;
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Equal(["rows[0].tags"], errors.ToDictionary().Keys);
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated:N0} bytes reading a 32 MiB array");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
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
