using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.Files;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Records holding arrays (tags: strings, args: mixed scalars): stringified, kept as JSON arrays, or expanded
/// one row per element, read back by Sylvan (CSV), System.Text.Json, DuckDB + hyparquet (Parquet) and exceljs, and
/// compared with SQL over the stored jsonb (jsonb_array_elements with LEFT JOIN LATERAL for the expanded rows).</summary>
[Collection(ApiCollection.Name)]
public sealed class RecordArraysTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("exports-arrays-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string Records = """
        [{"timestamp":"2026-03-01T10:00:00Z","id":"r0","host":"h1","tags":["a","b"],"args":[1,2.5],"ms":1},
         {"timestamp":"2026-03-01T10:01:00Z","id":"r1","host":"h2","tags":[],"args":[true,null,"x"],"ms":2},
         {"timestamp":"2026-03-01T10:02:00Z","id":"r2","host":"h3-ab","ms":3},
         {"timestamp":"2026-03-01T10:03:00Z","id":"r3","host":"h4","tags":["=1+1","c","a"],"args":[10,"1"]}]
        """;

    static readonly object Range = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" };

    async Task<(Guid Owner, HttpClient Client)> SourceAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        var created = await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "ev", kind = "records",
            fields = new object[]
            {
                new { name = "host", role = "dimension", type = "string" },
                new { name = "tags", role = "dimension", type = "array" },
                new { name = "args", role = "dimension", type = "array" },
                new { name = "ms", role = "measure", type = "double" },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var r = await client.PostAsync("/api/v1/sources/ev/records", new StringContent(Records, Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (owner, client);
    }

    Task<HttpResponseMessage> ExportAsync(HttpClient c, string format, string? handling = null, string? expandField = null, object? filter = null, string[]? fields = null, object? formatOptions = null) =>
        c.PostJsonAsync("/api/v1/exports/series", new Dictionary<string, object?>
        {
            ["source"] = "ev", ["timeframe"] = Range, ["granularity"] = "raw", ["format"] = format, ["fields"] = fields, ["formatOptions"] = formatOptions,
            ["arrayHandling"] = handling, ["expandField"] = expandField, ["filter"] = filter,
        }.Where(kv => kv.Value is not null).ToDictionary());

    /// <summary>key -> the field's stored jsonb as PostgreSQL prints it (null when absent).</summary>
    async Task<Dictionary<string, string?>> StoredAsync(Guid owner, string field) =>
        (await api.RowsAsync("""
            SELECT r.key, (r.data->$2)::text FROM records r JOIN sources s ON s.id = r.source_id
            WHERE s.owner_id = $1 AND s.name = 'ev' ORDER BY r.ts
            """, owner, field)).ToDictionary(x => (string)x[0]!, x => (string?)x[1]);

    /// <summary>The expanded rows SQL gives: (key, index, element text) in order, one null row for an empty or missing array.</summary>
    async Task<List<(string Key, long? Index, string? Element)>> ExpandedAsync(Guid owner, string field, string where = "true") =>
        (await api.RowsAsync($"""
            SELECT r.key, x.ord - 1, x.value #>> ARRAY[]::text[] FROM records r JOIN sources s ON s.id = r.source_id
            LEFT JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(r.data->$2) WHEN 'array' THEN r.data->$2 END) WITH ORDINALITY AS x(value, ord) ON true
            WHERE s.owner_id = $1 AND s.name = 'ev' AND {where} ORDER BY r.ts, x.ord
            """, owner, field)).Select(x => ((string)x[0]!, (long?)x[1], (string?)x[2])).ToList();

    [Fact]
    public async Task Ingest_StoresArraysOfScalarsAsJsonArrays_InOrder()
    {
        var (owner, _) = await SourceAsync();
        var tags = await StoredAsync(owner, "tags");
        Assert.Equal("[\"a\", \"b\"]", tags["r0"]);
        Assert.Equal("[]", tags["r1"]);
        Assert.Null(tags["r2"]);
        Assert.Equal("[\"=1+1\", \"c\", \"a\"]", tags["r3"]);
        var args = await StoredAsync(owner, "args");
        Assert.Equal("[1, 2.5]", args["r0"]);
        Assert.Equal("[true, null, \"x\"]", args["r1"]);
        Assert.Equal("array", await api.ScalarAsync<string>("SELECT DISTINCT jsonb_typeof(r.data->'args') FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 AND r.data ? 'args'", owner));
    }

    [Fact]
    public async Task Csv_StringifiesByDefault_AsTheStoredJson()
    {
        var (owner, c) = await SourceAsync();
        var rows = ReadCsv(await (await ExportAsync(c, "csv")).Content.ReadAsStringAsync());
        Assert.Equal(["time", "host", "tags", "args", "ms"], rows[0].Keys);
        var tags = await StoredAsync(owner, "tags");
        var args = await StoredAsync(owner, "args");
        Assert.Equal(tags.Values.Select(v => v ?? ""), rows.Select(r => r["tags"]));
        Assert.Equal(args.Values.Select(v => v ?? ""), rows.Select(r => r["args"]));
        // The text is JSON: it parses back to the stored elements.
        Assert.Equal(["=1+1", "c", "a"], JsonDocument.Parse(rows[3]["tags"]).RootElement.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task CsvExpand_OneRowPerElement_CountAndElementsMatchSql_EmptyAndMissingKeepOneRow_FormulaGuarded()
    {
        var (owner, c) = await SourceAsync();
        var rows = ReadCsv(await (await ExportAsync(c, "csv", "expand", "tags")).Content.ReadAsStringAsync());
        Assert.Equal(["time", "host", "tags", "tags_index", "args", "ms"], rows[0].Keys);
        var sql = await ExpandedAsync(owner, "tags");
        Assert.Equal(7, sql.Count); // 2 + 1 (empty) + 1 (missing) + 3
        Assert.Equal(sql.Count, rows.Count);
        var hosts = new Dictionary<string, string> { ["r0"] = "h1", ["r1"] = "h2", ["r2"] = "h3-ab", ["r3"] = "h4" };
        for (var i = 0; i < sql.Count; i++)
        {
            Assert.Equal(hosts[sql[i].Key], rows[i]["host"]);
            Assert.Equal(sql[i].Index?.ToString() ?? "", rows[i]["tags_index"]);
            // The element is text like any other: a leading '=' gets the formula guard's quote.
            Assert.Equal(sql[i].Element is { } el ? (el.StartsWith('=') ? "'" + el : el) : "", rows[i]["tags"]);
        }
        Assert.Equal("'=1+1", rows[4]["tags"]);
        // Other array fields are repeated, stringified.
        Assert.Equal(["[1, 2.5]", "[1, 2.5]"], rows.Take(2).Select(r => r["args"]));
    }

    [Fact]
    public async Task Json_KeepsArraysAsArrays_StringifyWritesText_ExpandKeepsElementTypes()
    {
        var (owner, c) = await SourceAsync();
        var stored = await StoredAsync(owner, "args");
        var kept = (await (await ExportAsync(c, "json")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(4, kept.Count);
        Assert.Equal(JsonValueKind.Array, kept[0].GetProperty("args").ValueKind);
        Assert.Equal([1, 2.5], kept[0].GetProperty("args").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([JsonValueKind.True, JsonValueKind.Null, JsonValueKind.String], kept[1].GetProperty("args").EnumerateArray().Select(e => e.ValueKind));
        Assert.Equal(0, kept[1].GetProperty("tags").GetArrayLength());
        // Each kept array is the stored one, element for element.
        for (var i = 0; i < kept.Count; i++)
            if (stored.Values.ElementAt(i) is { } s)
                Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(s).RootElement, kept[i].GetProperty("args")));

        var text = (await (await ExportAsync(c, "json", "stringify")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(stored.Values, text.Select(r => r.GetProperty("args") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null));

        var lines = (await (await ExportAsync(c, "jsonl", "expand", "args")).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var sql = await ExpandedAsync(owner, "args");
        Assert.Equal(sql.Count, lines.Count);
        Assert.Equal([1.0, 2.5, 10], lines.Where(l => l.GetProperty("args").ValueKind == JsonValueKind.Number).Select(l => l.GetProperty("args").GetDouble()));
        Assert.Equal(JsonValueKind.True, lines[2].GetProperty("args").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[3].GetProperty("args").ValueKind); // a null element
        Assert.Equal("1", lines[^1].GetProperty("args").GetString()); // the string "1" stays a string
        Assert.Equal(sql.Select(s => s.Index), lines.Select(l => l.GetProperty("args_index").ValueKind == JsonValueKind.Null ? (long?)null : l.GetProperty("args_index").GetInt64()));
        // tags (not expanded) stay arrays in JSON.
        Assert.Equal(JsonValueKind.Array, lines[0].GetProperty("tags").ValueKind);
    }

    [Fact]
    public async Task Parquet_StringifiesByDefault_DuckDbAndHyparquetReadTheJsonText_ExpandCountsMatchSql()
    {
        var (owner, c) = await SourceAsync();
        var path = Path.Combine(_dir, "a.parquet");
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "parquet")).Content.ReadAsByteArrayAsync());
        var read = await NodeReaders.ParquetAsync(path);
        var duck = read.GetProperty("duckdb");
        Assert.Equal("VARCHAR", duck.GetProperty("types").GetProperty("tags").GetString());
        var tags = (await StoredAsync(owner, "tags")).Values.ToList();
        Assert.Equal(tags, duck.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tags").GetString()));
        Assert.Equal(tags, read.GetProperty("hyparquet").GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tags").GetString()));

        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "parquet", "expand", "tags")).Content.ReadAsByteArrayAsync());
        var expanded = (await NodeReaders.ParquetAsync(path)).GetProperty("duckdb").GetProperty("rows").EnumerateArray().ToList();
        var sql = await ExpandedAsync(owner, "tags");
        Assert.Equal(sql.Select(s => s.Element), expanded.Select(r => r.GetProperty("tags").GetString()));
        Assert.Equal(sql.Select(s => s.Index), expanded.Select(r => r.GetProperty("tags_index").ValueKind == JsonValueKind.Null ? (long?)null : r.GetProperty("tags_index").GetInt64()));
    }

    /// <summary>Each record's list as SQL gives it: null (no field), empty, or the elements' texts (a null element null).</summary>
    async Task<List<List<string?>?>> ListsAsync(Guid owner, string field)
    {
        var stored = (await StoredAsync(owner, field)).ToList();
        var elements = (await ExpandedAsync(owner, field)).Where(e => e.Index is not null).ToLookup(e => e.Key, e => e.Element);
        return stored.Select(kv => kv.Value is null ? null : elements[kv.Key].ToList()).ToList();
    }

    // hyparquet leaves a null list out of the row object (undefined): missing reads as null.
    static List<List<string?>?> Lists(IEnumerable<JsonElement> rows, string field) => rows.Select(r => r.TryGetProperty(field, out var a) && a.ValueKind == JsonValueKind.Array
        ? a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()).ToList() : null).ToList();

    [Fact]
    public async Task ParquetList_IsAListColumn_ReadByDuckDbAndHyparquet_AsSqlsElements()
    {
        var (owner, c) = await SourceAsync();
        var path = Path.Combine(_dir, "l.parquet");
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "parquet", "list")).Content.ReadAsByteArrayAsync());
        var read = await NodeReaders.ParquetAsync(path);
        var duck = read.GetProperty("duckdb");
        Assert.Equal("VARCHAR[]", duck.GetProperty("types").GetProperty("tags").GetString());
        Assert.Equal("VARCHAR[]", duck.GetProperty("types").GetProperty("args").GetString());
        foreach (var field in new[] { "tags", "args" })
        {
            var expected = await ListsAsync(owner, field);
            Assert.Equal(expected, Lists(duck.GetProperty("rows").EnumerateArray(), field));
            Assert.Equal(expected, Lists(read.GetProperty("hyparquet").GetProperty("rows").EnumerateArray(), field));
        }
        Assert.Equal(["1", "2.5"], Lists(duck.GetProperty("rows").EnumerateArray(), "args")[0]!);
        Assert.Equal(["true", null, "x"], Lists(duck.GetProperty("rows").EnumerateArray(), "args")[1]!);
        Assert.Empty(Lists(duck.GetProperty("rows").EnumerateArray(), "tags")[1]!);
        Assert.Null(Lists(duck.GetProperty("rows").EnumerateArray(), "tags")[2]);
    }

    [Fact]
    public async Task ParquetList_ManyRowsAcrossRowGroupsAndPages_ElementCountsMatchSql()
    {
        var (owner, c) = await SourceAsync();
        var start = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var batch = Enumerable.Range(0, 3000).Select(i => new Dictionary<string, object>
        {
            ["timestamp"] = start.AddSeconds(i).ToString("O"), ["id"] = $"m{i}", ["host"] = $"h{i % 7}",
            ["tags"] = Enumerable.Range(0, i % 5).Select(k => $"t{i}-{k}").ToArray(),
        }).ToList();
        Assert.True((await c.PostJsonAsync("/api/v1/sources/ev/records", batch)).IsSuccessStatusCode);
        var path = Path.Combine(_dir, "m.parquet");
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "parquet", "list", fields: ["host", "tags"],
            formatOptions: new { rowGroupSize = 1000, pageSize = 1024, dictionary = false })).Content.ReadAsByteArrayAsync());
        var read = await NodeReaders.ParquetAsync(path);
        var duck = read.GetProperty("duckdb");
        Assert.True(duck.GetProperty("file").GetProperty("num_row_groups").GetInt32() >= 3);
        var expected = await ListsAsync(owner, "tags");
        Assert.Equal(3004, expected.Count);
        Assert.Equal(expected, Lists(duck.GetProperty("rows").EnumerateArray(), "tags"));
        Assert.Equal(expected, Lists(read.GetProperty("hyparquet").GetProperty("rows").EnumerateArray(), "tags"));
        Assert.Equal(await api.ScalarAsync<long>("SELECT sum(jsonb_array_length(r.data->'tags')) FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 AND r.data ? 'tags'", owner),
            expected.Sum(l => (long)(l?.Count ?? 0)));
    }

    [Fact]
    public async Task Xlsx_StringifiesByDefault_ReadByExcelJs()
    {
        var (owner, c) = await SourceAsync();
        var path = Path.Combine(_dir, "a.xlsx");
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "xlsx")).Content.ReadAsByteArrayAsync());
        var sheet = (await NodeReaders.XlsxAsync(path)).GetProperty("sheets")[0].GetProperty("rows").EnumerateArray().ToList();
        var head = sheet[0].EnumerateArray().Select(h => h.GetString()).ToList();
        var at = head.IndexOf("args");
        var args = (await StoredAsync(owner, "args")).Values.ToList();
        Assert.Equal(args, sheet.Skip(1).Select(r => r.GetArrayLength() > at && r[at].ValueKind == JsonValueKind.String ? r[at].GetString() : null));

        // Expanded: one row per element; "=1+1" stays literal text (an inline string with the quote prefix), never a formula.
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "xlsx", "expand", "tags")).Content.ReadAsByteArrayAsync());
        var expanded = (await NodeReaders.XlsxAsync(path)).GetProperty("sheets")[0].GetProperty("rows").EnumerateArray().Skip(1).ToList();
        var sql = await ExpandedAsync(owner, "tags");
        Assert.Equal(sql.Count, expanded.Count);
        var tagsAt = sheet[0].EnumerateArray().Select(h => h.GetString()).ToList().IndexOf("tags");
        Assert.Equal(sql.Select(e => e.Element), expanded.Select(r => r.GetArrayLength() > tagsAt && r[tagsAt].ValueKind == JsonValueKind.String ? r[tagsAt].GetString() : null));
    }

    [Fact]
    public async Task XlsxExpand_TheIndexIsNoMeasure_PivotAndSummarySumTheMeasureOncePerElement()
    {
        var (owner, c) = await SourceAsync();
        var path = Path.Combine(_dir, "x.xlsx");
        await File.WriteAllBytesAsync(path, await (await ExportAsync(c, "xlsx", "expand", "tags")).Content.ReadAsByteArrayAsync());
        var sheets = (await NodeReaders.XlsxAsync(path)).GetProperty("sheets").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Contains("tags_index", sheets["Data"].GetProperty("rows")[0].EnumerateArray().Select(h => h.GetString()));
        static double? Num(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : null;

        // SQL over the expanded rows: ms repeats on each element of its record.
        var perRecord = await api.RowsAsync("""
            SELECT r.key, (r.data->>'ms')::float8, sum((r.data->>'ms')::float8) FROM records r JOIN sources s ON s.id = r.source_id
            LEFT JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(r.data->'tags') WHEN 'array' THEN r.data->'tags' END) x ON true
            WHERE s.owner_id = $1 AND s.name = 'ev' GROUP BY r.key, 2 ORDER BY r.key
            """, owner);
        var sums = perRecord.Where(x => x[2] is double).Select(x => (double)x[2]!).ToList();
        Assert.Equal([2, 2, 3], sums); // r0: 1 twice, r1: 2 once (empty array), r2: 3 once (no array), r3: no ms

        // Summary: ms only (no row for the element index), its sum over the expanded rows.
        var summary = sheets["Summary"].GetProperty("rows").EnumerateArray().Skip(3).ToList();
        Assert.Equal(["ms"], summary.Select(r => r[0].GetString()));
        Assert.Equal(sums.Sum(), Num(summary[0][2]));
        // Pivot: the measure at each host and time (one record each), never an element's position.
        var pivot = sheets["Pivot"].GetProperty("rows").EnumerateArray().Skip(1)
            .SelectMany(r => r.EnumerateArray().Skip(1).Select(Num)).Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        Assert.Equal(perRecord.Where(x => x[1] is double).Select(x => (double)x[1]!).Order(), pivot);
    }

    [Fact]
    public async Task ContainsOnAnArray_MatchesAnyElement_AsJsonbContainmentInSql_AndStaysSubstringOnStrings()
    {
        var (owner, c) = await SourceAsync();
        async Task<List<string>> Hosts(object filter) =>
            ReadCsv(await (await ExportAsync(c, "csv", filter: filter)).Content.ReadAsStringAsync()).Select(r => r["host"]).ToList();
        async Task<List<string>> Sql(string where) =>
            (await api.RowsAsync($"SELECT r.data->>'host' FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 AND s.name = 'ev' AND {where} ORDER BY r.ts", owner))
            .Select(x => (string)x[0]!).ToList();

        Assert.Equal(["h1", "h4"], await Hosts(new { field = "tags", op = "contains", value = "a" }));
        Assert.Equal(await Sql("r.data->'tags' @> '[\"a\"]'"), await Hosts(new { field = "tags", op = "contains", value = "a" }));
        // "1" typed as text matches the number 1 and the string "1"; 2.5 as a number matches the number.
        Assert.Equal(await Sql("(r.data->'args' @> '[1]' OR r.data->'args' @> '[\"1\"]')"), await Hosts(new { field = "args", op = "contains", value = "1" }));
        Assert.Equal(["h1", "h4"], await Hosts(new { field = "args", op = "contains", value = "1" }));
        Assert.Equal(["h1"], await Hosts(new { field = "args", op = "contains", value = 2.5 }));
        Assert.Equal(["h2"], await Hosts(new { field = "args", op = "contains", value = true }));
        // An array value: all of its elements are present.
        Assert.Equal(["h4"], await Hosts(new { field = "tags", op = "contains", value = new[] { "a", "c" } }));
        // in: some element is one of the values; nin: none is (records without the field included).
        Assert.Equal(await Sql("(r.data->'tags' @> '[\"b\"]' OR r.data->'tags' @> '[\"c\"]')"), await Hosts(new { field = "tags", op = "in", value = new[] { "b", "c" } }));
        Assert.Equal(["h2", "h3-ab"], await Hosts(new { field = "tags", op = "nin", value = new[] { "a" } }));
        // eq / neq: the whole array, order included; exists: the field is present (an empty array too).
        Assert.Equal(["h1"], await Hosts(new { field = "tags", op = "eq", value = new[] { "a", "b" } }));
        Assert.Empty(await Hosts(new { field = "tags", op = "eq", value = new[] { "b", "a" } }));
        Assert.Equal(["h1", "h3-ab", "h4"], await Hosts(new { field = "tags", op = "neq", value = Array.Empty<string>() }));
        Assert.Equal(["h1", "h2", "h4"], await Hosts(new { field = "tags", op = "exists", value = true }));
        // contains on a string field stays a substring match.
        Assert.Equal(await Sql("strpos(r.data->>'host', 'a') > 0"), await Hosts(new { field = "host", op = "contains", value = "a" }));
        Assert.Equal(["h3-ab"], await Hosts(new { field = "host", op = "contains", value = "a" }));

        // Expanded, a filter selects records; each selected record gives all its elements.
        var expanded = ReadCsv(await (await ExportAsync(c, "csv", "expand", "tags", new { field = "tags", op = "contains", value = "c" })).Content.ReadAsStringAsync());
        Assert.Equal((await ExpandedAsync(owner, "tags", "r.data->'tags' @> '[\"c\"]'")).Count, expanded.Count);
        Assert.Equal(["'=1+1", "c", "a"], expanded.Select(r => r["tags"]));
    }

    [Fact]
    public async Task NumbersTypedAsText_MatchExactly_OnlyForContainsAndIn_AndANumberNeverMatchesText()
    {
        var (owner, c) = await SourceAsync();
        const string more = """
            [{"timestamp":"2026-03-01T11:00:00Z","id":"r4","host":"big0","args":[12345678901234567890]},
             {"timestamp":"2026-03-01T11:01:00Z","id":"r5","host":"big1","args":[12345678901234567891]}]
            """;
        Assert.True((await c.PostAsync("/api/v1/sources/ev/records", new StringContent(more, Encoding.UTF8, "application/json"))).IsSuccessStatusCode);
        async Task<List<string>> Hosts(object filter) =>
            ReadCsv(await (await ExportAsync(c, "csv", filter: filter)).Content.ReadAsStringAsync()).Select(r => r["host"]).ToList();
        async Task<List<string>> Sql(string where) =>
            (await api.RowsAsync($"SELECT r.data->>'host' FROM records r JOIN sources s ON s.id = r.source_id WHERE s.owner_id = $1 AND s.name = 'ev' AND {where} ORDER BY r.ts", owner))
            .Select(x => (string)x[0]!).ToList();

        // Two numbers one double apart from nothing: the typed text selects exactly one, as SQL on the exact number does.
        Assert.Equal(["big0"], await Sql("r.data->'args' @> '[12345678901234567890]'"));
        Assert.Equal(["big0"], await Hosts(new { field = "args", op = "contains", value = "12345678901234567890" }));
        Assert.Equal(["big1"], await Hosts(new { field = "args", op = "in", value = new[] { "12345678901234567891" } }));
        Assert.Equal(["big0"], await Hosts(JsonDocument.Parse("""{"field":"args","op":"contains","value":12345678901234567890}""").RootElement.Clone()));
        Assert.Equal(["h1", "h2", "h3-ab", "h4", "big1"], await Hosts(new { field = "args", op = "nin", value = new[] { "1.2345678901234567890e19" } }));
        // The number 1 matches numbers only (h1's 1, not h4's "1"); the text "1" matches both.
        Assert.Equal(["h1"], await Hosts(new { field = "args", op = "contains", value = 1 }));
        Assert.Equal(["h1", "h4"], await Hosts(new { field = "args", op = "contains", value = "1" }));
        // Text that is no number jsonb holds stays text: no match here, and no error.
        Assert.Empty(await Hosts(new { field = "args", op = "contains", value = "1e-20000" }));
        // eq compares the JSON as given: the text "12345678901234567890" is not the number.
        Assert.Empty(await Hosts(new { field = "args", op = "eq", value = new[] { "12345678901234567890" } }));
    }

    [Fact]
    public async Task Timeseries_TakeStringifyAndTheFormatsDefault_AsNoOps_ButNotExpand()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(2));
        Task<HttpResponseMessage> Export(string format, string? handling, string? expandField = null) =>
            api.Demo().PostJsonAsync("/api/v1/exports/series", new Dictionary<string, object?>
            {
                ["source"] = "servers", ["metrics"] = new[] { "cpu_percent" }, ["granularity"] = "raw", ["format"] = format, ["timezone"] = "UTC",
                ["timeframe"] = new { from = from.ToString("O"), to = to.ToString("O") }, ["arrayHandling"] = handling, ["expandField"] = expandField,
            }.Where(kv => kv.Value is not null).ToDictionary());
        var plain = await (await Export("csv", null)).Content.ReadAsStringAsync();
        Assert.True(ReadCsv(plain).Count > 10);
        var stringified = await Export("csv", "stringify");
        Assert.Equal(HttpStatusCode.OK, stringified.StatusCode);
        Assert.Equal(plain, await stringified.Content.ReadAsStringAsync());
        var json = await Export("json", null);
        var listed = await Export("json", "list");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal((await json.JsonAsync()).GetProperty("data").GetRawText(), (await listed.JsonAsync()).GetProperty("data").GetRawText());
        await (await Export("csv", "expand")).ProblemAsync(400, "arrayHandling");
        await (await Export("parquet", "list")).ProblemAsync(400, "arrayHandling");
        await (await Export("csv", "stringify", "tags")).ProblemAsync(400, "expandField");
    }

    [Fact]
    public async Task BackgroundExpand_JobRecordCountsOutputRows_EstimateAndRowCountEqualSqlsExpandedRows()
    {
        var (owner, c) = await SourceAsync();
        var series = new { source = "ev", timeframe = Range, granularity = "raw", format = "csv", arrayHandling = "expand", expandField = "args" };
        var done = await JobTestKit.SubmitAndCompleteAsync(api.Host, c, new { kind = "series", series });
        var sql = (await ExpandedAsync(owner, "args")).Count;
        Assert.Equal(8, sql); // 2 + 3 + 1 (missing) + 2
        Assert.Equal(sql, done.GetProperty("rowCount").GetInt64());
        Assert.Equal(sql, done.GetProperty("estimatedRows").GetInt64());
        var file = await c.GetAsync($"/api/v1/exports/{done.GetProperty("id").GetString()}/download");
        Assert.Equal(sql, ReadCsv(await file.Content.ReadAsStringAsync()).Count);
    }

    [Fact]
    public async Task BadArrayRequests_Return400WithTheFieldPath()
    {
        var (_, c) = await SourceAsync();
        await (await ExportAsync(c, "csv", "explode")).ProblemAsync(400, "arrayHandling");
        await (await ExportAsync(c, "csv", "list")).ProblemAsync(400, "arrayHandling");
        await (await ExportAsync(c, "xlsx", "list")).ProblemAsync(400, "arrayHandling");
        await (await ExportAsync(c, "csv", "expand")).ProblemAsync(400, "expandField"); // two array fields: name one
        await (await ExportAsync(c, "csv", "expand", "host")).ProblemAsync(400, "expandField");
        await (await ExportAsync(c, "csv", "stringify", "tags")).ProblemAsync(400, "expandField");
        await (await ExportAsync(c, "csv", "expand", fields: ["host", "ms"])).ProblemAsync(400, "expandField");
        await (await ExportAsync(c, "csv", filter: new { field = "tags", op = "gt", value = "a" })).ProblemAsync(400, "filter.op");
        await (await ExportAsync(c, "csv", filter: new { field = "tags", op = "eq", value = "a" })).ProblemAsync(400, "filter.value");
        await (await ExportAsync(c, "csv", filter: new { field = "tags", op = "contains", value = new { a = 1 } })).ProblemAsync(400, "filter.value");
        // Numbers jsonb (PostgreSQL numeric) cannot hold are refused at their path, never sent to SQL (22003 / 22P02).
        static JsonElement Raw(string json) => JsonDocument.Parse(json).RootElement.Clone();
        await (await ExportAsync(c, "csv", filter: Raw("""{"field":"args","op":"contains","value":1e-20000}"""))).ProblemAsync(400, "filter.value");
        await (await ExportAsync(c, "csv", filter: Raw("""{"and":[{"field":"args","op":"in","value":[1,2e1001]}]}"""))).ProblemAsync(400, "filter.and[0].value[1]");
        await (await ExportAsync(c, "jsonl", filter: Raw("""{"field":"args","op":"eq","value":["x",1e-5000]}"""))).ProblemAsync(400, "filter.value[1]");
        await (await ExportAsync(c, "csv", filter: Raw("""{"field":"args","op":"contains","value":[1,-1e400]}"""))).ProblemAsync(400, "filter.value[1]");
        var grouped = await c.PostJsonAsync("/api/v1/exports/series", new { source = "ev", timeframe = Range, granularity = "1h", groupBy = new[] { "tags" }, aggregations = new[] { "count" } });
        await grouped.ProblemAsync(400, "groupBy[0]");
        // With one array field selected, expand needs no expandField.
        var one = ReadCsv(await (await ExportAsync(c, "csv", "expand", fields: ["host", "tags"])).Content.ReadAsStringAsync());
        Assert.Equal(["time", "host", "tags", "tags_index"], one[0].Keys);
        Assert.Equal(7, one.Count);
    }
}
