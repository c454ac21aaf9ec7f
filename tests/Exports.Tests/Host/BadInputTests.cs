using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Host;

/// <summary>
/// Walks every route of /openapi/v1.json with the classes of bad input a careless or hostile client sends: NUL and
/// unpaired surrogates in every string the schema names (body, query and path), null inside every array, a value of
/// the wrong type in every field, malformed JSON, no body, a wrong media type. Every answer must be a 4xx Problem
/// Details naming the field, and none may leave anything behind (rows, triggers).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(ApiFixture api)
{
    const string Bad = "__BAD__";
    static readonly string[] BadStrings = ["\"nul\\u0000here\"", "\"\\ud800\"", "\"x\\udc00y\""];

    [Fact]
    public async Task EveryRoute_BadStringsNullElementsAndWrongTypes_Are400NamingTheField()
    {
        var (owner, client) = await api.NewUserAsync();
        await CreateSourcesAsync(client, withData: false);
        var before = await OwnedRowsAsync(owner);
        var triggersBefore = await api.ScalarAsync<long>("SELECT count(*) FROM qrtz_triggers");
        var doc = await OpenApiAsync(client);
        var failures = new List<string>();
        var cases = 0;

        foreach (var op in Operations(doc))
        {
            // Every body field: bad text, null elements, wrong types, each alone and named by its JSON path.
            if (op.Body is { } schema)
                foreach (var leaf in Leaves(doc, schema, "", 0))
                {
                    foreach (var (raw, field) in leaf.Cases())
                    {
                        cases++;
                        var body = Build(leaf.Path).Replace($"\"{Bad}\"", raw);
                        var r = await SendAsync(client, op.Method, Url(op, null, null), body, "application/json");
                        await ExpectAsync(r, failures, $"{op.Method} {op.Path} {body}", 400, field);
                    }
                }

            // Every query parameter with NUL; typed ones with a value of the wrong type.
            foreach (var p in op.Query)
            {
                cases++;
                var r = await SendAsync(client, op.Method, Url(op, null, $"{p.Name}=%00"), op.Body is null ? null : "{}", "application/json");
                await ExpectAsync(r, failures, $"{op.Method} {op.Path}?{p.Name}=%00", 400, p.Name);
                if (p.Type is "integer" or "number" || p.Format is "date-time" or "uuid")
                {
                    cases++;
                    r = await SendAsync(client, op.Method, Url(op, null, $"{p.Name}=not-a-{p.Type}"), op.Body is null ? null : "{}", "application/json");
                    await ExpectAsync(r, failures, $"{op.Method} {op.Path}?{p.Name}=not-a-{p.Type}", 400, p.Name);
                }
            }

            // Every path parameter with bytes that are not UTF-8 (Kestrel itself refuses %00 in a path with a bare 400,
            // before any application code): not found, as Problem Details.
            foreach (var p in op.Body is null ? op.PathParams : [])
            {
                cases++;
                var r = await SendAsync(client, op.Method, Url(op, p.Name, null), null, "application/json");
                await ExpectAsync(r, failures, $"{op.Method} {op.Path} with {p.Name}=%ED%A0%80", op.Path.Contains("/render/") ? 401 : 404, null);
            }

            if (op.Body is null) continue;
            // The body as a whole: malformed, the wrong JSON kind, absent, or not JSON at all.
            foreach (var (raw, status) in new[] { ("{\"a\": ", 400), ("[]", 400), ("5", 400), ("\"text\"", 400), ("{\"a\": 1,}", 400), (new string('[', 200) + new string(']', 200), 400) })
            {
                cases++;
                var r = await SendAsync(client, op.Method, Url(op, null, null), raw, "application/json");
                await ExpectAsync(r, failures, $"{op.Method} {op.Path} body {Trim(raw)}", status, null);
            }
            cases++;
            var plain = await SendAsync(client, op.Method, Url(op, null, null), "{}", "text/plain");
            await ExpectAsync(plain, failures, $"{op.Method} {op.Path} as text/plain", 415, null);
            if (op.BodyRequired)
            {
                cases++;
                var empty = await SendAsync(client, op.Method, Url(op, null, null), "", "application/json");
                await ExpectAsync(empty, failures, $"{op.Method} {op.Path} with no body", 400, "body");
            }
        }

        // The walk's size is recorded: a change of OpenAPI generator or of a route's binding that hid fields from the
        // document would shrink it silently (the inventory test below names what went missing).
        Assert.True(cases >= MinCases, $"Only {cases} cases (at least {MinCases} expected): the walk did not reach the API's routes.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} bad requests were not answered as expected:\n" + string.Join("\n", failures.Take(60)));
        Assert.Equal(before, await OwnedRowsAsync(owner));
        Assert.Equal(triggersBefore, await api.ScalarAsync<long>("SELECT count(*) FROM qrtz_triggers"));
    }

    /// <summary>The cases the probe found one by one, each where its value enters, sent by a user who owns the sources
    /// they name (so validation, not a 404, answers).</summary>
    [Theory]
    [MemberData(nameof(NamedCases))]
    public async Task NamedCase_Is4xxProblemNamingTheField(string method, string url, string? body, int status, string? field)
    {
        var (owner, client) = await ProberAsync();
        var before = await OwnedRowsAsync(owner);
        var triggersBefore = await api.ScalarAsync<long>("SELECT count(*) FROM qrtz_triggers");
        var failures = new List<string>();
        var r = await SendAsync(client, method, url, body, "application/json");
        await ExpectAsync(r, failures, $"{method} {url} {body}", status, field);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await OwnedRowsAsync(owner));
        Assert.Equal(triggersBefore, await api.ScalarAsync<long>("SELECT count(*) FROM qrtz_triggers"));
    }

    /// <summary>The number of bad-input cases the walk sent when the inventory was last recorded, less a margin.</summary>
    const int MinCases = 2300;

    /// <summary>Every route, parameter and body field the OpenAPI document described when the inventory was recorded
    /// is still described, with the same type: the walk above sends its cases only to what the document names, so a
    /// route whose parameters vanished from the document would go untested without this. New lines are allowed (new
    /// routes); record them with EXPORTS_WRITE_INVENTORY=1.</summary>
    [Fact]
    public async Task OpenApiDocument_StillDescribesEveryRecordedRouteParameterAndField()
    {
        var (_, client) = await api.NewUserAsync();
        var doc = await OpenApiAsync(client);
        if (Environment.GetEnvironmentVariable("EXPORTS_DUMP_OPENAPI") is { Length: > 0 } dump) File.WriteAllText(dump, doc.GetRawText());
        var lines = Inventory(doc).ToList();
        var file = Path.Combine(NodeReaders.Root, "tests", "Exports.Tests", "Host", "openapi-inventory.txt");
        if (Environment.GetEnvironmentVariable("EXPORTS_WRITE_INVENTORY") == "1") File.WriteAllLines(file, lines);
        var recorded = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
        var missing = recorded.Except(lines).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} described routes, parameters or fields are gone from /openapi/v1.json:\n" + string.Join("\n", missing.Take(80)));
        Assert.True(lines.Count(l => l.EndsWith(" route", StringComparison.Ordinal)) >= 60, "Too few routes: " + string.Join("\n", lines.Where(l => l.EndsWith(" route", StringComparison.Ordinal))));
    }

    /// <summary>The document reduced to sorted lines, one per route, parameter and body field, independent of the
    /// generator's dialect (references, nullable wrappers and ordering are resolved away).</summary>
    static IEnumerable<string> Inventory(JsonElement doc)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var op in Operations(doc))
        {
            var at = $"{op.Method} {op.Path}";
            lines.Add($"{at} route");
            foreach (var p in op.Query) lines.Add($"{at} query {p.Name}: {p.Type}{(p.Format is null ? "" : "/" + p.Format)}");
            foreach (var p in op.PathParams) lines.Add($"{at} path {p.Name}");
            if (op.Body is { } body)
            {
                lines.Add($"{at} body{(op.BodyRequired ? " required" : "")}");
                foreach (var leaf in Leaves(doc, body, "", 0))
                    lines.Add($"{at} field {leaf.Path}: {leaf.Kind}{(leaf.Kind == "array" ? $" of {leaf.ItemKind ?? "any"}{(leaf.ItemsNullable ? "?" : "")}" : "")}");
            }
        }
        return lines;
    }

    static Task<(Guid, HttpClient)>? _prober;
    static readonly object ProberGate = new();

    /// <summary>One user for the named cases, owning a small "servers" timeseries and "agent-commands" records source.</summary>
    Task<(Guid, HttpClient)> ProberAsync()
    {
        lock (ProberGate) return _prober ??= CreateProberAsync();
    }

    async Task<(Guid, HttpClient)> CreateProberAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        await CreateSourcesAsync(client, withData: true);
        var dashboard = await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug = "probe", title = "Probe",
            layout = new { timeframe = new { last = "6h" }, widgets = new[] { new { id = "cpu", type = "line", title = "CPU", x = 0, y = 0, w = 6, h = 3, query = new { source = "servers", metrics = new[] { "cpu_percent" } } } } },
        });
        Assert.True(dashboard.IsSuccessStatusCode, await dashboard.Content.ReadAsStringAsync());
        return (owner, client);
    }

    static async Task CreateSourcesAsync(HttpClient client, bool withData)
    {
        (await client.PostJsonAsync("/api/v1/sources", new { name = "servers", kind = "timeseries", units = new Dictionary<string, string> { ["cpu_percent"] = "%" } })).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "agent-commands", kind = "records",
            fields = new[] { new { name = "agent", role = "dimension", type = "string" }, new { name = "duration_ms", role = "measure", type = "double" } },
        })).EnsureSuccessStatusCode();
        if (!withData) return;
        var now = DateTimeOffset.UtcNow;
        var points = Enumerable.Range(0, 30).Select(i => new { timestamp = now.AddMinutes(-i * 5), metric = "cpu_percent", value = (double?)(10.0 + i), tags = new { server = i % 2 == 0 ? "web-01" : "web-02" } })
            .Append(new { timestamp = now.AddMinutes(-2), metric = "cpu_percent", value = (double?)null, tags = new { server = "web-03" } })
            .Append(new { timestamp = now.AddMinutes(-3), metric = "cpu_percent", value = (double?)3e9, tags = new { server = "web-04" } });
        var ingested = await client.PostJsonAsync("/api/v1/sources/servers/points", points);
        Assert.True(ingested.IsSuccessStatusCode, await ingested.Content.ReadAsStringAsync());
        var records = Enumerable.Range(0, 10).Select(i => new { timestamp = now.AddMinutes(-i * 7), agent = "a" + i % 3, duration_ms = 1.5 * i });
        (await client.PostJsonAsync("/api/v1/sources/agent-commands/records", records)).EnsureSuccessStatusCode();
    }

    async Task<string> OwnedRowsAsync(Guid owner)
    {
        var counts = new List<string>();
        foreach (var t in await OwnerTablesAsync())
            counts.Add($"{t}={await api.ScalarAsync<long>($"SELECT count(*) FROM {t} WHERE owner_id = $1", owner)}");
        return string.Join(", ", counts);
    }

    /// <summary>Every owner-scoped table: EF's in public, and the documents' (their owner is a duplicated column).</summary>
    async Task<List<string>> OwnerTablesAsync()
    {
        var tables = (await api.RowsAsync($"""
            SELECT format('%I.%I', table_schema, table_name) FROM information_schema.columns
            WHERE table_schema IN ('public', '{Exports.Host.Documents.Schema}') AND column_name = 'owner_id' ORDER BY 1
            """)).Select(r => (string)r[0]!).ToList();
        Assert.Contains($"{Exports.Host.Documents.Schema}.mt_doc_alert", tables);
        Assert.Contains($"{Exports.Host.Documents.Schema}.mt_doc_monitor", tables);
        Assert.Contains($"{Exports.Host.Documents.Schema}.mt_doc_dashboard", tables);
        return tables;
    }

    public static TheoryData<string, string, string?, int, string?> NamedCases()
    {
        const string series = "/api/v1/exports/series";
        string Series(string extra) => "{\"source\":\"servers\",\"timeframe\":{\"last\":\"1h\"}" + extra + "}";
        var widget = "{\"id\":\"w\",\"type\":\"line\",\"x\":0,\"y\":0,\"w\":6,\"h\":3,\"query\":{\"source\":\"servers\",\"metrics\":[\"cpu_percent\"]}";
        string Layout(string extra, string w = "") => "{\"title\":\"t\",\"timeframe\":{\"last\":\"1h\"},\"format\":\"png\",\"widgets\":[" + widget + w + "}]" + extra + "}";
        return new()
        {
            // Dates out of range
            { "POST", series, "{\"source\":\"servers\",\"timeframe\":{\"last\":\"2100y\"}}", 400, "timeframe.last" },
            { "POST", series, "{\"source\":\"servers\",\"timeframe\":{\"last\":\"99999y\"}}", 400, "timeframe.last" },
            { "POST", series, "{\"source\":\"servers\",\"timeframe\":{\"last\":\"99999mo\"}}", 400, "timeframe.last" },
            { "POST", series, "{\"source\":\"servers\",\"granularity\":\"1d\",\"timeframe\":{\"last\":\"11y\"}}", 400, "timeframe.last" },
            { "POST", series, "{\"source\":\"servers\",\"timezone\":\"Asia/Tokyo\",\"timeframe\":{\"from\":\"0001-01-01T00:00\",\"to\":\"0001-01-02T00:00\"}}", 400, "timeframe.from" },
            { "POST", series, "{\"source\":\"servers\",\"timezone\":\"America/Los_Angeles\",\"timeframe\":{\"from\":\"9999-12-30T00:00\",\"to\":\"9999-12-31T23:00\"}}", 400, "timeframe.to" },
            { "POST", series, "{\"source\":\"servers\",\"granularity\":\"1d\",\"timeframe\":{\"from\":\"1990-01-01T00:00Z\",\"to\":\"2026-01-01T00:00Z\"}}", 400, "timeframe" },
            { "POST", "/api/v1/exports/layout", Layout("").Replace("\"last\":\"1h\"", "\"last\":\"99999y\""), 400, "timeframe.last" },
            // Windows zone names pass .NET's lookup, then fail in PostgreSQL: refused up front, everywhere a zone enters.
            { "POST", series, Series(",\"timezone\":\"W. Europe Standard Time\""), 400, "timezone" },
            { "POST", series, Series(",\"timezone\":\"Pacific Standard Time\""), 400, "timezone" },
            { "POST", series, Series(",\"timezone\":\"localtime\""), 400, "timezone" },
            { "POST", "/api/v1/exports/series/preview", Series(",\"timezone\":\"Pacific Standard Time\""), 400, "timezone" },
            { "POST", "/api/v1/exports/layout", Layout(",\"timezone\":\"W. Europe Standard Time\""), 400, "timezone" },
            { "GET", "/api/v1/sources/servers/export?range=1h&tz=Pacific%20Standard%20Time", null, 400, "tz" },
            { "GET", "/api/v1/sources/servers/export?range=99999y", null, 400, "range" },
            { "GET", "/api/v1/sources/servers/export?range=1h&metrics=nope1,nope2", null, 400, "metrics" },
            // A dashboard's query-string overrides: refused under the parameter's own name, never silently ignored.
            { "GET", "/api/v1/dashboards/probe/export.png?tz=Pacific%20Standard%20Time", null, 400, "tz" },
            { "GET", "/api/v1/dashboards/probe/export.pdf?last=99999y", null, 400, "last" },
            { "GET", "/api/v1/dashboards/probe/export.png?from=0001-01-01T00:00&to=0001-01-02T00:00&timezone=Asia/Tokyo", null, 400, "from" },
            { "GET", "/api/v1/dashboards/probe/export.png?scale=abc", null, 400, "scale" },
            { "GET", "/api/v1/dashboards/probe/export.png?scale=7", null, 400, "scale" },
            { "GET", "/api/v1/dashboards/probe/export.png?width=wide", null, 400, "width" },
            { "GET", "/api/v1/dashboards/probe/export.pdf?page=Z9", null, 400, "page" },
            { "GET", "/api/v1/dashboards/probe/widgets/cpu/export.png?theme=neon", null, 400, "theme" },
            { "POST", "/api/v1/exports", "{\"kind\":\"series\",\"series\":" + Series(",\"timezone\":\"Pacific Standard Time\"") + "}", 400, "series.timezone" },
            // Nulls and wrong types inside JSON the handlers read themselves
            { "POST", series, Series(",\"granularity\":\"1h\",\"aggregations\":[null]"), 400, "aggregations[0]" },
            { "POST", series, Series(",\"columns\":{\"include\":[null]}"), 400, "columns.include[0]" },
            { "POST", series, Series(",\"columns\":{\"rename\":{\"time\":null}}"), 400, "columns.rename.time" },
            { "POST", series, "{\"source\":\"agent-commands\",\"timeframe\":{\"last\":\"1h\"},\"fields\":[null]}", 400, "fields[0]" },
            { "POST", series, Series(",\"filter\":{\"field\":\"server\",\"op\":\"eq\",\"value\":\"a\\u0000b\"}"), 400, "filter.value" },
            { "POST", series, Series(",\"filter\":{\"field\":5,\"op\":\"eq\",\"value\":\"a\"}"), 400, "filter.field" },
            { "POST", series, Series(",\"filter\":{\"field\":\"server\",\"op\":7,\"value\":\"a\"}"), 400, "filter.op" },
            { "POST", series, Series(",\"filter\":{\"field\":\"server\",\"op\":\"in\",\"value\":[null]}"), 400, "filter.value" },
            { "POST", series, Series(",\"filter\":{\"and\":[null]}"), 400, "filter.and[0]" },
            { "POST", series, Series(",\"format\":\"csv\",\"formatOptions\":{\"header\":\"custom\",\"headers\":[null,5]}"), 400, "formatOptions.headers" },
            { "POST", series, Series(",\"format\":\"parquet\",\"formatOptions\":{\"partitionBy\":[null]}"), 400, "formatOptions.partitionBy" },
            { "POST", series, Series(",\"format\":\"parquet\",\"formatOptions\":{\"metadata\":{\"k\":5}}"), 400, "formatOptions.metadata" },
            { "POST", series, Series(",\"format\":\"pdf\",\"formatOptions\":{\"page\":5,\"orientation\":true}"), 400, "formatOptions.page" },
            { "POST", series, Series(",\"format\":\"xlsx\",\"formatOptions\":{\"sheetName\":\"About\"}"), 400, "formatOptions.sheetName" },
            { "POST", series, Series(",\"format\":\"xlsx\",\"formatOptions\":{\"sheetName\":\"summary\"}"), 400, "formatOptions.sheetName" },
            { "POST", "/api/v1/exports/layout", Layout("", ",\"options\":{\"nulls\":5}"), 400, "widgets[0].options.nulls" },
            { "POST", "/api/v1/exports/layout", Layout("", ",\"options\":{\"colors\":[null]}"), 400, "widgets[0].options.colors" },
            { "POST", "/api/v1/exports/layout", Layout("", ",\"options\":{\"thresholds\":[{\"value\":\"x\",\"color\":5}]}"), 400, "widgets[0].options.thresholds" },
            { "POST", "/api/v1/exports/layout", Layout(",\"theme\":{\"mode\":5}"), 400, "theme" },
            { "POST", "/api/v1/exports/layout", Layout(",\"theme\":{\"mode\":\"dark\",\"palette\":[null]}"), 400, "theme.palette" },
            { "POST", "/api/v1/exports/layout", "{\"title\":\"t\",\"timeframe\":{\"last\":\"1h\"},\"widgets\":[null]}", 400, "widgets[0]" },
            { "POST", "/api/v1/destinations", "{\"name\":\"w\",\"kind\":\"webhook\",\"config\":{\"url\":\"https://example.com/h\"},\"secrets\":{\"signingSecret\":null}}", 400, "secrets.signingSecret" },
            { "POST", "/api/v1/destinations", "{\"name\":\"e\",\"kind\":\"email\",\"config\":{\"to\":[null]}}", 400, "config.to[0]" },
            { "POST", "/api/v1/destinations", "{\"name\":\"e\",\"kind\":\"email\",\"config\":{\"to\":[\"a\\u0000@b.c\"]}}", 400, "config.to[0]" },
            { "POST", "/api/v1/destinations", "{\"name\":\"w\",\"kind\":\"webhook\",\"config\":{\"url\":5}}", 400, "config.url" },
            { "POST", "/api/v1/destinations", "{\"name\":\"s\",\"kind\":\"sftp\",\"config\":{\"host\":\"example.com\",\"port\":\"22\",\"username\":\"u\",\"hostKey\":\"SHA256:x\"}}", 400, "config.port" },
            { "POST", "/api/v1/destinations", "{\"name\":\"e\",\"kind\":\"email\",\"config\":{\"to\":[\"a@b.co\"],\"attachUpToBytes\":\"big\"}}", 400, "config.attachUpToBytes" },
            // Data that breaks the format's own options: found while sizing the file, before any byte is sent.
            { "POST", series, Series(",\"format\":\"parquet\",\"formatOptions\":{\"schema\":{\"value\":{\"required\":true}}}"), 400, "formatOptions.schema.value" },
            { "POST", series, Series(",\"format\":\"parquet\",\"formatOptions\":{\"schema\":{\"value\":{\"type\":\"int32\"}}}"), 400, "formatOptions.schema.value" },
            { "POST", "/api/v1/exports", "{\"kind\":\"series\",\"format\":\"parquet\",\"series\":" + Series(",\"format\":\"parquet\",\"formatOptions\":{\"schema\":{\"value\":{\"type\":\"int32\"}}}") + "}", 400, "series.formatOptions.schema.value" },
            { "POST", "/api/v1/schedules", "{\"templateId\":\"" + Guid.NewGuid() + "\",\"frequency\":{\"every\":\"weekly\",\"days\":[null],\"time\":\"09:00\"}}", 400, "frequency.days[0]" },
            { "POST", "/api/v1/auth/login", "{\"email\":\"demo\\u0000@exports.local\",\"password\":\"x\"}", 400, "email" },
            { "POST", "/api/v1/render-tokens", "{\"kind\":\"dashboard\",\"id\":\"ops\\u0000\",\"format\":\"pdf\"}", 400, "id" },
            { "POST", "/api/v1/templates", "{\"name\":\"t\",\"request\":{\"kind\":\"series\",\"series\":{\"source\":\"servers\",\"timeframe\":{\"last\":\"1h\"},\"filename\":\"{date:ffffffff}\"}}}", 400, "request.series.filename" },
            { "POST", "/api/v1/templates", "{\"name\":\"t\",\"request\":{\"kind\":\"series\",\"series\":{\"source\":\"servers\",\"timeframe\":{\"last\":\"1h\"},\"filename\":\"{date:K}\"}}}", 400, "request.series.filename" },
            { "GET", "/api/v1/sources/servers/export?range=1h&format=%00", null, 400, "format" },
            { "GET", "/api/v1/exports?from=0001-01-01T00:00:00%2B14:00", null, 400, "from" },
            { "GET", "/api/v1/exports?from=9999-12-31T23:59:59%2B14:00", null, 400, "from" },
            { "POST", "/api/v1/alerts", "{\"title\":\"t\",\"severity\":\"info\",\"firedAt\":\"0001-01-01T00:00:00+05:00\",\"targets\":[{\"query\":{\"source\":\"servers\"}}]}", 400, "firedAt" },
        };
    }

    [Fact]
    public async Task ConcurrentCreatesOfOneName_GiveOneCreatedAndConflicts_NeverA500()
    {
        var (owner, client) = await api.NewUserAsync();
        async Task<int[]> Race(Func<int, Task<HttpResponseMessage>> send)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(send));
            foreach (var a in answers.Where(a => (int)a.StatusCode >= 400)) await a.ProblemAsync((int)a.StatusCode);
            return answers.Select(a => (int)a.StatusCode).ToArray();
        }
        var sources = await Race(_ => client.PostJsonAsync("/api/v1/sources", new { name = "same", kind = "timeseries" }));
        Assert.Equal(1, sources.Count(c => c == 201));
        Assert.All(sources.Where(c => c != 201), c => Assert.Equal(409, c));
        var dashboards = await Race(i => client.PostJsonAsync("/api/v1/dashboards", new { slug = "same", title = $"D{i}", layout = new { widgets = new[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 2, h = 1 } } } }));
        Assert.Equal(1, dashboards.Count(c => c == 201));
        Assert.All(dashboards.Where(c => c != 201), c => Assert.Equal(409, c));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM sources WHERE owner_id = $1", owner));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM docs.mt_doc_dashboard WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task AnAlertNamingAnotherOwnersMonitor_IsRefused_AndNothingIsStored()
    {
        var demoMonitor = await api.ScalarAsync<Guid>("SELECT m.id FROM docs.mt_doc_monitor m JOIN users u ON u.id = m.owner_id WHERE u.email = 'demo@exports.local' LIMIT 1");
        var (owner, client) = await api.NewUserAsync();
        foreach (var monitorId in new[] { demoMonitor, Guid.NewGuid() })
        {
            var r = await client.PostJsonAsync("/api/v1/alerts", new
            {
                title = "borrowed", severity = "info", firedAt = "2026-11-01T00:00:00Z", monitorId,
                targets = new[] { new { query = new { source = "servers", metrics = new[] { "cpu_percent" } } } },
            });
            await r.ProblemAsync(400, "monitorId");
        }
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM docs.mt_doc_alert WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task ACsvHeaderThatIsNotCsv_Is400_AndStoresNothing()
    {
        var (owner, client) = await api.NewUserAsync();
        await CreateSourcesAsync(client, withData: false);
        var r = await client.PostAsync("/api/v1/sources/servers/points", new StringContent("\"timestamp,metric\nx", System.Text.Encoding.UTF8, "text/csv"));
        var json = await r.ProblemAsync(400);
        Assert.True(json.GetProperty("errors").EnumerateObject().Any());
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM series s JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1", owner));
    }

    [Fact]
    public async Task DateTimesWithAnOffset_AreReadAsTheUtcInstantTheyName()
    {
        var (owner, client) = await ProberAsync();
        var list = await client.GetAsync("/api/v1/exports?from=2026-11-01T09:00:00%2B05:30&to=2026-11-02T00:00:00-08:00");
        Assert.Equal(System.Net.HttpStatusCode.OK, list.StatusCode);
        var r = await client.PostJsonAsync("/api/v1/alerts", new
        {
            title = "offset", severity = "info", firedAt = "2026-11-01T09:00:00+05:30",
            targets = new[] { new { query = new { source = "servers", metrics = new[] { "cpu_percent" } } } },
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, r.StatusCode);
        var stored = await api.ScalarAsync<DateTime>("SELECT fired_at FROM docs.mt_doc_alert WHERE owner_id = $1 AND data->>'title' = 'offset'", owner);
        Assert.Equal(new DateTime(2026, 11, 1, 3, 30, 0, DateTimeKind.Utc), stored.ToUniversalTime());
    }

    // ---- the walk ----

    sealed record Param(string Name, string? Type, string? Format);
    sealed record Operation(string Method, string Path, JsonElement? Body, bool BodyRequired, List<Param> Query, List<Param> PathParams);

    sealed record Leaf(string Path, string Kind, bool ItemsNullable, string? ItemKind)
    {
        /// <summary>(raw JSON replacing the value, the field the answer must name).</summary>
        public IEnumerable<(string Raw, string Field)> Cases()
        {
            switch (Kind)
            {
                case "string":
                    foreach (var s in BadStrings) yield return (s, Path);
                    yield return ("{\"a\":1}", Path);
                    break;
                case "array":
                    if (!ItemsNullable) yield return ("[null]", $"{Path}[0]");
                    if (ItemKind == "string") foreach (var s in BadStrings) yield return ($"[{s}]", $"{Path}[0]");
                    yield return ("\"not an array\"", Path);
                    break;
                case "map":
                    yield return ("{\"k\":null}", $"{Path}.k");
                    yield return ("{\"k\":\"a\\u0000\"}", $"{Path}.k");
                    yield return ("{\"nul\\u0000key\":\"v\"}", $"{Path}['nul\\u0000key']");
                    break;
                case "number" or "integer":
                    yield return ("\"not a number\"", Path);
                    yield return ("{}", Path);
                    break;
                case "boolean":
                    yield return ("\"yes\"", Path);
                    break;
                case "object":
                    yield return ("5", Path);
                    yield return ("[1]", Path);
                    break;
                case "any":
                    foreach (var s in BadStrings) yield return (s, Path);
                    yield return ("{\"nul\\u0000key\":1}", $"{Path}['nul\\u0000key']");
                    break;
            }
        }
    }

    static async Task<JsonElement> OpenApiAsync(HttpClient client)
    {
        var r = await client.GetAsync("/openapi/v1.json");
        r.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    static IEnumerable<Operation> Operations(JsonElement doc)
    {
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            if (!path.Name.StartsWith("/api/", StringComparison.Ordinal)) continue;
            foreach (var op in path.Value.EnumerateObject())
            {
                var query = new List<Param>();
                var pathParams = new List<Param>();
                if (op.Value.TryGetProperty("parameters", out var ps))
                    foreach (var p in ps.EnumerateArray())
                    {
                        var schema = p.TryGetProperty("schema", out var s) ? Resolve(doc, s) : default;
                        var param = new Param(p.GetProperty("name").GetString()!, TypeOf(schema), schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var f) ? f.GetString() : null);
                        (p.GetProperty("in").GetString() == "query" ? query : pathParams).Add(param);
                    }
                JsonElement? body = null;
                var required = false;
                if (op.Value.TryGetProperty("requestBody", out var rb) && rb.GetProperty("content").TryGetProperty("application/json", out var json)
                    && json.TryGetProperty("schema", out var bs))
                {
                    body = bs;
                    required = rb.TryGetProperty("required", out var req) && req.GetBoolean();
                }
                yield return new Operation(op.Name.ToUpperInvariant(), path.Name, body, required, query, pathParams);
            }
        }
    }

    static IEnumerable<Leaf> Leaves(JsonElement doc, JsonElement schema, string path, int depth)
    {
        if (depth > 6) yield break;
        schema = Resolve(doc, schema);
        // A derived type (OpenAPI 3.0 generators write inheritance as allOf [base, own]): the fields of every part.
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("allOf", out var parts))
        {
            foreach (var part in parts.EnumerateArray())
                foreach (var l in Leaves(doc, part, path, depth))
                    yield return l;
            yield break;
        }
        var kind = TypeOf(schema);
        if (kind == "object" && schema.TryGetProperty("properties", out var props))
        {
            if (path.Length > 0) yield return new Leaf(path, "object", false, null);
            foreach (var p in props.EnumerateObject())
                foreach (var l in Leaves(doc, p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}", depth + 1))
                    yield return l;
        }
        else if (kind == "object" && schema.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.Object)
            yield return new Leaf(path, TypeOf(Resolve(doc, ap)) == "string" ? "map" : "object", false, null);
        else if (kind == "array")
        {
            var items = schema.TryGetProperty("items", out var it) ? Resolve(doc, it) : default;
            var itemKind = TypeOf(items);
            var nullable = items.ValueKind == JsonValueKind.Object && IsNullable(items);
            yield return new Leaf(path, "array", nullable, itemKind);
            if (itemKind == "object")
                foreach (var l in Leaves(doc, items, $"{path}[0]", depth + 1))
                    yield return l;
        }
        else if (kind is "string" or "number" or "integer" or "boolean")
        {
            var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
            // Dates and ids are strings in JSON, but bad text in them is a type error: still a 400 on the field.
            yield return new Leaf(path, kind, false, format);
        }
        else if (kind == "any" && path.Length > 0) yield return new Leaf(path, "any", false, null);
    }

    /// <summary>Follows $ref and the nullable oneOf [{type: null}, {$ref}] wrapper.</summary>
    static JsonElement Resolve(JsonElement doc, JsonElement schema)
    {
        for (var i = 0; i < 8 && schema.ValueKind == JsonValueKind.Object; i++)
        {
            if (schema.TryGetProperty("$ref", out var r))
            {
                var name = r.GetString()!.Split('/').Last();
                schema = doc.GetProperty("components").GetProperty("schemas").GetProperty(name);
                continue;
            }
            if (schema.TryGetProperty("oneOf", out var one) || schema.TryGetProperty("anyOf", out one))
            {
                var notNull = one.EnumerateArray().Where(s => !(s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null")).ToList();
                if (notNull.Count == 1) { schema = notNull[0]; continue; }
            }
            break;
        }
        return schema;
    }

    static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object) return null;
        if (!schema.TryGetProperty("type", out var t))
            return schema.TryGetProperty("properties", out _) ? "object" : "any";
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        return t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x != "null");
    }

    static bool IsNullable(JsonElement schema) =>
        (schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Array && t.EnumerateArray().Any(x => x.GetString() == "null"))
        || (schema.TryGetProperty("nullable", out var n) && n.ValueKind == JsonValueKind.True);

    /// <summary>The smallest body that reaches <paramref name="path"/> ("a.b[0].c"), with the bad value at its end.</summary>
    static string Build(string path)
    {
        JsonNode node = JsonValue.Create(Bad)!;
        var parts = path.Split('.');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            var part = parts[i];
            var name = part.EndsWith("[0]", StringComparison.Ordinal) ? part[..^3] : part;
            if (part.EndsWith("[0]", StringComparison.Ordinal)) node = new JsonArray(node);
            node = new JsonObject { [name] = node };
        }
        return node.ToJsonString();
    }

    static string Url(Operation op, string? nulParam, string? query)
    {
        var url = op.Path;
        foreach (var p in op.PathParams)
        {
            var value = p.Name == nulParam ? "x%ED%A0%80y" : p.Format == "uuid" ? Guid.NewGuid().ToString() : p.Name switch
            {
                "format" => "png",
                "version" => "1",
                "source" => op.Path.EndsWith("/records", StringComparison.Ordinal) ? "agent-commands" : "servers",
                _ => "missing-" + p.Name,
            };
            url = url.Replace("{" + p.Name + "}", value);
        }
        return query is null ? url : $"{url}?{query}";
    }

    static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string url, string? body, string contentType)
    {
        var req = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            req.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            req.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return await client.SendAsync(req);
    }

    static async Task ExpectAsync(HttpResponseMessage r, List<string> failures, string what, int status, string? field)
    {
        var text = await r.Content.ReadAsStringAsync();
        var code = (int)r.StatusCode;
        if (code != status) { failures.Add($"{what} → {code} (expected {status}): {Trim(text)}"); return; }
        if (r.Content.Headers.ContentType?.MediaType != "application/problem+json") { failures.Add($"{what} → {code} as {r.Content.Headers.ContentType}, not Problem Details"); return; }
        JsonElement json;
        try { json = JsonDocument.Parse(text).RootElement; }
        catch (JsonException) { failures.Add($"{what} → {code} with a body that is not JSON: {Trim(text)}"); return; }
        if (!json.TryGetProperty("status", out var s) || s.GetInt32() != code || !json.TryGetProperty("title", out var t) || string.IsNullOrWhiteSpace(t.GetString()))
        { failures.Add($"{what} → {code} without status and title: {Trim(text)}"); return; }
        if (code == 400)
        {
            if (!json.TryGetProperty("errors", out var errors) || !errors.EnumerateObject().Any())
            { failures.Add($"{what} → 400 naming no field: {Trim(text)}"); return; }
            if (field is not null && !errors.TryGetProperty(field, out _))
                failures.Add($"{what} → 400 without an error on '{field}': {Trim(text)}");
        }
    }

    static string Trim(string s) => s.Length > 300 ? s[..300] + "…" : s;
}
