using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Dashboards;

/// <summary>The alert export marks the fire time (read from the alerts table) on every target's chart.</summary>
[Collection(ApiCollection.Name)]
public sealed class AlertExportTests(ApiFixture api)
{
    [Fact]
    public async Task AlertPdf_MarksTheFireTime_OnEveryTargetsChart()
    {
        var alerts = await (await api.Demo().GetAsync("/api/v1/alerts")).JsonAsync();
        var alert = alerts.GetProperty("alerts")[0];
        var id = Guid.Parse(alert.GetProperty("id").GetString()!);
        var fired = await api.ScalarAsync<DateTime>("SELECT fired_at FROM alerts WHERE id = $1", id);
        var targets = await api.ScalarAsync<int>("SELECT jsonb_array_length(targets) FROM alerts WHERE id = $1", id);
        var r = await api.Demo().GetAsync($"/api/v1/alerts/{id}/export.pdf");
        Assert.Equal("application/pdf", r.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(Path.GetTempPath(), $"alert-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        try
        {
            var text = Tools.Run("pdftotext", path, "-");
            var label = $"fired {fired.ToUniversalTime():HH:mm} UTC";
            Assert.Equal(targets, text.Split(label).Length - 1);
        }
        finally { File.Delete(path); }
    }
}
