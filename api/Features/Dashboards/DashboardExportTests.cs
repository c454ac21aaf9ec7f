using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Dashboards;

/// <summary>The seeded dashboards, monitor and alert through their export routes; public links and render tokens.</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardExportTests(ApiFixture api)
{
    [Fact]
    public async Task DemoDashboards_AreSeeded_AndTheOpsOverviewDrawsEveryWidget()
    {
        var list = await (await api.Demo().GetAsync("/api/v1/dashboards")).JsonAsync();
        Assert.Equal(["agent-commands", "ops-overview", "server-web-03"], list.GetProperty("dashboards").EnumerateArray().Select(d => d.GetProperty("slug").GetString()).Order());
        var r = await api.Demo().GetAsync("/api/v1/dashboards/ops-overview/export.png?theme=dark&scale=2");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var statuses = r.WidgetStatuses();
        Assert.True(statuses.Count >= 8);
        Assert.All(statuses, s => Assert.Equal("ok", s.GetProperty("status").GetString()));
        var (w, h, pixels) = CairoSurfaces.DecodePng(await r.Content.ReadAsByteArrayAsync());
        Assert.Equal(3200, w); // scale 2
        Assert.Equal(0x111217u, pixels[5 * w + 5] & 0xFFFFFF); // the dark theme's background
        Assert.True(h > 2000);
    }

    [Theory]
    [InlineData("server-web-03")]
    [InlineData("agent-commands")]
    public async Task EverySeededDashboard_DrawsWithoutAnError(string slug)
    {
        var r = await api.Demo().GetAsync($"/api/v1/dashboards/{slug}/export.png");
        Assert.All(r.WidgetStatuses(), s => Assert.Equal("ok", s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task RenderVerb_WritesThePdfFromTheCommandLine()
    {
        var dir = Directory.CreateTempSubdirectory("cli-render-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"), "render", "--dashboard", "ops-overview", "--format", "pdf",
                         "--out", Path.Combine(dir, "ops.pdf"), "--last", "12h", "--page", "Letter", "--orientation", "landscape" })
                psi.ArgumentList.Add(a);
            psi.Environment["EXPORTS_DB"] = api.ConnectionString;
            psi.Environment["EXPORTS_DATA_DIR"] = dir;
            using var p = Process.Start(psi)!;
            var stdout = await p.StandardOutput.ReadToEndAsync();
            var stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, stderr);
            Assert.Contains("cpu ok", stdout);
            var info = Tools.Run("pdfinfo", Path.Combine(dir, "ops.pdf"));
            Assert.Contains("Title:           Ops overview", info);
            Assert.Matches(@"Page size:\s+792 x 612 pts", info);
            Assert.False(File.Exists(Path.Combine(dir, "ops.pdf.partial")));

            psi.ArgumentList[3] = "no-such-dashboard";
            using var missing = Process.Start(psi)!;
            await missing.WaitForExitAsync();
            Assert.Equal(4, missing.ExitCode);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task RenderVerb_OnADatabaseNotYetUpgraded_SaysToStartTheServerOnce() =>
        await RenderOnAnOldDatabaseAsync("exports_cli_old", null);

    /// <summary>The database of the version just before: dashboards, monitors and alerts are documents already (their
    /// tables renamed), destinations are still in their table. Not this version's database until a server has started.</summary>
    [Fact]
    public async Task RenderVerb_OnADatabaseWhoseDestinationsAreNotYetDocuments_SaysToStartTheServerOnce() =>
        await RenderOnAnOldDatabaseAsync("exports_cli_old_destinations", $"""
            ALTER TABLE dashboards RENAME TO legacy_dashboards; ALTER TABLE monitors RENAME TO legacy_monitors; ALTER TABLE alerts RENAME TO legacy_alerts;
            CREATE SCHEMA {Exports.Host.Documents.Schema}; CREATE TABLE {Exports.Host.Documents.Schema}.mt_doc_dashboard (id uuid);
            CREATE TABLE {Exports.Host.Documents.Schema}.mt_doc_alert (id uuid); CREATE TABLE {Exports.Host.Documents.Schema}.mt_doc_monitor (id uuid)
            """);

    async Task RenderOnAnOldDatabaseAsync(string name, string? olderSteps)
    {
        // A database an older version made: EF's tables, no documents yet (the server moves them on its first start).
        var cs = TestPostgres.Database(name);
        await using (var migrate = Npgsql.NpgsqlDataSource.Create(cs))
            await Exports.Data.Migrator.RunAsync(migrate, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        // The demo user is there: the command gets as far as reading the dashboard.
        await using (var db = Npgsql.NpgsqlDataSource.Create(cs))
        {
            await using (var user = db.CreateCommand("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (gen_random_uuid(), 'demo@exports.local', 'Demo', 'x', now())"))
                await user.ExecuteNonQueryAsync();
            if (olderSteps is not null)
                await using (var steps = db.CreateCommand(olderSteps))
                    await steps.ExecuteNonQueryAsync();
        }
        var dir = Directory.CreateTempSubdirectory("cli-old-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"), "render", "--dashboard", "ops-overview", "--format", "pdf",
                         "--out", Path.Combine(dir, "ops.pdf") })
                psi.ArgumentList.Add(a);
            psi.Environment["EXPORTS_DB"] = cs;
            psi.Environment["EXPORTS_DATA_DIR"] = dir;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            await stdout;
            Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {stderr}");
            Assert.Contains("start the server once to upgrade the database", stderr);
            Assert.False(File.Exists(Path.Combine(dir, "ops.pdf")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task OpsOverviewPdf_PaginatesWithoutSplittingAWidget()
    {
        var r = await api.Demo().GetAsync("/api/v1/dashboards/ops-overview/export.pdf?page=A4&orientation=portrait");
        Assert.Equal("application/pdf", r.Content.Headers.ContentType?.MediaType);
        var pages = int.Parse(r.Headers.GetValues("Export-Pages").Single());
        Assert.True(pages >= 2, $"pages: {pages}");
        var path = Path.Combine(Path.GetTempPath(), $"ops-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        try
        {
            Assert.Matches($@"Pages:\s+{pages}\b", Tools.Run("pdfinfo", path));
            var perPage = Enumerable.Range(1, pages).Select(p => Tools.Run("pdftotext", "-f", p.ToString(), "-l", p.ToString(), "-layout", path, "-")).ToList();
            foreach (var title in new[] { "CPU by server", "Average CPU, all servers", "Memory, web servers", "Network in by region, hourly", "Load average", "CPU per server, hourly, last 60 minutes", "Network in, api-01" })
                Assert.Equal(1, perPage.Count(t => t.Contains(title)));
            for (var p = 0; p < pages; p++) Assert.Contains($"Page {p + 1} of {pages}", perPage[p]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task SingleWidget_MonitorAndAlert_Export()
    {
        var widget = await api.Demo().GetAsync("/api/v1/dashboards/ops-overview/widgets/cpu/export.png?last=6h");
        var (w, _, _) = CairoSurfaces.DecodePng(await widget.Content.ReadAsByteArrayAsync());
        Assert.Equal(1600, w);
        Assert.Equal(["cpu"], widget.WidgetStatuses().Select(s => s.GetProperty("id").GetString()));
        await (await api.Demo().GetAsync("/api/v1/dashboards/ops-overview/widgets/nope/export.png")).ProblemAsync(404);

        var monitors = await (await api.Demo().GetAsync("/api/v1/monitors")).JsonAsync();
        var monitor = monitors.GetProperty("monitors")[0];
        var monitorId = monitor.GetProperty("id").GetString();
        // The demo monitor (web-03 CPU above 80) is evaluated: its value is web-03's latest raw point, not a seeded one.
        var latest = await api.RowsAsync("""
            SELECT p.value, p.ts FROM points p JOIN series se ON se.id = p.series_id JOIN sources so ON so.id = se.source_id
            JOIN users u ON u.id = so.owner_id
            WHERE u.email = 'demo@exports.local' AND so.name = 'servers' AND se.metric = 'cpu_percent' AND se.tags->>'server' = 'web-03'
              AND p.value IS NOT NULL AND p.ts >= $1 AND p.ts < $2
            ORDER BY p.ts DESC LIMIT 1
            """, monitor.GetProperty("window").GetProperty("from").GetDateTimeOffset().UtcDateTime, monitor.GetProperty("window").GetProperty("to").GetDateTimeOffset().UtcDateTime);
        var expectedState = latest.Count == 0 ? "no-data" : (double)latest[0][0]! > 80 ? "alerting" : "ok";
        Assert.Equal(expectedState, monitor.GetProperty("state").GetString());
        if (latest.Count > 0) Assert.Equal((double)latest[0][0]!, monitor.GetProperty("value").GetDouble());
        var pdf = await api.Demo().GetAsync($"/api/v1/monitors/{monitorId}/export.pdf");
        var path = Path.Combine(Path.GetTempPath(), $"monitor-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await pdf.Content.ReadAsByteArrayAsync());
        try
        {
            var text = Tools.Run("pdftotext", "-layout", path, "-");
            Assert.Contains($"State: {expectedState.ToUpperInvariant()}", text);
            Assert.Contains("above 80", text);
            Assert.Contains("CPU, web-03", text); // the linked dashboard follows the status header
        }
        finally { File.Delete(path); }

        var alerts = await (await api.Demo().GetAsync("/api/v1/alerts")).JsonAsync();
        var alertId = alerts.GetProperty("alerts")[0].GetProperty("id").GetString();
        var alert = await api.Demo().GetAsync($"/api/v1/alerts/{alertId}/export.png");
        Assert.Equal(["alert:ok", "target-1:ok", "target-2:ok"], alert.WidgetStatuses().Select(s => $"{s.GetProperty("id").GetString()}:{s.GetProperty("status").GetString()}"));
    }

    [Fact]
    public async Task AnotherOwner_SeesNothing()
    {
        var (_, other) = await api.NewUserAsync();
        Assert.Equal(0, (await (await other.GetAsync("/api/v1/dashboards")).JsonAsync()).GetProperty("dashboards").GetArrayLength());
        await (await other.GetAsync("/api/v1/dashboards/ops-overview/export.png")).ProblemAsync(404);
        var demoDash = (await (await api.Demo().GetAsync("/api/v1/dashboards/ops-overview")).JsonAsync()).GetProperty("id").GetString();
        await (await other.GetAsync($"/api/v1/dashboards/{demoDash}")).ProblemAsync(404);
        await (await other.PostJsonAsync("/api/v1/render-tokens", new { kind = "dashboard", id = demoDash, format = "png" })).ProblemAsync(404);
    }

    [Fact]
    public async Task Crud_ValidatesTheLayout_AndExportsWhatWasSaved()
    {
        var (_, client) = await api.NewUserAsync();
        var bad = await (await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug = "mine", title = "Mine",
            layout = new { widgets = new object[] { new { id = "a", type = "text", text = "hi", x = 0, y = 0, w = 6, h = 2 }, new { id = "b", type = "text", text = "yo", x = 3, y = 1, w = 6, h = 2 } } },
        })).ProblemAsync(400, "layout.widgets[1].x");
        Assert.Contains("overlaps", bad.GetProperty("errors").GetProperty("layout.widgets[1].x")[0].GetString());
        var created = await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug = "mine", title = "Mine",
            layout = new { widgets = new object[] { new { id = "a", type = "text", title = "Hello", text = "**hi** there", x = 0, y = 0, w = 6, h = 2 } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await (await client.PostJsonAsync("/api/v1/dashboards", new { slug = "mine", title = "Again", layout = new { widgets = new object[] { new { id = "a", type = "text", text = "x", x = 0, y = 0, w = 1, h = 1 } } } })).ProblemAsync(409);
        var put = await client.PutAsync("/api/v1/dashboards/mine", JsonContent(new
        {
            title = "Mine, renamed", layout = new { widgets = new object[] { new { id = "z", type = "text", title = "Zed", text = "z", x = 0, y = 0, w = 12, h = 2 } } },
        }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var export = await client.GetAsync("/api/v1/dashboards/mine/export.pdf");
        Assert.Equal(["z"], export.WidgetStatuses().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/dashboards/mine")).StatusCode);
        await (await client.GetAsync("/api/v1/dashboards/mine")).ProblemAsync(404);
    }

    static StringContent JsonContent(object o) => new(JsonSerializer.Serialize(o), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task PublicLink_WorksWithoutSignIn_UntilRevoked()
    {
        var share = await (await api.Demo().PostAsync("/api/v1/dashboards/server-web-03/share", null)).JsonAsync();
        var url = share.GetProperty("png").GetString()!;
        var anonymous = api.CreateClient();
        var r = await anonymous.GetAsync(url + "?last=30d");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("image/png", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Demo().DeleteAsync("/api/v1/dashboards/server-web-03/share")).StatusCode);
        await (await anonymous.GetAsync(url)).ProblemAsync(404);
        await (await anonymous.GetAsync("/api/v1/dashboards/server-web-03/export.png")).ProblemAsync(401);
    }

    [Fact]
    public async Task RenderTokens_RenderWithoutASession_AndRefuseTamperedOrExpiredOnes()
    {
        var token = await (await api.Demo().PostJsonAsync("/api/v1/render-tokens", new { kind = "widget", id = "ops-overview", widgetId = "cpu", format = "pdf" })).JsonAsync();
        var anonymous = api.CreateClient();
        var ok = await anonymous.GetAsync(token.GetProperty("url").GetString());
        Assert.Equal("application/pdf", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["cpu"], ok.WidgetStatuses().Select(s => s.GetProperty("id").GetString()));
        var t = token.GetProperty("token").GetString()!;
        var tampered = t[..^6] + (t[^6] == 'A' ? 'B' : 'A') + t[^5..];
        var bad = await (await anonymous.GetAsync($"/api/v1/render/{tampered}")).ProblemAsync(401);
        Assert.Equal("The render token is not valid", bad.GetProperty("title").GetString());

        var owner = await api.ScalarAsync<Guid>("SELECT id FROM users WHERE email = 'demo@exports.local'");
        var protector = api.Host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("exports.render-tokens.v1").ToTimeLimitedDataProtector();
        var expiredPayload = JsonSerializer.Serialize(new { O = owner, K = "dashboard", I = "ops-overview", W = (string?)null, F = "png", E = DateTimeOffset.UtcNow.AddMinutes(-1) });
        var expired = protector.Protect(expiredPayload, DateTimeOffset.UtcNow.AddHours(1));
        var gone = await (await anonymous.GetAsync($"/api/v1/render/{expired}")).ProblemAsync(401);
        Assert.Equal("The render token has expired", gone.GetProperty("title").GetString());
    }
}
