using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Monitors;

/// <summary>Monitors are evaluated from their query on create, list, read and export; the expected state, value and
/// "since" come from SQL on the raw points.</summary>
[Collection(ApiCollection.Name)]
public sealed class MonitorEvaluationTests(ApiFixture api)
{
    static readonly DateTime Now = DateTime.UtcNow;
    static DateTime Minute(int minutesAgo) => new DateTime(Now.Year, Now.Month, Now.Day, Now.Hour, Now.Minute, 0, DateTimeKind.Utc).AddMinutes(-minutesAgo);

    async Task<(Guid Owner, HttpClient Client)> WithPointsAsync(IEnumerable<(DateTime T, string Metric, string Host, double? V)> points)
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "metrics", kind = "timeseries" })).StatusCode);
        var body = JsonSerializer.Serialize(points.Select(p => new { timestamp = p.T.ToString("O"), metric = p.Metric, value = p.V, tags = new { host = p.Host } }));
        var r = await client.PostAsync("/api/v1/sources/metrics/points", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (owner, client);
    }

    /// <summary>The rule, in SQL: at each instant a series is in the state of its latest non-null point; the monitor
    /// alerts while any series does. Returns the current state and the first instant of its run.</summary>
    async Task<(bool Alerting, DateTime RunStart, DateTime First)> SqlRunAsync(Guid owner, string metric, string op, double threshold, DateTime from, DateTime to)
    {
        var rows = await api.RowsAsync($"""
            WITH s AS (SELECT se.id FROM series se JOIN sources so ON so.id = se.source_id WHERE so.owner_id = $1 AND se.metric = $2),
            p AS (SELECT p.series_id, p.ts, p.value FROM points p JOIN s ON s.id = p.series_id WHERE p.ts >= $3 AND p.ts < $4 AND p.value IS NOT NULL),
            st AS (SELECT t.ts, bool_or(l.value {op} $5) AS alerting
                   FROM (SELECT DISTINCT ts FROM p) t CROSS JOIN s
                   CROSS JOIN LATERAL (SELECT value FROM p WHERE p.series_id = s.id AND p.ts <= t.ts ORDER BY p.ts DESC LIMIT 1) l
                   GROUP BY t.ts),
            cur AS (SELECT alerting FROM st ORDER BY ts DESC LIMIT 1)
            SELECT (SELECT alerting FROM cur),
                   coalesce((SELECT min(ts) FROM st WHERE ts > (SELECT max(ts) FROM st WHERE alerting <> (SELECT alerting FROM cur))), (SELECT min(ts) FROM st)),
                   (SELECT min(ts) FROM st)
            """, owner, metric, from, to, threshold);
        return ((bool)rows[0][0]!, (DateTime)rows[0][1]!, (DateTime)rows[0][2]!);
    }

    /// <summary>The worst series' latest non-null point: the highest for above, the lowest for below.</summary>
    async Task<(string Host, double Value, DateTime At)> SqlWorstAsync(Guid owner, string metric, bool above, DateTime from, DateTime to)
    {
        var rows = await api.RowsAsync($"""
            SELECT DISTINCT ON (se.id) se.tags->>'host', p.value, p.ts
            FROM series se JOIN sources so ON so.id = se.source_id JOIN points p ON p.series_id = se.id
            WHERE so.owner_id = $1 AND se.metric = $2 AND p.ts >= $3 AND p.ts < $4 AND p.value IS NOT NULL
            ORDER BY se.id, p.ts DESC
            """, owner, metric, from, to);
        var worst = rows.OrderBy(r => above ? -(double)r[1]! : (double)r[1]!).First();
        return ((string)worst[0]!, (double)worst[1]!, (DateTime)worst[2]!);
    }

    static DateTime Time(JsonElement e, string name) => e.GetProperty(name).GetDateTimeOffset().UtcDateTime;

    [Fact]
    public async Task TwoSeries_StateValueAndSince_MatchSql_OnCreateListReadAndInThePdf()
    {
        // a: 50 until 20 minutes ago, then above 80. b: one earlier run above 80 (40-35 minutes ago), then 50; its
        // last point is the newest of all, so the last row read is not the worst series.
        var points = new List<(DateTime, string, string, double?)>();
        for (var m = 60; m >= 1; m--) points.Add((Minute(m), "cpu", "a", m > 20 ? 50 : 90 + m % 3 + 0.25));
        for (var m = 60; m >= 0; m--) points.Add((Minute(m), "cpu", "b", m is <= 40 and >= 35 ? 85 : 50));
        points.Add((Minute(0), "cpu", "a", null)); // a null point changes nothing
        var (owner, client) = await WithPointsAsync(points);

        var created = await client.PostJsonAsync("/api/v1/monitors", new
        {
            name = "cpu above 80", condition = "above", threshold = 80, query = new { source = "metrics", metrics = new[] { "cpu" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetString();
        var list = (await (await client.GetAsync("/api/v1/monitors")).JsonAsync()).GetProperty("monitors")[0];
        var read = await (await client.GetAsync($"/api/v1/monitors/{id}")).JsonAsync();
        foreach (var m in new[] { list, read })
        {
            var (from, to) = (Time(m.GetProperty("window"), "from"), Time(m.GetProperty("window"), "to"));
            var run = await SqlRunAsync(owner, "cpu", ">", 80, from, to);
            var worst = await SqlWorstAsync(owner, "cpu", true, from, to);
            Assert.True(run.Alerting);
            Assert.Equal("alerting", m.GetProperty("state").GetString());
            Assert.Equal(worst.Value, m.GetProperty("value").GetDouble());
            Assert.Equal(worst.Host, m.GetProperty("series").GetString());
            Assert.Equal(worst.At, Time(m, "valueAt"));
            Assert.Equal(run.RunStart, Time(m, "since"));
            Assert.False(m.GetProperty("sinceAtLeast").GetBoolean());
        }

        var pdf = await client.GetAsync($"/api/v1/monitors/{id}/export.pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        var text = await Tools.PdfTextAsync(pdf);
        var state = await (await client.GetAsync($"/api/v1/monitors/{id}")).JsonAsync();
        var (windowFrom, windowTo) = (Time(state.GetProperty("window"), "from"), Time(state.GetProperty("window"), "to"));
        var currentRun = await SqlRunAsync(owner, "cpu", ">", 80, windowFrom, windowTo);
        var currentWorst = await SqlWorstAsync(owner, "cpu", true, windowFrom, windowTo);
        Assert.Contains($"State: ALERTING since {currentRun.RunStart:yyyy-MM-dd HH:mm} UTC", text);
        Assert.Contains($"Value: {currentWorst.Value.ToString("0.####", CultureInfo.InvariantCulture)} ({currentWorst.Host}, {currentWorst.At:yyyy-MM-dd HH:mm} UTC)", text);
        Assert.Contains("above 80", text);
    }

    [Fact]
    public async Task RunLongerThanTheWindow_SaysSinceAtLeast_BelowPicksTheLowest_AndOldPointsAreNoData()
    {
        var points = new List<(DateTime, string, string, double?)>();
        for (var m = 30 * 60; m >= 1; m -= 30) points.Add((Minute(m), "temp", "c", 70 + m % 7));
        for (var m = 30 * 60; m >= 1; m -= 30) points.Add((Minute(m), "temp", "d", 60 + m % 5));
        for (var m = 30 * 60; m >= 25 * 60; m -= 30) points.Add((Minute(m), "humidity", "c", 40));
        var (owner, client) = await WithPointsAsync(points);

        var hot = await (await client.PostJsonAsync("/api/v1/monitors", new
        {
            name = "temp above 65", condition = "above", threshold = 65, query = new { source = "metrics", metrics = new[] { "temp" } },
        })).JsonAsync();
        var (from, to) = (Time(hot.GetProperty("window"), "from"), Time(hot.GetProperty("window"), "to"));
        var run = await SqlRunAsync(owner, "temp", ">", 65, from, to);
        Assert.True(run.Alerting);
        Assert.Equal(run.First, run.RunStart); // alerting since the window's first point: the run may be longer
        Assert.Equal("alerting", hot.GetProperty("state").GetString());
        Assert.Equal(run.RunStart, Time(hot, "since"));
        Assert.True(hot.GetProperty("sinceAtLeast").GetBoolean());

        var cold = await (await client.PostJsonAsync("/api/v1/monitors", new
        {
            name = "temp below 62", condition = "below", threshold = 62, query = new { source = "metrics", metrics = new[] { "temp" } },
        })).JsonAsync();
        (from, to) = (Time(cold.GetProperty("window"), "from"), Time(cold.GetProperty("window"), "to"));
        run = await SqlRunAsync(owner, "temp", "<", 62, from, to);
        var worst = await SqlWorstAsync(owner, "temp", false, from, to);
        Assert.Equal(run.Alerting ? "alerting" : "ok", cold.GetProperty("state").GetString());
        Assert.Equal(run.RunStart, Time(cold, "since"));
        Assert.Equal(worst.Value, cold.GetProperty("value").GetDouble());
        Assert.Equal(worst.Host, cold.GetProperty("series").GetString());

        var stale = await (await client.PostJsonAsync("/api/v1/monitors", new
        {
            name = "humidity", condition = "above", threshold = 10, query = new { source = "metrics", metrics = new[] { "humidity" } },
        })).JsonAsync();
        (from, to) = (Time(stale.GetProperty("window"), "from"), Time(stale.GetProperty("window"), "to"));
        Assert.Equal(0L, await api.ScalarAsync<long>("""
            SELECT count(*) FROM points p JOIN series se ON se.id = p.series_id JOIN sources so ON so.id = se.source_id
            WHERE so.owner_id = $1 AND se.metric = 'humidity' AND p.ts >= $2 AND p.ts < $3
            """, owner, from, to));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(DISTINCT se.id) FROM series se JOIN sources so ON so.id = se.source_id WHERE so.owner_id = $1 AND se.metric = 'humidity'", owner));
        Assert.Equal("no-data", stale.GetProperty("state").GetString());
        Assert.False(stale.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task TwoAggregations_Return400NamingTheField()
    {
        var (_, client) = await WithPointsAsync([(Minute(5), "cpu", "a", 1)]);
        var r = await client.PostJsonAsync("/api/v1/monitors", new
        {
            name = "x", condition = "above", threshold = 1,
            query = new { source = "metrics", metrics = new[] { "cpu" }, granularity = "5m", aggregations = new[] { "avg", "max" } },
        });
        await r.ProblemAsync(400, "query.aggregations");
    }
}
