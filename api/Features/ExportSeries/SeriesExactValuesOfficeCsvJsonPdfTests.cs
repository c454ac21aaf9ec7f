using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>
/// Microsecond times and the extreme doubles ingest accepts, exported in every format and read back by each format's
/// own reader (BCL CSV parser, System.Text.Json, marked, HTML text, pdftotext, exceljs, LibreOffice, DuckDB), then
/// compared with SQL on the raw points: times to the microsecond, values bit for bit.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesExactValuesOfficeCsvJsonPdfTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("exact-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly double[] Values =
    [
        -123456789.12345679, 1e-300, 5e-324, 1e300, double.MaxValue, -double.MaxValue, -0.0, 0.1 + 0.2,
        2.2250738585072014E-308, 9.99999999999999E+307, 1234567.25, 42,
    ];
    static readonly long[] FractionMicros = [123456, 500000, 0, 1, 999999, 250000, 100000, 654321, 10203, 700000, 999, 1000];
    static readonly DateTime T0 = new(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);
    const string Zone = "Asia/Kathmandu"; // +05:45: offsets that are not whole hours

    sealed record Truth(string Key, long Micros, double Value);
    sealed record Got(string Key, string Time, string Value);

    async Task<(HttpClient Client, string Metric, List<Truth> Truth)> IngestAsync()
    {
        var (_, client) = await api.NewUserAsync();
        (await client.PostJsonAsync("/api/v1/sources", new { name = "exact", kind = "timeseries" })).EnsureSuccessStatusCode();
        var metric = "m_" + Guid.NewGuid().ToString("N")[..12];
        // Written by hand with round-trip digits: one series per value, so rollups never add two extremes together.
        var body = "[" + string.Join(",", Values.Select((v, i) =>
            $"{{\"timestamp\":\"{T0.AddSeconds(i).AddTicks(FractionMicros[i] * 10):yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}\",\"metric\":\"{metric}\",\"value\":{v.ToString("R", CultureInfo.InvariantCulture)},\"tags\":{{\"k\":\"v{i:00}\"}}}}")) + "]";
        var r = await client.PostAsync("/api/v1/sources/exact/points", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var truth = (await api.RowsAsync("""
            SELECT s.tags->>'k', (extract(epoch FROM p.ts) * 1000000)::bigint, p.value
            FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = $1 ORDER BY 1
            """, metric)).Select(x => new Truth((string)x[0]!, (long)x[1]!, (double)x[2]!)).ToList();
        Assert.Equal(Values.Length, truth.Count);
        return (client, metric, truth);
    }

    static object Request(string metric, string format, object? options = null) => new
    {
        source = "exact", metrics = new[] { metric }, granularity = "raw", timezone = Zone, format, formatOptions = options,
        timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" },
    };

    static long MicrosOf(string iso) => (DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
    static double Num(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
    /// <summary>Excel's specification: numbers from ±2.2251E-308 to ±9.99999999999999E+307, and zero.</summary>
    static bool InExcelRange(double v) => v == 0 || (Math.Abs(v) >= 2.2250738585072014E-308 && Math.Abs(v) <= 9.99999999999999E+307);
    static bool Same(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>An Excel serial (days since 1899-12-30) at its exact binary value, in whole microseconds since 1970.</summary>
    static long MicrosSinceUnixEpoch(double serial)
    {
        var bits = BitConverter.DoubleToInt64Bits(serial);
        var exp = (int)((bits >> 52) & 0x7FF) - 1075;
        var mantissa = (bits & 0xFFFFFFFFFFFFFL) | (1L << 52);
        Assert.True(exp < 0);
        var den = System.Numerics.BigInteger.One << -exp;
        var num = (mantissa - 25569 * den) * 86_400_000_000;
        return (long)System.Numerics.BigInteger.Divide(num + den / 2, den);
    }

    static void AssertExact(string format, List<Truth> truth, List<Got> got)
    {
        Assert.Equal(truth.Count, got.Count);
        foreach (var t in truth)
        {
            var g = Assert.Single(got, x => x.Key == t.Key);
            Assert.True(t.Micros == MicrosOf(g.Time), $"{format} {t.Key}: time '{g.Time}', SQL {t.Micros} µs since the epoch");
            Assert.True(Same(t.Value, Num(g.Value)), $"{format} {t.Key}: value '{g.Value}', SQL {t.Value:R}");
        }
    }

    [Fact]
    public async Task Text_formats_keep_microseconds_and_every_double_exactly()
    {
        var (client, metric, truth) = await IngestAsync();
        async Task<string> Text(string format, object? options = null)
        {
            var r = await client.PostJsonAsync("/api/v1/exports/series", Request(metric, format, options));
            Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
            return await r.Content.ReadAsStringAsync();
        }

        foreach (var (format, delim) in new[] { ("csv", ","), ("tsv", "\t") })
            AssertExact(format, truth, Files.ReadCsv(await Text(format), delim).Select(x => new Got(x["k"], x["time"], x["value"])).ToList());

        // Grouped digits: undo the separators as a reader told of them would.
        var grouped = Files.ReadCsv(await Text("csv", new { delimiter = ";", thousandsSeparator = ".", decimalSeparator = "," }), ";");
        AssertExact("csv grouped", truth, grouped.Select(x => new Got(x["k"], x["time"], x["value"].Replace(".", "").Replace(",", "."))).ToList());
        Assert.Contains(grouped, x => x["value"] == "-123.456.789,12345679");

        var json = JsonDocument.Parse(await Text("json")).RootElement.GetProperty("data").EnumerateArray();
        AssertExact("json", truth, json.Select(x => new Got(x.GetProperty("k").GetString()!, x.GetProperty("time").GetString()!, x.GetProperty("value").GetRawText())).ToList());
        var lines = (await Text("jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement);
        AssertExact("jsonl", truth, lines.Select(x => new Got(x.GetProperty("k").GetString()!, x.GetProperty("time").GetString()!, x.GetProperty("value").GetRawText())).ToList());

        var md = Path.Combine(_dir, "t.md");
        await File.WriteAllTextAsync(md, await Text("markdown"));
        var table = await NodeReaders.MarkdownAsync(md);
        var heads = table.GetProperty("header").EnumerateArray().Select(h => h.GetProperty("text").GetString()).ToList();
        AssertExact("markdown", truth, table.GetProperty("rows").EnumerateArray().Select(r => new Got(
            r[heads.IndexOf("k")].GetProperty("text").GetString()!, r[heads.IndexOf("time")].GetProperty("text").GetString()!, r[heads.IndexOf("value")].GetProperty("text").GetString()!)).ToList());

        var html = await Text("html");
        var rows = Regex.Matches(html, "<tr><td.*?</tr>").Select(m => Regex.Matches(m.Value, "<td[^>]*>(.*?)</td>").Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToList()).ToList();
        var hh = Regex.Matches(html, "<th>(.*?)</th>").Select(m => m.Groups[1].Value).ToList();
        AssertExact("html", truth, rows.Select(r => new Got(r[hh.IndexOf("k")], r[hh.IndexOf("time")], r[hh.IndexOf("value")])).ToList());

        var pdf = Path.Combine(_dir, "t.pdf");
        var pr = await client.PostJsonAsync("/api/v1/exports/series", Request(metric, "pdf", new { orientation = "landscape" }));
        await File.WriteAllBytesAsync(pdf, await pr.Content.ReadAsByteArrayAsync());
        var pdfRows = Tools.Run("pdftotext", "-layout", pdf, "-").Split('\n')
            .Select(l => Regex.Match(l, @"^\s*(\S+)\s+" + metric + @"\s+(v\d\d)\s+(\S+)\s*$")).Where(m => m.Success)
            .Select(m => new Got(m.Groups[2].Value, m.Groups[1].Value, m.Groups[3].Value)).ToList();
        AssertExact("pdf", truth, pdfRows);
    }

    [Fact]
    public async Task Parquet_keeps_microseconds_and_every_double_exactly()
    {
        var (client, metric, truth) = await IngestAsync();
        var path = Path.Combine(_dir, "t.parquet");
        await File.WriteAllBytesAsync(path, await (await client.PostJsonAsync("/api/v1/exports/series", Request(metric, "parquet"))).Content.ReadAsByteArrayAsync());
        var read = (await NodeReaders.ParquetAsync(path)).GetProperty("duckdb");
        var duck = read.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(truth.Count, duck.Count);
        var net = await ParquetNetReader.ReadAsync(path);
        net.AssertSameAs(read);
        Assert.Equal("timestamp[micros,utc]", net.Column("time").Logical);
        Assert.Equal(truth.Count, net.Rows.Count);
        foreach (var t in truth)
        {
            var row = Assert.Single(duck, x => x.GetProperty("k").GetString() == t.Key);
            Assert.Equal(t.Micros, row.GetProperty("time").GetInt64());
            // The reader hands numbers over as JSON, which has no negative zero: -0 arrives as 0.
            var v = row.GetProperty("value").GetDouble();
            Assert.True(Same(t.Value, v) || (t.Value == 0 && v == 0), $"parquet {t.Key}: {v:R}, SQL {t.Value:R}");
            // Parquet.Net hands the double over as stored: negative zero and all, so it must be the same bits.
            var netRow = Assert.Single(net.Rows, x => (string?)x["k"] == t.Key);
            Assert.Equal(t.Micros, ParquetNetReader.Micros(netRow["time"]));
            var nv = (double)netRow["value"]!;
            Assert.True(Same(t.Value, nv), $"parquet (Parquet.Net) {t.Key}: {nv:R}, SQL {t.Value:R}");
        }
    }

    [Fact]
    public async Task Xlsx_keeps_microseconds_in_the_serial_shows_milliseconds_and_writes_values_beyond_Excel_as_exact_text()
    {
        var (client, metric, truth) = await IngestAsync();
        var path = Path.Combine(_dir, "t.xlsx");
        await File.WriteAllBytesAsync(path, await (await client.PostJsonAsync("/api/v1/exports/series", Request(metric, "xlsx"))).Content.ReadAsByteArrayAsync());
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var book = await NodeReaders.XlsxAsync(path);
        var data = book.GetProperty("sheets")[0];
        var rows = data.GetProperty("rows").EnumerateArray().ToList();
        var head = rows[0].EnumerateArray().Select(h => h.GetString()).ToList();
        Assert.Equal("yyyy-mm-dd hh:mm:ss.000", data.GetProperty("styles")[1][0].GetProperty("numFmt").GetString());

        // The serial values as stored: local days since 1899-12-30, parsed to a double as a spreadsheet does, then
        // taken at that double's exact value (a rational) so the test adds no rounding of its own.
        using (var zip = ZipFile.OpenRead(path))
        {
            var sheet = XDocument.Load(zip.GetEntry("xl/worksheets/sheet1.xml")!.Open());
            XNamespace x = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
            var serials = sheet.Descendants(x + "c").Where(c => Regex.IsMatch((string)c.Attribute("r")!, "^A([2-9]|\\d\\d+)$"))
                .Select(c => Num(c.Element(x + "v")!.Value)).ToList();
            var keys = rows.Skip(1).Select(r => r[head.IndexOf("k")].GetString()!).ToList();
            Assert.Equal(truth.Count, serials.Count);
            for (var i = 0; i < serials.Count; i++)
            {
                var t = truth.Single(z => z.Key == keys[i]);
                var localMicros = MicrosSinceUnixEpoch(serials[i]);
                var utc = DateTime.UnixEpoch.AddTicks(t.Micros * 10);
                Assert.Equal(t.Micros + (long)zone.GetUtcOffset(utc).TotalMicroseconds, localMicros);
            }
        }

        foreach (var t in truth)
        {
            var row = rows.Skip(1).Single(r => r[head.IndexOf("k")].GetString() == t.Key);
            var cell = row[head.IndexOf("value")];
            if (InExcelRange(t.Value))
                Assert.True(cell.GetDouble() == t.Value, $"xlsx {t.Key}: {cell.GetDouble():R}, SQL {t.Value:R}"); // Excel has no -0
            else
                Assert.True(cell.ValueKind == JsonValueKind.String && Same(t.Value, Num(cell.GetString()!)), $"xlsx {t.Key}: {cell}, SQL {t.Value:R}");
        }

        // What a user sees: LibreOffice shows each time to the millisecond (rounded), in the export's zone.
        var shown = Files.ReadCsv(LibreOffice.SheetsAsCsv(path, asShown: true)["Data"]);
        foreach (var t in truth)
        {
            var row = shown.Single(r => r["k"] == t.Key);
            var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks((t.Micros + 500) / 1000 * 10_000), zone);
            Assert.Equal(local.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), row["time"]);
        }
        var about = book.GetProperty("sheets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "About").GetProperty("rows").EnumerateArray()
            .Single(r => r[0].ValueKind == JsonValueKind.String && r[0].GetString() == "Numbers as text");
        Assert.StartsWith($"{truth.Count(t => !InExcelRange(t.Value))} value(s)", about[1].GetString());
    }

    [Fact]
    public async Task Records_times_keep_their_microseconds_in_csv_and_jsonl()
    {
        var (owner, client) = await api.NewUserAsync();
        (await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "cmds", kind = "records",
            fields = new object[] { new { name = "k", role = "dimension", type = "string" }, new { name = "ms", role = "measure", type = "double" } },
        })).EnsureSuccessStatusCode();
        var body = "[" + string.Join(",", FractionMicros.Select((us, i) =>
            $"{{\"timestamp\":\"{T0.AddSeconds(i).AddTicks(us * 10):yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}\",\"k\":\"r{i:00}\",\"ms\":{i}.5}}")) + "]";
        var ingest = await client.PostAsync("/api/v1/sources/cmds/records", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        var truth = (await api.RowsAsync("""
            SELECT r.data->>'k', (extract(epoch FROM r.ts) * 1000000)::bigint FROM records r JOIN sources s ON s.id = r.source_id
            WHERE s.owner_id = $1 AND s.name = 'cmds'
            """, owner)).ToDictionary(x => (string)x[0]!, x => (long)x[1]!);
        Assert.Equal(FractionMicros.Length, truth.Count);
        object Req(string format) => new { source = "cmds", timezone = Zone, format, timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" } };
        var csv = Files.ReadCsv(await (await client.PostJsonAsync("/api/v1/exports/series", Req("csv"))).Content.ReadAsStringAsync());
        Assert.Equal(truth.Count, csv.Count);
        Assert.All(csv, r => Assert.Equal(truth[r["k"]], MicrosOf(r["time"])));
        var jsonl = (await (await client.PostJsonAsync("/api/v1/exports/series", Req("jsonl"))).Content.ReadAsStringAsync())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(truth.Count, jsonl.Count);
        Assert.All(jsonl, r => Assert.Equal(truth[r.GetProperty("k").GetString()!], MicrosOf(r.GetProperty("time").GetString()!)));
    }
}
