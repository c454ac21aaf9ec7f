using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Exports.Host;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sources;

/// <summary>
/// Ingest at its edges: overflowing sums, non-finite values, long tags, large bodies, impossible timestamps, text
/// PostgreSQL cannot store, wrong types, malformed bodies and media types. Every refusal is checked for its status,
/// its Problem Details key, and that nothing at all landed (points, series, rollups, records counted with SQL).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class IngestEdgeTests(ApiFixture api)
{
    const string T0 = "2026-03-01T10:00:00Z";

    static HttpContent Body(string text, string type) => new StringContent(text, Encoding.UTF8, type);
    static HttpContent Bytes(byte[] bytes, string type) => new ByteArrayContent(bytes) { Headers = { ContentType = MediaTypeHeaderValue.Parse(type) } };

    async Task<(Guid Owner, HttpClient Client)> TimeseriesAsync(string name = "m")
    {
        var (owner, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/sources", new { name, kind = "timeseries" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (owner, client);
    }

    async Task<(Guid Owner, HttpClient Client)> RecordsAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        var r = await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "jobs", kind = "records",
            fields = new object[] { new { name = "job", role = "dimension", type = "string" }, new { name = "ms", role = "measure", type = "double" } },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (owner, client);
    }

    /// <summary>Everything an owner has stored: points, series, hourly and daily buckets, records.</summary>
    async Task<long[]> StoredAsync(Guid owner) =>
        (await api.RowsAsync("""
            SELECT (SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1),
                   (SELECT count(*) FROM series s JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1),
                   (SELECT count(*) FROM rollup_hourly h JOIN series s ON s.id = h.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1),
                   (SELECT count(*) FROM rollup_daily d JOIN series s ON s.id = d.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1),
                   (SELECT count(*) FROM records r JOIN sources o ON o.id = r.source_id WHERE o.owner_id = $1)
            """, owner)).Single().Select(v => (long)v!).ToArray();

    async Task AssertNothingStoredAsync(Guid owner) => Assert.Equal(new long[] { 0, 0, 0, 0, 0 }, await StoredAsync(owner));

    static string Point(string ts, string value, string host = "a") =>
        $$$"""{"timestamp":{{{ts}}},"metric":"temp","value":{{{value}}},"tags":{"host":"{{{host}}}"}}""";

    // ---- Overflow -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task TwoMaxDoublesInOneHour_AreStored_AndHourlyAndDailyTiersMatchSqlOnRawPoints()
    {
        var (owner, client) = await TimeseriesAsync();
        var body = "[" + string.Join(",",
            Point("\"2026-03-01T10:00:00Z\"", "1.7e308"), Point("\"2026-03-01T10:30:00Z\"", "1.7E+308"),
            Point("\"2026-03-01T11:00:00Z\"", "0.1"), Point("\"2026-03-01T11:10:00Z\"", "0.2"), Point("\"2026-03-01T11:20:00Z\"", "0.3333333333333333"),
            Point("\"2026-03-01T12:00:00Z\"", "-1.7e308"), Point("\"2026-03-01T12:01:00Z\"", "-1.7e308"), Point("\"2026-03-01T12:02:00Z\"", "1e300")) + "]";
        var r = await client.PostAsync("/api/v1/sources/m/points", Body(body, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        Assert.Equal(new long[] { 8, 1, 3, 1, 0 }, await StoredAsync(owner));

        // SQL on the raw points: the exact sum and mean of each hour, rounded once to a double by the test.
        var raw = (await api.RowsAsync("""
            SELECT date_trunc('hour', p.ts, 'UTC'), sum(p.value::text::numeric)::text, avg(p.value::text::numeric)::text, count(p.value)
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id
            WHERE o.owner_id = $1 GROUP BY 1 ORDER BY 1
            """, owner)).Select(x => (Sum: D((string)x[1]!), Avg: D((string)x[2]!), N: (long)x[3]!)).ToList();
        Assert.Equal(double.PositiveInfinity, raw[0].Sum);   // 3.4e308 is past the largest double
        Assert.Equal(1.7e308, raw[0].Avg);

        // granularity 1h over more than 7 days reads the hourly rollup; 7 days or less computes hours from raw points.
        var hourly = await ExportAsync(client, "1h", "2026-02-23T00:00:00Z", "2026-03-03T00:00:00Z");
        Assert.Equal("hourly", hourly.Tier);
        Assert.Equal(3, hourly.Rows.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(raw[i].Sum, D(hourly.Rows[i]["sum"]));
            Assert.Equal(raw[i].Avg, D(hourly.Rows[i]["avg"]));
            Assert.Equal(raw[i].N, long.Parse(hourly.Rows[i]["count"], CultureInfo.InvariantCulture));
        }
        Assert.Equal("Infinity", hourly.Rows[0]["sum"]);
        Assert.Equal("-Infinity", hourly.Rows[2]["sum"]);
        var fromRaw = await ExportAsync(client, "1h", "2026-02-28T00:00:00Z", "2026-03-03T00:00:00Z");
        Assert.Equal("raw", fromRaw.Tier);
        Assert.Equal(hourly.Rows, fromRaw.Rows);

        var day = (await api.RowsAsync("""
            SELECT sum(p.value::text::numeric)::text, avg(p.value::text::numeric)::text FROM points p
            JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1
            """, owner)).Single();
        var daily = await ExportAsync(client, "1d", "2026-02-01T00:00:00Z", "2026-03-03T00:00:00Z");
        Assert.Equal("daily", daily.Tier);
        var only = Assert.Single(daily.Rows);
        Assert.Equal(D((string)day[0]!), D(only["sum"]));
        Assert.Equal(D((string)day[1]!), D(only["avg"]));
    }

    static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    static async Task<(string Tier, List<Dictionary<string, string>> Rows)> ExportAsync(HttpClient client, string granularity, string from, string to)
    {
        var r = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "m", granularity, groupBy = Array.Empty<string>(), aggregations = new[] { "count", "sum", "avg" },
            timeframe = new { from, to }, format = "json", formatOptions = new { metadata = true },
        });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, text);
        var tier = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("meta").GetProperty("tier").GetString()!;
        var csv = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "m", granularity, groupBy = Array.Empty<string>(), aggregations = new[] { "count", "sum", "avg" },
            timeframe = new { from, to },
        });
        var csvText = await csv.Content.ReadAsStringAsync();
        Assert.True(csv.IsSuccessStatusCode, csvText);
        return (tier, Files.ReadCsv(csvText));
    }

    // ---- Non-finite values ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("application/json", "\"NaN\"")]
    [InlineData("application/json", "\"Infinity\"")]
    [InlineData("application/json", "\"-Infinity\"")]
    [InlineData("application/json", "1e400")]
    [InlineData("application/x-ndjson", "-1e309")]
    [InlineData("text/csv", "NaN")]
    [InlineData("text/csv", "Infinity")]
    public async Task NonFiniteValue_Is400OnItsRow_AndNothingIsStored(string type, string value)
    {
        var (owner, client) = await TimeseriesAsync();
        var body = type switch
        {
            "text/csv" => $"timestamp,metric,value,host\n{T0},temp,1,a\n2026-03-01T10:01:00Z,temp,{value},a\n",
            "application/x-ndjson" => Point($"\"{T0}\"", "1") + "\n" + Point("\"2026-03-01T10:01:00Z\"", value) + "\n",
            _ => "[" + Point($"\"{T0}\"", "1") + "," + Point("\"2026-03-01T10:01:00Z\"", value) + "]",
        };
        var problem = await (await client.PostAsync("/api/v1/sources/m/points", Body(body, type))).ProblemAsync(400, "rows[1].value");
        Assert.Contains("Row 2", problem.GetProperty("errors").GetProperty("rows[1].value")[0].GetString());
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task NonFiniteRecordMeasure_Is400_AndNothingIsStored()
    {
        var (owner, client) = await RecordsAsync();
        var body = $$"""[{"timestamp":"{{T0}}","job":"a","ms":1},{"timestamp":"{{T0}}","job":"b","ms":"NaN"}]""";
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body(body, "application/json"))).ProblemAsync(400, "rows[1].ms");
        await AssertNothingStoredAsync(owner);
    }

    // ---- Tag length -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task TagLongerThanTheLimit_Is400WithTheLimit_AtTheLimitIsStored()
    {
        var (owner, client) = await TimeseriesAsync();
        var max = ExportsSettings.DefaultIngestMaxTagBytes;
        foreach (var (host, path) in new[] { (new string('x', max + 1), "rows[1].tags.host"), (new string('€', max / 3 + 1), "rows[1].tags.host") })
        {
            var body = "[" + Point($"\"{T0}\"", "1") + "," + Point("\"2026-03-01T10:01:00Z\"", "2", host) + "]";
            var problem = await (await client.PostAsync("/api/v1/sources/m/points", Body(body, "application/json"))).ProblemAsync(400, path);
            Assert.Contains($"{max:N0} bytes", problem.GetProperty("errors").GetProperty(path)[0].GetString());
            await AssertNothingStoredAsync(owner);
        }
        // A tag key past the limit, in CSV (a column name is a tag key).
        var key = new string('k', max + 1);
        await (await client.PostAsync("/api/v1/sources/m/points", Body($"timestamp,metric,value,{key}\n{T0},temp,1,a\n", "text/csv"))).ProblemAsync(400, $"rows[0].{key}");
        // Tags that pass one by one but not together: the series index entry.
        var wide = $$$"""[{"timestamp":"{{{T0}}}","metric":"temp","value":1,"tags":{"a":"{{{new string('a', 1000)}}}","b":"{{{new string('b', 1000)}}}","c":"{{{new string('c', 100)}}}"}}]""";
        await (await client.PostAsync("/api/v1/sources/m/points", Body(wide, "application/json"))).ProblemAsync(400, "rows[0].tags");
        await AssertNothingStoredAsync(owner);

        var atLimit = "[" + Point($"\"{T0}\"", "1", new string('y', max)) + "]";
        Assert.True((await client.PostAsync("/api/v1/sources/m/points", Body(atLimit, "application/json"))).IsSuccessStatusCode);
        Assert.Equal(max, await api.ScalarAsync<int>("""
            SELECT length(s.tags->>'host') FROM series s JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1
            """, owner));
    }

    // ---- Body size --------------------------------------------------------------------------------------------------

    /// <summary>A chunked body (no Content-Length) of valid rows that never ends before the limit.</summary>
    sealed class EndlessRows(long bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var pad = new string('p', 900);
            var row = Encoding.UTF8.GetBytes($$$""",{"timestamp":"{{{T0}}}","metric":"temp","value":1,"tags":{"host":"a","pad":"{{{pad}}}"}}""" + "\n");
            await stream.WriteAsync("[{\"timestamp\":\"2026-03-01T09:00:00Z\",\"metric\":\"temp\",\"value\":0}"u8.ToArray());
            for (long sent = 0; sent < bytes; sent += row.Length) await stream.WriteAsync(row);
            await stream.WriteAsync("]"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length) { length = 0; return false; }
    }

    [Fact]
    public async Task BodyPastTheLimit_Is413ProblemDetails_AndNothingIsStored()
    {
        var (owner, client) = await TimeseriesAsync();
        var content = new EndlessRows(ExportsSettings.DefaultIngestMaxBytes + 1024 * 1024);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        var problem = await (await client.PostAsync("/api/v1/sources/m/points", content)).ProblemAsync(413);
        Assert.Contains("EXPORTS_INGEST_MAX_BYTES", problem.GetProperty("detail").GetString());
        await AssertNothingStoredAsync(owner);
    }

    // ---- Timestamps -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("9e18")]
    [InlineData("9000000000000000000")]
    [InlineData("-9000000000000000000")]
    [InlineData("-1")]
    [InlineData("\"0000-01-01T00:00:00Z\"")]
    [InlineData("\"-0001-01-01T00:00:00Z\"")]
    [InlineData("\"10000-01-01T00:00:00Z\"")]
    [InlineData("\"9999-12-31T23:59:59-01:00\"")]
    [InlineData("\"1969-12-31T23:59:59Z\"")]
    [InlineData("\"300000-01-01T00:00:00Z\"")]
    public async Task TimestampOutsideTheWindow_Is400NamingRowAndField_AndNothingIsStored(string ts)
    {
        var (owner, client) = await TimeseriesAsync();
        var body = "[" + Point($"\"{T0}\"", "1") + "," + Point(ts, "2") + "]";
        var problem = await (await client.PostAsync("/api/v1/sources/m/points", Body(body, "application/json"))).ProblemAsync(400, "rows[1].timestamp");
        var message = problem.GetProperty("errors").GetProperty("rows[1].timestamp")[0].GetString()!;
        Assert.Contains("Row 2", message);
        Assert.Contains("1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z", message);
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task TimestampOutsideTheWindow_InCsvAndRecords_Is400()
    {
        var (owner, client) = await TimeseriesAsync();
        await (await client.PostAsync("/api/v1/sources/m/points", Body($"time,metric,value\n{T0},temp,1\n10000-01-01T00:00:00Z,temp,2\n", "text/csv"))).ProblemAsync(400, "rows[1].time");
        await AssertNothingStoredAsync(owner);
        var (rOwner, records) = await RecordsAsync();
        await (await records.PostAsync("/api/v1/sources/jobs/records", Body("""[{"timestamp":-62135596800,"job":"a"}]""", "application/json"))).ProblemAsync(400, "rows[0].timestamp");
        await AssertNothingStoredAsync(rOwner);
        // The last moment of the window is accepted.
        Assert.True((await client.PostAsync("/api/v1/sources/m/points", Body("[" + Point("\"9999-12-31T23:59:59Z\"", "1") + "]", "application/json"))).IsSuccessStatusCode);
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc), await api.ScalarAsync<DateTime>("""
            SELECT max(p.ts) FROM points p JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1
            """, owner));
    }

    // ---- NUL and unpaired surrogates --------------------------------------------------------------------------------

    public static TheoryData<string, string, string> BadText => new()
    {
        // JSON escapes
        { "application/json", """[{"timestamp":"2026-03-01T10:00:00Z","metric":"te\u0000mp","value":1}]""", "rows[0].metric" },
        { "application/json", """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1},{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"host":"a\u0000"}}]""", "rows[1].tags.host" },
        { "application/json", """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"host":"\ud800"}}]""", "rows[0].tags.host" },
        { "application/json", """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"host":"x\udc00y"}]""", "rows[0].host" },
        { "application/json", """{"points":[{"timestamp":"2026-03-01T10:00:00Z","metric":"\ud83d","value":1}]}""", "rows[0].metric" },
        { "application/x-ndjson", "{\"timestamp\":\"2026-03-01T10:00:00Z\",\"metric\":\"temp\",\"value\":1}\n{\"timestamp\":\"2026-03-01T10:00:00Z\",\"metric\":\"temp\",\"value\":1,\"region\":\"\\u0000\"}\n", "rows[1].region" },
        // CSV: a raw NUL in a cell
        { "text/csv", "timestamp,metric,value,host\n2026-03-01T10:00:00Z,temp,1,a\u0000b\n", "rows[0].host" },
    };

    [Theory]
    [MemberData(nameof(BadText))]
    public async Task NulOrUnpairedSurrogate_Is400NamingThePath_AndNothingIsStored(string type, string body, string path)
    {
        var (owner, client) = await TimeseriesAsync();
        await (await client.PostAsync("/api/v1/sources/m/points", Body(body, type))).ProblemAsync(400, path);
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task InvalidUtf8InCsv_AndSurrogateTagKey_Are400_AndNothingIsStored()
    {
        var (owner, client) = await TimeseriesAsync();
        // ED A0 80: a lone high surrogate encoded as UTF-8 (CESU), which is not valid UTF-8.
        var csv = Encoding.UTF8.GetBytes("timestamp,metric,value,host\n2026-03-01T10:00:00Z,temp,1,a\n2026-03-01T10:01:00Z,temp,1,").Concat(new byte[] { 0xED, 0xA0, 0x80 }).Concat("\n"u8.ToArray()).ToArray();
        await (await client.PostAsync("/api/v1/sources/m/points", Bytes(csv, "text/csv"))).ProblemAsync(400, "rows[1].host");
        var json = """[{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"h\u0000st":"a"}}]""";
        await (await client.PostAsync("/api/v1/sources/m/points", Body(json, "application/json"))).ProblemAsync(400, "rows[0].tags.h\\u0000st");
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task NulInRecordFieldOrId_Is400_AndNothingIsStored()
    {
        var (owner, client) = await RecordsAsync();
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body("""[{"timestamp":"2026-03-01T10:00:00Z","job":"a\u0000"}]""", "application/json"))).ProblemAsync(400, "rows[0].job");
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body("""[{"timestamp":"2026-03-01T10:00:00Z","id":"\ud800","job":"a"}]""", "application/json"))).ProblemAsync(400, "rows[0].id");
        await (await client.PostAsync("/api/v1/sources/jobs/records", Body("timestamp,id,job\n2026-03-01T10:00:00Z,x\u0000,a\n", "text/csv"))).ProblemAsync(400, "rows[0].id");
        await AssertNothingStoredAsync(owner);
        var sources = await (await client.GetAsync("/api/v1/sources")).JsonAsync();
        Assert.Equal(0, sources.GetProperty("sources")[0].GetProperty("dimensions")[0].GetProperty("values").GetArrayLength());
    }

    [Fact]
    public async Task CreateSource_RefusesNulSurrogatesWrongTypesAndMalformedJson_ByPath()
    {
        var (owner, client) = await api.NewUserAsync();
        async Task<System.Text.Json.JsonElement> Post(string json, int status, string? path) =>
            await (await client.PostAsync("/api/v1/sources", Body(json, "application/json"))).ProblemAsync(status, path);
        await Post("""{"name":"a","kind":"timeseries","description":"x\u0000"}""", 400, "description");
        await Post("""{"name":"a","kind":"timeseries","units":{"temp":"\udc00C"}}""", 400, "units.temp");
        await Post("""{"name":"a","kind":"timeseries","units":{"temp":null}}""", 400, "units.temp");
        await Post("""{"name":"a","kind":"records","fields":[null]}""", 400, "fields[0]");
        await Post("""{"name":5,"kind":"timeseries"}""", 400, "name");
        await Post("""{"name":"a","kind":"timeseries","units":["x"]}""", 400, "units");
        var broken = await Post("{\"name\":\"a\",\n\"kind\": }", 400, null);
        Assert.Contains("line 2", broken.GetProperty("errors").EnumerateObject().Single().Value[0].GetString());
        await (await client.PostAsync("/api/v1/sources", Body("name=a", "application/x-www-form-urlencoded"))).ProblemAsync(415);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM sources WHERE owner_id = $1", owner));
    }

    // ---- Wrong types, malformed bodies, media types -----------------------------------------------------------------

    [Theory]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"host":null}}""", "rows[1].tags.host")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"host":{"a":1}}}""", "rows[1].tags.host")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":{"host":[1]}}""", "rows[1].tags.host")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"tags":"host=a"}""", "rows[1].tags")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"extra":[1,2]}""", "rows[1].extra")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":["temp"],"value":1}""", "rows[1].metric")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":[1]}""", "rows[1].value")]
    [InlineData("""{"timestamp":true,"metric":"temp","value":1}""", "rows[1].timestamp")]
    [InlineData("""{"timestamp":"2026-03-01T10:00:00Z","metric":"temp","value":1,"value":2}""", "rows[1].value")]
    [InlineData("""[1]""", "rows[1]")]
    [InlineData("""null""", "rows[1]")]
    public async Task WrongTypeInARow_Is400NamingTheField_AndNothingIsStored(string second, string path)
    {
        var (owner, client) = await TimeseriesAsync();
        var body = "[" + Point($"\"{T0}\"", "1") + "," + second + "]";
        await (await client.PostAsync("/api/v1/sources/m/points", Body(body, "application/json"))).ProblemAsync(400, path);
        await AssertNothingStoredAsync(owner);
    }

    [Theory]
    [InlineData("application/json", "[{\"timestamp\":\"2026-03-01T10:00:00Z\",\"metric\":\"temp\",\"value\":1},\n{\"timestamp\": ]", "rows[1]", "line 2")]
    [InlineData("application/json", "[{\"timestamp\":\"2026-03-01T10:00:00Z\",\"metric\":\"temp\",\"value\":1}", "rows[1]", "line 1")]
    [InlineData("application/json", "hello", "body", "line 1")]
    [InlineData("application/json", "", "body", "line 1")]
    [InlineData("application/json", "{\"rows\":[]}", "body", "points")]
    [InlineData("application/x-ndjson", "{\"timestamp\":\"2026-03-01T10:00:00Z\",\"metric\":\"temp\",\"value\":1}\n{\"timestamp\":,}\n", "rows[1]", "line 2")]
    [InlineData("text/csv", "timestamp,metric,value\n2026-03-01T10:00:00Z,temp,1\n2026-03-01T10:01:00Z,temp\n", "rows[1]", "2 cells")]
    [InlineData("text/csv", "", "body", "header")]
    public async Task MalformedBody_Is400SayingWhereItBroke_AndNothingIsStored(string type, string body, string path, string says)
    {
        var (owner, client) = await TimeseriesAsync();
        var problem = await (await client.PostAsync("/api/v1/sources/m/points", Body(body, type))).ProblemAsync(400, path);
        Assert.Contains(says, problem.GetProperty("errors").GetProperty(path)[0].GetString());
        await AssertNothingStoredAsync(owner);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=latin1")]
    public async Task UnsupportedContentType_Is415ProblemDetails(string type)
    {
        var (owner, client) = await TimeseriesAsync();
        var content = Body("[" + Point($"\"{T0}\"", "1") + "]", "application/json");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        await (await client.PostAsync("/api/v1/sources/m/points", content)).ProblemAsync(415);
        await AssertNothingStoredAsync(owner);
    }

    // ---- Streaming ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    [InlineData("text/csv")]
    public async Task ManyBatches_LandWhole_LastRowWins_AndABadLastRowStoresNothing(string type)
    {
        var (owner, client) = await TimeseriesAsync();
        const int n = 12_000;   // three COPY batches and many pipe reads
        string Rows(string? lastValue)
        {
            var b = new StringBuilder();
            if (type == "text/csv") b.Append("timestamp,metric,value,host\n");
            else if (type == "application/json") b.Append('[');
            for (var i = 0; i < n; i++)
            {
                // Every 1,000th row repeats the previous row's series and time with a new value: the later row wins.
                var second = i % 1000 == 999 ? i - 1 : i;
                var ts = DateTime.Parse(T0, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal).AddSeconds(second).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                var value = i == n - 1 && lastValue is not null ? lastValue : (i * 0.5).ToString(CultureInfo.InvariantCulture);
                var host = $"h{second % 7}";
                if (type == "text/csv") b.Append($"{ts},temp,{value},{host}\n");
                else b.Append(type == "application/json" && i > 0 ? "," : "").Append(Point($"\"{ts}\"", value, host)).Append('\n');
            }
            if (type == "application/json") b.Append(']');
            return b.ToString();
        }
        await (await client.PostAsync("/api/v1/sources/m/points", Body(Rows(type == "text/csv" ? "warm" : "\"warm\""), type))).ProblemAsync(400, "rows[11999].value");
        await AssertNothingStoredAsync(owner);

        var r = await client.PostAsync("/api/v1/sources/m/points", Body(Rows(null), type));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        Assert.Equal(n, (await r.Content.ReadAsStringAsync()).Contains($"\"accepted\":{n}") ? n : -1);
        var stored = (await api.RowsAsync("""
            SELECT count(*), sum(p.value), count(DISTINCT s.id) FROM points p JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1
            """, owner)).Single();
        var expectedRows = Enumerable.Range(0, n).Where(i => i % 1000 != 998).ToList();   // row 998 is overwritten by 999, etc.
        Assert.Equal((long)expectedRows.Count, stored[0]);
        Assert.Equal(expectedRows.Sum(i => i * 0.5), (double)stored[1]!, 6);
        Assert.Equal(7L, stored[2]);
        // The rollups agree with the raw points.
        Assert.Equal(0L, await api.ScalarAsync<long>("""
            WITH mine AS (SELECT s.id FROM series s JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1),
            raw AS (SELECT p.series_id, date_trunc('hour', p.ts, 'UTC') b, count(p.value) n, sum(p.value::text::numeric) s
                    FROM points p WHERE p.series_id IN (SELECT id FROM mine) GROUP BY 1, 2),
            h AS (SELECT * FROM rollup_hourly WHERE series_id IN (SELECT id FROM mine))
            SELECT count(*) FROM raw FULL JOIN h ON h.series_id = raw.series_id AND h.bucket = raw.b
            WHERE h.n IS DISTINCT FROM raw.n OR h.sum IS DISTINCT FROM raw.s
            """, owner));
        Assert.True(await api.ScalarAsync<long>("SELECT count(*) FROM rollup_hourly h JOIN series s ON s.id = h.series_id JOIN sources o ON o.id = s.source_id WHERE o.owner_id = $1", owner) > 0);
    }
}
