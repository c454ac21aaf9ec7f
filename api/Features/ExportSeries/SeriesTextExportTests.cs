using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>The txt format through the HTTP API, streamed, as a job and from a template: read back by a reader that
/// knows nothing of the writer (tests/readers/texttable.py cuts each line at the rule's column boundaries with Python's
/// wcwidth), compared value by value with SQL on the raw records, and measured as a terminal would (wc -L).</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesTextExportTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("txt-http-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const int Rows = 240, Wider = 220;
    static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly string[] Who =
        ["ascii", "日本語", "e\u0301te", "ｆｕｌｌ", "tab\there", "bell\u0007", "back\\slash", "nl\nline", "c1\u0085x", "rlo\u202Eabc", "한국어", "😀 ok",
         "🇯🇵", "❤️", "👍🏽", "👨\u200D👩\u200D👧", "1️⃣", " edge ", "---"];

    async Task<(Guid Owner, HttpClient Client)> RecordsAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        (await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "notes", kind = "records",
            fields = new object[]
            {
                new { name = "who", role = "dimension", type = "string" }, new { name = "text", role = "dimension", type = "string" },
                new { name = "n", role = "measure", type = "integer" }, new { name = "v", role = "measure", type = "double" },
            },
        })).EnsureSuccessStatusCode();
        // Row 220 is wider than anything in the first 200 rows (the look-ahead): the table widens from there.
        var body = JsonSerializer.Serialize(Enumerable.Range(0, Rows).Select(i => new
        {
            timestamp = T0.AddMinutes(i).AddTicks(i * 10_010).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            who = Who[i % Who.Length],
            text = i == Wider ? "a much wider text than before: 東京タワー" : $"t{i}",
            n = i * 37L - 4000,
            v = i / 7.0 - 10,
        }));
        var ingest = await client.PostAsync("/api/v1/sources/notes/records", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        return (owner, client);
    }

    static object Request(object? options = null) => new
    {
        source = "notes", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" }, timezone = "Asia/Tokyo",
        format = "txt", formatOptions = options ?? new { decimals = 3 },
    };

    [Fact]
    public async Task Txt_ReadByTheRulesColumns_MatchesSql_AndLinesUpOnATerminal()
    {
        var (owner, client) = await RecordsAsync();
        var r = await client.PostJsonAsync("/api/v1/exports/series", Request());
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", r.Content.Headers.ContentType?.CharSet);
        Assert.EndsWith(".txt", r.Content.Headers.ContentDisposition?.FileNameStar);
        var path = Path.Combine(_dir, "notes.txt");
        await File.WriteAllBytesAsync(path, bytes);

        var table = await TextTables.ReadAsync(path);
        Assert.Empty(table.GetProperty("errors").EnumerateArray());
        var lines = table.GetProperty("lines").EnumerateArray().ToList();
        // Two blocks: the first 200 rows and the 20 after them at the first widths, then the wider row and the rest.
        var headers = lines.Select((l, i) => (l, i)).Where(x => x.l.GetProperty("kind").GetString() == "header").Select(x => x.i).ToList();
        Assert.Equal([0, 2 + Wider], headers);
        // Every line is as wide as its block's rule by Python's grapheme-aware wcswidth (v, numeric and never null,
        // closes each row at the right edge); the widest is the second rule.
        var ruleWidth = 0;
        var ruleWidths = new List<int>();
        foreach (var l in lines)
        {
            var kind = l.GetProperty("kind").GetString();
            if (kind == "rule") ruleWidths.Add(ruleWidth = l.GetProperty("width").GetInt32());
            else if (kind == "row") Assert.Equal(ruleWidth, l.GetProperty("width").GetInt32());
        }
        Assert.True(ruleWidths[1] > ruleWidths[0]);
        // GNU wc -L, with glibc's per-character widths, measures the same for every line without an emoji sequence
        // (glibc counts a family as 6 cells and a heart with U+FE0F as 1, so those lines are left to wcswidth).
        var perCharacter = Path.Combine(_dir, "no-emoji.txt");
        await File.WriteAllLinesAsync(perCharacter, (await File.ReadAllLinesAsync(path)).Where(l => !l.EnumerateRunes().Any(r => r.Value is 0xFE0F or >= 0x1F000)));
        Assert.Equal(ruleWidths.Max(), await TextTables.WcLAsync(perCharacter));
        // Numbers sit at the right edge of their column, text at the left.
        var cols = lines[0].GetProperty("cells").EnumerateArray().Select(c => c.GetString()!.Trim()).ToList();
        Assert.Equal(["time", "who", "text", "n", "v"], cols);
        foreach (var l in lines.Where(l => l.GetProperty("kind").GetString() == "row"))
        {
            var cells = l.GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToList();
            Assert.All(cells[..3], c => Assert.False(c.StartsWith(' '), c));
            Assert.All(cells[3..], c => Assert.False(c.EndsWith(' '), c));
        }

        var got = TextTables.Rows(table);
        var truth = await api.RowsAsync("""
            SELECT r.ts, r.data->>'who', r.data->>'text', (r.data->>'n')::bigint, (r.data->>'v')::float8
            FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 AND s.name = 'notes' ORDER BY r.ts
            """, owner);
        Assert.Equal(Rows, truth.Count);
        Assert.Equal(truth.Count, got.Count);
        for (var i = 0; i < truth.Count; i++)
        {
            var (t, g) = (truth[i], got[i]);
            var time = DateTimeOffset.Parse(g["time"], CultureInfo.InvariantCulture);
            Assert.Equal(TimeSpan.FromHours(9), time.Offset);
            Assert.Equal(DateTime.SpecifyKind((DateTime)t[0]!, DateTimeKind.Utc), time.UtcDateTime);
            Assert.Equal((string)t[1]!, g["who"]);
            Assert.Equal((string)t[2]!, g["text"]);
            Assert.Equal((long)t[3]!, long.Parse(g["n"], CultureInfo.InvariantCulture));
            Assert.Matches(@"^-?\d+\.\d{3}$", g["v"]);
            Assert.InRange(Math.Abs((double)t[4]! - double.Parse(g["v"], CultureInfo.InvariantCulture)), 0, 0.0005 + 1e-12);
        }
    }

    [Fact]
    public async Task Txt_AsAJob_AndFromATemplate_IsTheSameFileAsStreamed()
    {
        var (_, client) = await RecordsAsync();
        var streamed = await (await client.PostJsonAsync("/api/v1/exports/series", Request())).Content.ReadAsByteArrayAsync();

        var job = await SubmitAndCompleteAsync(api.Host, client, new { kind = "series", series = Request() });
        Assert.EndsWith(".txt", job.GetProperty("fileName").GetString());
        Assert.Equal("txt", job.GetProperty("format").GetString());
        Assert.Equal(Rows, job.GetProperty("rowCount").GetInt64());
        var file = await client.GetAsync($"/api/v1/exports/{job.GetProperty("id").GetString()}/download");
        Assert.Equal("text/plain", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(streamed, await file.Content.ReadAsByteArrayAsync());

        // A template's range is relative; the run gives the records' day.
        var template = await client.PostJsonAsync("/api/v1/templates", new
        {
            name = "notes-txt",
            request = new { kind = "series", series = new { source = "notes", timeframe = new { last = "24h" }, timezone = "Asia/Tokyo", format = "txt", formatOptions = new { decimals = 3 } } },
        });
        Assert.True(template.StatusCode == HttpStatusCode.Created, await template.Content.ReadAsStringAsync());
        var id = (await template.JsonAsync()).GetProperty("id").GetString();
        var (ran, _) = await RunTrackedAsync(api.Host, client, async () =>
        {
            var run = await client.PostJsonAsync($"/api/v1/templates/{id}/run", new { timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" } });
            Assert.True(run.StatusCode == HttpStatusCode.Accepted, await run.Content.ReadAsStringAsync());
            return (await run.JsonAsync()).GetProperty("id").GetString()!;
        });
        var fromTemplate = await client.GetAsync($"/api/v1/exports/{AssertCompleted(ran).GetProperty("id").GetString()}/download");
        Assert.Equal(streamed, await fromTemplate.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Txt_BadOptions_AreFieldErrors()
    {
        var problem = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", timeframe = new { last = "1h" }, format = "txt", formatOptions = new { title = "x", decimals = 16, dateFormat = "" },
        })).ProblemAsync(400);
        Assert.Equal(["formatOptions.dateFormat", "formatOptions.decimals", "formatOptions.title"],
            problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }
}
