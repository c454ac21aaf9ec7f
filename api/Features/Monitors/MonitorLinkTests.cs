using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Monitors;

/// <summary>A monitor's link to a dashboard: only to the caller's own, and gone when that dashboard is deleted (the
/// foreign key's ON DELETE SET NULL when both were tables; DeleteDashboard does it now that both are documents).</summary>
[Collection(ApiCollection.Name)]
public sealed class MonitorLinkTests(ApiFixture api)
{
    [Fact]
    public async Task DeletingTheLinkedDashboard_LeavesTheMonitorWithoutALink_AndOtherMonitorsLinked()
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
        var (onGone, onKept) = (await MonitorAsync("on gone", gone), await MonitorAsync("on kept", kept));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/dashboards/gone")).StatusCode);

        var m = await (await client.GetAsync($"/api/v1/monitors/{onGone}")).JsonAsync();
        Assert.False(m.TryGetProperty("dashboardId", out var link) && link.ValueKind != JsonValueKind.Null, m.ToString());
        Assert.Equal(kept, (await (await client.GetAsync($"/api/v1/monitors/{onKept}")).JsonAsync()).GetProperty("dashboardId").GetGuid());
        // And a monitor cannot name another owner's dashboard.
        var (_, other) = await api.NewUserAsync();
        var refused = await other.PostJsonAsync("/api/v1/monitors", new { name = "x", query = new { source = "metrics", metrics = new[] { "cpu" } }, condition = "above", threshold = 80, dashboardId = kept });
        await refused.ProblemAsync(400, "dashboardId");
    }
}
