using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Dashboards;

/// <summary>What the seeded dashboards and alert show, against the database: the ops overview's all-servers CPU and
/// the alert's fire time on every target's chart.</summary>
[Collection(ApiCollection.Name)]
public sealed class DemoVisualsTests(ApiFixture api)
{
    [Fact]
    public async Task OpsOverview_AverageCpuAllServers_IsTheMeanOfEveryServersPoints()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(24));
        var (mean, servers) = await api.RowsAsync("""
            SELECT avg(p.value), count(DISTINCT s.id) FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            JOIN users u ON u.id = src.owner_id
            WHERE u.email = 'demo@exports.local' AND src.name = 'servers' AND s.metric = 'cpu_percent' AND p.ts >= $1 AND p.ts < $2
            """, from, to) is [var row] ? ((double)row[0]!, (long)row[1]!) : throw new InvalidOperationException();
        var r = await api.Demo().GetAsync($"/api/v1/dashboards/ops-overview/export.pdf?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");
        var text = await Tools.PdfTextAsync(r);
        var at = text.IndexOf("Average CPU, all servers", StringComparison.Ordinal);
        Assert.True(at >= 0, text);
        Files.AssertShows(text[at..], mean, "F1", "%");
        Assert.Contains($"mean of all points · avg over all {servers} series", text);
    }

    [Fact]
    public async Task AlertPdf_MarksTheFireTime_OnEveryTargetsChart()
    {
        var alerts = await (await api.Demo().GetAsync("/api/v1/alerts")).JsonAsync();
        var alert = alerts.GetProperty("alerts")[0];
        var id = Guid.Parse(alert.GetProperty("id").GetString()!);
        var fired = await api.ScalarAsync<DateTime>("SELECT fired_at FROM docs.mt_doc_alert WHERE id = $1", id);
        var targets = await api.ScalarAsync<int>("SELECT jsonb_array_length((data->>'targets')::jsonb) FROM docs.mt_doc_alert WHERE id = $1", id);
        var text = await Tools.PdfTextAsync(await api.Demo().GetAsync($"/api/v1/alerts/{id}/export.pdf"));
        var label = $"fired {fired.ToUniversalTime():HH:mm} UTC";
        Assert.Equal(targets, text.Split(label).Length - 1);
    }

    [Fact]
    public async Task DemoAlert_FiredWhenItsMonitorsSeriesCrossedTheThreshold()
    {
        var alert = (await (await api.Demo().GetAsync("/api/v1/alerts")).JsonAsync()).GetProperty("alerts")[0];
        var id = Guid.Parse(alert.GetProperty("id").GetString()!);
        // The point at the fire time is above the monitor's threshold and the point before it is not.
        var (value, previous, threshold) = await api.RowsAsync("""
            SELECT p.value,
                   (SELECT q.value FROM points q WHERE q.series_id = p.series_id AND q.ts < p.ts ORDER BY q.ts DESC LIMIT 1),
                   (m.data->>'threshold')::float8
            FROM docs.mt_doc_alert a JOIN docs.mt_doc_monitor m ON m.id = (a.data->>'monitorId')::uuid
            JOIN sources src ON src.owner_id = a.owner_id AND src.name = 'servers'
            JOIN series s ON s.source_id = src.id AND s.metric = 'cpu_percent' AND s.tags->>'server' = 'web-03'
            JOIN points p ON p.series_id = s.id AND p.ts = a.fired_at
            WHERE a.id = $1
            """, id) is [var row] ? ((double)row[0]!, (double)row[1]!, (double)row[2]!) : throw new InvalidOperationException("no point at the fire time");
        Assert.True(value > threshold && previous <= threshold, $"{previous} -> {value} around {threshold}");
    }
}
