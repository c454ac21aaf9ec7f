using System.Globalization;
using System.Net;
using Exports.Host;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Alerts;

/// <summary>Instants in documents are kept to the microsecond, as timestamptz kept them: what the API reads back equals
/// the indexed column, whatever precision the client sent.</summary>
[Collection(ApiCollection.Name)]
public sealed class AlertTimeTests(ApiFixture api)
{
    [Fact]
    public async Task FiredAt_IsKeptToTheMicrosecond_AndEqualsTheColumn()
    {
        var (_, client) = await api.NewUserAsync();
        var created = await client.PostJsonAsync("/api/v1/alerts", new
        {
            title = "precise", severity = "info", firedAt = "2026-11-21T08:30:15.1234567Z",
            targets = new[] { new { query = new { source = "servers", metrics = new[] { "cpu_percent" } } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();

        var read = await (await client.GetAsync($"/api/v1/alerts/{id}")).JsonAsync();
        var firedAt = read.GetProperty("firedAt").GetDateTimeOffset();
        var column = await api.ScalarAsync<DateTime>($"SELECT fired_at FROM {Documents.Schema}.mt_doc_alert WHERE id = $1", id);
        Assert.Equal(DateTimeOffset.Parse("2026-11-21T08:30:15.123456Z", CultureInfo.InvariantCulture), firedAt);
        Assert.Equal(new DateTimeOffset(DateTime.SpecifyKind(column, DateTimeKind.Utc)), firedAt);
        var listed = (await (await client.GetAsync("/api/v1/alerts")).JsonAsync()).GetProperty("alerts")[0];
        Assert.Equal(firedAt, listed.GetProperty("firedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task DashboardTimes_ReadBack_ToTheMicrosecond()
    {
        var (_, client) = await api.NewUserAsync();
        var created = await client.PostJsonAsync("/api/v1/dashboards", new { slug = "times", title = "Times", layout = new { widgets = new[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 2, h = 1 } } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var read = await (await client.GetAsync($"/api/v1/dashboards/{id}")).JsonAsync();
        var stored = await api.ScalarAsync<string>($"SELECT data->>'createdAt' FROM {Documents.Schema}.mt_doc_dashboard WHERE id = $1", id);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|\+00:00)$", stored);
        foreach (var name in new[] { "createdAt", "updatedAt" })
            Assert.Equal(0, read.GetProperty(name).GetDateTimeOffset().Ticks % 10);
        Assert.Equal(DateTimeOffset.Parse(stored, CultureInfo.InvariantCulture), read.GetProperty("createdAt").GetDateTimeOffset());
    }
}
