using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Excel, Markdown and HTML through the HTTP API, read back (exceljs for xlsx) and compared with SQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesOfficeExportTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("office-http-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task HourlyXlsx_DataAndSummary_MatchSql()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(12));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1h", groupBy = new[] { "server" },
            aggregations = new[] { "avg", "max" }, timezone = "UTC",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, format = "xlsx",
            formatOptions = new { title = "CPU by server", conditionalFormatting = "threshold", threshold = 90 },
        });
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".xlsx", r.Content.Headers.ContentDisposition?.FileNameStar);
        var path = Path.Combine(_dir, "cpu.xlsx");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        var book = await NodeReaders.XlsxAsync(path);
        Assert.Equal("CPU by server", book.GetProperty("title").GetString());
        var sheets = book.GetProperty("sheets").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["Data", "Summary", "Pivot", "Chart", "PivotTable", "About"], sheets.Keys);
        var data = sheets["Data"].GetProperty("rows").EnumerateArray().ToList();
        var header = data[0].EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(["time", "metric", "server", "avg", "max"], header);
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', date_trunc('hour', p.ts, 'UTC'), avg(p.value), max(p.value)
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric = 'cpu_percent' AND p.ts >= $1 AND p.ts < $2 GROUP BY 1, 2
            """, from, to);
        Assert.Equal(expected.Count, data.Count - 1);
        foreach (var e in expected)
        {
            var hour = DateTime.SpecifyKind((DateTime)e[1]!, DateTimeKind.Utc);
            var row = data.Skip(1).Single(x => x[2].GetString() == (string)e[0]! &&
                DateTime.Parse(x[0].GetProperty("date").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal) == hour);
            Assert.Equal((double)e[2]!, row[3].GetDouble(), 9);
            Assert.Equal((double)e[3]!, row[4].GetDouble(), 9);
        }
        var summary = sheets["Summary"].GetProperty("rows").EnumerateArray().ToList();
        var max = summary.Single(x => x[0].ValueKind == JsonValueKind.String && x[0].GetString() == "max");
        Assert.Equal(expected.Max(e => (double)e[3]!), max[5].GetProperty("result").GetDouble(), 9);
        Assert.Equal($"MAX('Data'!$E$2:$E${expected.Count + 1})", max[5].GetProperty("formula").GetString());
        Assert.Equal(["cellIs", "cellIs"], sheets["Data"].GetProperty("conditionalFormattings").EnumerateArray().Select(c => c.GetProperty("types")[0].GetString()));
        // The pivot holds the first measure (avg) of every server against the hours.
        var pivot = sheets["Pivot"].GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => (string)e[0]!).Distinct().Count(), pivot[0].GetArrayLength() - 1);
        Assert.Equal(expected.Select(e => e[1]).Distinct().Count(), pivot.Count - 1);
    }

    [Fact]
    public async Task XlsxTemplateOrBadOptions_AreFieldErrors()
    {
        await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, format = "xlsx",
            formatOptions = new { sheetName = "bad:name", rowsPerSheet = 10 },
        })).ProblemAsync(400, "formatOptions.sheetName");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, format = "xlsx",
            formatOptions = new { template = "not base64!" , templateSheet = "Data" },
        })).ProblemAsync(400, "formatOptions.template");
    }

    static async Task<HttpClient> RecordsWithHostileTextAsync(ApiFixture api)
    {
        var (_, client) = await api.NewUserAsync();
        await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "notes", kind = "records",
            fields = new object[] { new { name = "who", role = "dimension", type = "string" }, new { name = "text", role = "dimension", type = "string" }, new { name = "n", role = "measure", type = "integer" } },
        });
        var body = JsonSerializer.Serialize(new object[]
        {
            new { timestamp = "2026-03-01T10:00:00Z", who = "<script>alert('x')</script>", text = "a | b\nc & \"d\"", n = 1 },
            new { timestamp = "2026-03-01T10:05:00Z", who = "bob", text = "=1+1", n = 20 },
            new { timestamp = "2026-03-01T10:10:00Z", who = "*eve* __x__ `code`", text = "[click](javascript:alert(1)) ~~gone~~ \\*lit\\* &amp; <b>", n = 3 },
        });
        var ingest = await client.PostAsync("/api/v1/sources/notes/records", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        return client;
    }

    [Fact]
    public async Task Html_EscapesEverything_AndHasEveryRow()
    {
        var client = await RecordsWithHostileTextAsync(api);
        var r = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "notes", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" }, format = "html",
            formatOptions = new { title = "Notes <b>&</b>" }, timezone = "UTC",
        });
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        var html = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.Contains("<title>Notes &lt;b&gt;&amp;&lt;/b&gt;</title>", html);
        Assert.Contains("a | b\nc &amp; &quot;d&quot;", html);
        Assert.Equal(3, html.Split("<tr><td").Length - 1);
        Assert.Contains("<td class=\"n\">20</td>", html);
        Assert.EndsWith("</html>\n", html);
    }

    [Fact]
    public async Task Markdown_IsAPipeTable_WithCellsThatCannotBreakIt()
    {
        var client = await RecordsWithHostileTextAsync(api);
        var r = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "notes", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" }, format = "markdown", timezone = "UTC",
        });
        Assert.Equal("text/markdown", r.Content.Headers.ContentType?.MediaType);
        var lines = (await r.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Equal("| time | who | text | n |", lines[0]);
        Assert.Contains("---: |", lines[1]);
        // Every line has the same number of unescaped pipes: no cell broke out of its column.
        int Pipes(string l) => System.Text.RegularExpressions.Regex.Matches(l, @"(?<!\\)\|").Count;
        Assert.All(lines, l => Assert.Equal(Pipes(lines[0]), Pipes(l)));
        Assert.Contains("a \\| b<br>c &amp; \"d\"", lines[2]);
        Assert.Contains("&lt;script&gt;", lines[2]);

        // Read as GitHub renders it: every cell shows exactly its value, with no link, emphasis, code or HTML made of it.
        var path = Path.Combine(_dir, "notes.md");
        await File.WriteAllLinesAsync(path, lines);
        var table = await NodeReaders.MarkdownAsync(path);
        var rows = table.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        string[][] expected =
        [
            ["<script>alert('x')</script>", "a | b\nc & \"d\""],
            ["bob", "=1+1"],
            ["*eve* __x__ `code`", "[click](javascript:alert(1)) ~~gone~~ \\*lit\\* &amp; <b>"],
        ];
        for (var i = 0; i < rows.Count; i++)
            for (var c = 0; c < 2; c++)
            {
                var cell = rows[i][c + 1];
                Assert.Equal(expected[i][c], cell.GetProperty("text").GetString());
                Assert.DoesNotMatch("<(?!br>)[a-z]", cell.GetProperty("html").GetString()!);
            }
    }

    [Fact]
    public async Task Preview_EstimatesASizeForEveryFormat()
    {
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", new
        {
            source = "servers", metrics = new[] { "memory_percent" }, timeframe = new { last = "6h" }, format = "parquet",
        })).JsonAsync();
        var sizes = preview.GetProperty("estimatedBytes");
        foreach (var f in new[] { "csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown", "html", "txt" })
            Assert.True(sizes.GetProperty(f).GetInt64() > 0, f);
        Assert.True(sizes.GetProperty("parquet").GetInt64() < sizes.GetProperty("csv").GetInt64() / 2, "parquet is the compact one");
        Assert.True(sizes.GetProperty("html").GetInt64() > sizes.GetProperty("csv").GetInt64());
    }
}
