using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Monitors;

/// <summary>A monitor's link to a dashboard: only to the caller's own, and gone when that dashboard is deleted (the
/// foreign key's ON DELETE SET NULL when both were tables; DeleteDashboard does it now that both are documents).</summary>
[Collection(ApiCollection.Name)]
public sealed class MonitorLinkTests(ApiFixture api)
{
    /// <summary>A new user with a source of one point, dashboards "gone" and "kept", and a monitor linked to each.</summary>
    async Task<(HttpClient Client, Guid Gone, Guid Kept, Guid OnGone, Guid OnKept)> TwoLinkedMonitorsAsync(string onGoneName, string onKeptName)
    {
        var (_, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "metrics", kind = "timeseries" })).StatusCode);
        var points = JsonSerializer.Serialize(new[] { new { timestamp = DateTime.UtcNow.AddMinutes(-5).ToString("O"), metric = "cpu", value = 50.0, tags = new { host = "a" } } });
        Assert.True((await client.PostAsync("/api/v1/sources/metrics/points", new StringContent(points, Encoding.UTF8, "application/json"))).IsSuccessStatusCode);
        async Task<Guid> DashboardAsync(string slug) => (await (await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug, title = slug, layout = new { widgets = new[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 2, h = 1 } } },
        })).JsonAsync()).GetProperty("id").GetGuid();
        var (gone, kept) = (await DashboardAsync("gone"), await DashboardAsync("kept"));
        async Task<Guid> MonitorAsync(string name, Guid dashboardId)
        {
            var r = await client.PostJsonAsync("/api/v1/monitors", new { name, query = new { source = "metrics", metrics = new[] { "cpu" } }, condition = "above", threshold = 80, dashboardId });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            return (await r.JsonAsync()).GetProperty("id").GetGuid();
        }
        return (client, gone, kept, await MonitorAsync(onGoneName, gone), await MonitorAsync(onKeptName, kept));
    }

    [Fact]
    public async Task DeletingTheLinkedDashboard_LeavesTheMonitorWithoutALink_AndOtherMonitorsLinked()
    {
        var (client, gone, kept, onGone, onKept) = await TwoLinkedMonitorsAsync("on gone", "on kept");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/dashboards/gone")).StatusCode);

        var m = await (await client.GetAsync($"/api/v1/monitors/{onGone}")).JsonAsync();
        Assert.False(m.TryGetProperty("dashboardId", out var link) && link.ValueKind != JsonValueKind.Null, m.ToString());
        Assert.Equal(kept, (await (await client.GetAsync($"/api/v1/monitors/{onKept}")).JsonAsync()).GetProperty("dashboardId").GetGuid());
        // And a monitor cannot name another owner's dashboard.
        var (_, other) = await api.NewUserAsync();
        var refused = await other.PostJsonAsync("/api/v1/monitors", new { name = "x", query = new { source = "metrics", metrics = new[] { "cpu" } }, condition = "above", threshold = 80, dashboardId = kept });
        await refused.ProblemAsync(400, "dashboardId");
    }

    [Fact]
    public async Task AnEvaluationSavedAfterADashboardWasDeleted_KeepsTheUnlink()
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "metrics", kind = "timeseries" })).StatusCode);
        async Task PointAsync(int minutesAgo, double value)
        {
            var body = JsonSerializer.Serialize(new[] { new { timestamp = DateTime.UtcNow.AddMinutes(-minutesAgo).ToString("O"), metric = "cpu", value, tags = new { host = "a" } } });
            Assert.True((await client.PostAsync("/api/v1/sources/metrics/points", new StringContent(body, Encoding.UTF8, "application/json"))).IsSuccessStatusCode);
        }
        await PointAsync(10, 50);
        var dashboard = (await (await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug = "soon-gone", title = "Soon gone", layout = new { widgets = new[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 2, h = 1 } } },
        })).JsonAsync()).GetProperty("id").GetGuid();
        var created = await client.PostJsonAsync("/api/v1/monitors", new { name = "cpu", query = new { source = "metrics", metrics = new[] { "cpu" } }, condition = "above", threshold = 80, dashboardId = dashboard });
        var monitor = (await created.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal("ok", await api.ScalarAsync<string>($"SELECT data->>'state' FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", monitor));

        // A read has loaded the monitor and is evaluating it when the dashboard is deleted (and the monitor unlinked).
        await using var read = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var m = (await read.LoadAsync<ThresholdMonitor>(monitor))!;
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/dashboards/{dashboard}")).StatusCode);
        await PointAsync(1, 95);
        await LayoutSources.EvaluateAsync(read, api.Host.Services.GetRequiredService<SeriesExports>(), m, DateTimeOffset.UtcNow, CancellationToken.None);
        await read.SaveChangesAsync();

        // The evaluation is stored, and the unlink is not undone.
        Assert.Equal("alerting", await api.ScalarAsync<string>($"SELECT data->>'state' FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", monitor));
        Assert.Equal(95.0, await api.ScalarAsync<double>($"SELECT (data->>'value')::float8 FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", monitor));
        Assert.True(await api.ScalarAsync<bool>($"SELECT data->>'dashboardId' IS NULL FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", monitor));
    }

    [Fact]
    public async Task ALinkToADashboardThatNoLongerExists_IsShownAsNoLink()
    {
        var (client, gone, kept, onGone, onKept) = await TwoLinkedMonitorsAsync("a on gone", "b on kept");
        // A monitor created while its dashboard was being deleted: committed after the delete's unlink, it still names it.
        await using (var docs = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            docs.Delete<Dashboard>(gone);
            await docs.SaveChangesAsync();
        }
        Assert.Equal(gone, await api.ScalarAsync<Guid>($"SELECT (data->>'dashboardId')::uuid FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", onGone));

        var one = await (await client.GetAsync($"/api/v1/monitors/{onGone}")).JsonAsync();
        Assert.False(one.TryGetProperty("dashboardId", out var link) && link.ValueKind != JsonValueKind.Null, one.ToString());
        var list = (await (await client.GetAsync("/api/v1/monitors")).JsonAsync()).GetProperty("monitors").EnumerateArray().ToList();
        Assert.Equal(new[] { onGone, onKept }, list.Select(x => x.GetProperty("id").GetGuid()));
        Assert.False(list[0].TryGetProperty("dashboardId", out var listed) && listed.ValueKind != JsonValueKind.Null, list[0].ToString());
        Assert.Equal(kept, list[1].GetProperty("dashboardId").GetGuid());
        var export = await client.GetAsync($"/api/v1/monitors/{onGone}/export.png");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        // Only the monitor's own widgets: no dashboard is drawn below them.
        Assert.All(export.WidgetStatuses(), s => Assert.StartsWith("monitor-", s.GetProperty("id").GetString()));
    }
}
