using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alba;
using Exports.Data;
using Exports.Delivery;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Exports.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exports.Tests.Host;

/// <summary>A database made by the version before documents (its EF migrations, rows written by SQL) is opened by this
/// version: every dashboard, monitor and alert comes back through the API with every field, the old tables are kept as
/// legacy_*, and a second start imports nothing again.</summary>
[Collection(ApiCollection.Name)]
public sealed class UpgradeInPlaceTests(ApiFixture api)
{
    static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 30, 15, TimeSpan.Zero);

    [Fact]
    public async Task RowsOfTheEfTables_BecomeDocuments_OnceAndWithEveryField()
    {
        var cs = await OldDatabaseAsync("exports_upgrade");
        await using var db = NpgsqlDataSource.Create(cs);
        var owner = Guid.NewGuid();
        var other = Guid.NewGuid();
        var key = await UserAsync(db, owner);
        var otherKey = await UserAsync(db, other);
        var (dashboard, plain) = (Guid.NewGuid(), Guid.NewGuid());
        const string token = "shr_upgrade-test-token";
        const string layout = """{"title": "Web", "widgets": [{"id": "t", "type": "text", "text": "**kept**", "x": 0, "y": 0, "w": 4, "h": 2}]}""";
        var (hot, quiet, fired, bare) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        const string query = """{"source": "servers", "metrics": ["cpu_percent"], "filter": {"field": "server", "op": "eq", "value": "web-03"}}""";
        const string targets = """[{"title": "CPU", "query": {"source": "servers", "metrics": ["cpu_percent"]}, "threshold": 80}, {"title": "Load", "query": {"source": "servers", "metrics": ["load_avg"]}}]""";
        await ExecAsync(db, """
            INSERT INTO dashboards (id, owner_id, slug, title, description, layout, share_hash, shared_at, created_at, updated_at)
            VALUES ($1, $2, 'web', 'Web', 'The web tier', $3::jsonb, $4, $5, $6, $7),
                   ($8, $2, 'plain', 'Plain', '', '{"widgets": []}', NULL, NULL, $6, $6)
            """, dashboard, owner, layout, Convert.ToHexString(Secrets.HashApiKey(token)), T0.AddHours(-1), T0.AddDays(-9), T0.AddDays(-2), plain);
        await ExecAsync(db, """
            INSERT INTO monitors (id, owner_id, name, query, condition, threshold, state, value, since, dashboard_id, created_at)
            VALUES ($1, $2, 'web-03 CPU', $3::jsonb, 'above', 80.5, 'alerting', 93.25, $4, $5, $6),
                   ($7, $2, 'quiet disk', '{"source": "servers", "metrics": ["disk"]}', 'below', -2, 'no-data', NULL, $4, NULL, $6)
            """, hot, owner, query, T0.AddMinutes(-5), dashboard, T0.AddDays(-3), quiet);
        await ExecAsync(db, """
            INSERT INTO alerts (id, owner_id, title, severity, fired_at, monitor_id, targets, created_at)
            VALUES ($1, $2, 'High CPU', 'critical', $3, $4, $5::jsonb, $6),
                   ($7, $8, 'Someone else''s', 'info', $3, NULL, '[{"title": "x", "query": {"source": "s", "metrics": ["m"]}}]', $6)
            """, fired, owner, T0.AddMinutes(-4), hot, targets, T0.AddMinutes(-1), bare, other);

        await using (var host = await StartAsync(cs, "upgrade-a"))
        {
            // Fields the API does not show (the last evaluation, creation times) straight from the documents, before any
            // read re-evaluates the monitor.
            await using (var docs = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession())
            {
                var m = (await docs.LoadAsync<ThresholdMonitor>(hot))!;
                Assert.Equal((owner, "alerting", (double?)93.25, T0.AddMinutes(-5), T0.AddDays(-3)), (m.OwnerId, m.State, m.Value, m.Since, m.CreatedAt));
                var q = (await docs.LoadAsync<ThresholdMonitor>(quiet))!;
                Assert.Equal(("no-data", (double?)null, (Guid?)null), (q.State, q.Value, q.DashboardId));
                var d = (await docs.LoadAsync<Dashboard>(dashboard))!;
                Assert.Equal((owner, T0.AddHours(-1)), (d.OwnerId, d.SharedAt));
                var a = (await docs.LoadAsync<Alert>(fired))!;
                Assert.Equal((owner, T0.AddMinutes(-1)), (a.OwnerId, a.CreatedAt));
            }
            using var client = Client(host, key);
            var dash = await (await client.GetAsync("/api/v1/dashboards/web")).JsonAsync();
            Assert.Equal(dashboard, dash.GetProperty("id").GetGuid());
            Assert.Equal(("web", "Web", "The web tier", true), (dash.GetProperty("slug").GetString(), dash.GetProperty("title").GetString(),
                dash.GetProperty("description").GetString(), dash.GetProperty("shared").GetBoolean()));
            Assert.Equal((T0.AddDays(-9), T0.AddDays(-2)), (dash.GetProperty("createdAt").GetDateTimeOffset(), dash.GetProperty("updatedAt").GetDateTimeOffset()));
            var widget = dash.GetProperty("layout").GetProperty("widgets")[0];
            Assert.Equal(("t", "**kept**", 4), (widget.GetProperty("id").GetString(), widget.GetProperty("text").GetString(), widget.GetProperty("w").GetInt32()));
            var dashboards = await (await client.GetAsync("/api/v1/dashboards")).JsonAsync();
            Assert.Equal(new[] { ("plain", false), ("web", true) }, dashboards.GetProperty("dashboards").EnumerateArray()
                .Select(x => (x.GetProperty("slug").GetString(), x.GetProperty("shared").GetBoolean())));
            // The share link's hash came along: the token given out before the upgrade still opens the dashboard.
            var shared = await host.Server.CreateClient().GetAsync($"/api/v1/public/dashboards/{token}/export.png");
            Assert.Equal(System.Net.HttpStatusCode.OK, shared.StatusCode);
            Assert.Equal("image/png", shared.Content.Headers.ContentType?.MediaType);
            await (await Client(host, otherKey).GetAsync("/api/v1/dashboards/web")).ProblemAsync(404);
            var alert = await (await client.GetAsync($"/api/v1/alerts/{fired}")).JsonAsync();
            Assert.Equal("High CPU", alert.GetProperty("title").GetString());
            Assert.Equal("critical", alert.GetProperty("severity").GetString());
            Assert.Equal(T0.AddMinutes(-4), alert.GetProperty("firedAt").GetDateTimeOffset());
            Assert.Equal(hot, alert.GetProperty("monitorId").GetGuid());
            var t = alert.GetProperty("targets");
            Assert.Equal(new[] { "CPU", "Load" }, t.EnumerateArray().Select(x => x.GetProperty("title").GetString()));
            Assert.Equal(80, t[0].GetProperty("threshold").GetDouble());
            Assert.Equal("load_avg", t[1].GetProperty("query").GetProperty("metrics")[0].GetString());
            var list = await (await client.GetAsync("/api/v1/alerts")).JsonAsync();
            Assert.Equal(new[] { fired }, list.GetProperty("alerts").EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));

            var monitor = await (await client.GetAsync($"/api/v1/monitors/{hot}")).JsonAsync();
            Assert.Equal("web-03 CPU", monitor.GetProperty("name").GetString());
            Assert.Equal("above", monitor.GetProperty("condition").GetString());
            Assert.Equal(80.5, monitor.GetProperty("threshold").GetDouble());
            Assert.Equal(dashboard, monitor.GetProperty("dashboardId").GetGuid());
            var mq = monitor.GetProperty("query");
            Assert.Equal("servers", mq.GetProperty("source").GetString());
            Assert.Equal("cpu_percent", mq.GetProperty("metrics")[0].GetString());
            Assert.Equal("web-03", mq.GetProperty("filter").GetProperty("value").GetString());
            // Evaluated now: this database has no source "servers", and the stored state follows the evaluation.
            Assert.Equal("error", monitor.GetProperty("state").GetString());
            var monitors = await (await client.GetAsync("/api/v1/monitors")).JsonAsync();
            Assert.Equal(new[] { quiet, hot }, monitors.GetProperty("monitors").EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));
            var q2 = monitors.GetProperty("monitors")[0];
            Assert.Equal(("below", -2.0), (q2.GetProperty("condition").GetString(), q2.GetProperty("threshold").GetDouble()));
            Assert.False(q2.TryGetProperty("dashboardId", out var none) && none.ValueKind != JsonValueKind.Null);

            // The other owner sees only their own alert, and not this owner's.
            using var otherClient = Client(host, otherKey);
            Assert.Equal(new[] { bare }, (await (await otherClient.GetAsync("/api/v1/alerts")).JsonAsync()).GetProperty("alerts").EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));
            await (await otherClient.GetAsync($"/api/v1/alerts/{fired}")).ProblemAsync(404);
            await (await otherClient.GetAsync($"/api/v1/monitors/{hot}")).ProblemAsync(404);

            // A new alert after the upgrade, to tell an import from a second one.
            var created = await client.PostJsonAsync("/api/v1/alerts", new
            {
                title = "after", severity = "info", firedAt = "2026-11-21T00:00:00Z", monitorId = hot,
                targets = new[] { new { query = new { source = "servers", metrics = new[] { "cpu_percent" } } } },
            });
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
        Assert.Equal((false, false, true, true), await TablesAsync(db));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_alerts"));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_dashboards"));

        // Second start: nothing left to import. The documents are as the first run left them (the monitor keeps the
        // state its evaluation stored, not the legacy row's), and no document is doubled.
        await using (var host = await StartAsync(cs, "upgrade-b"))
        {
            Assert.Equal(3L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_alert"));
            Assert.Equal(2L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_monitor"));
            Assert.Equal(2L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_dashboard"));
            Assert.Equal("error", await ScalarAsync<string>(db, $"SELECT data->>'state' FROM {Documents.Schema}.mt_doc_monitor WHERE id = $1", hot));
            using var client = Client(host, key);
            var titles = (await (await client.GetAsync("/api/v1/alerts")).JsonAsync()).GetProperty("alerts").EnumerateArray().Select(x => x.GetProperty("title").GetString());
            Assert.Equal(new[] { "after", "High CPU" }, titles);
        }
        Assert.Equal((false, false, true, true), await TablesAsync(db));
    }

    [Fact]
    public async Task AFreshDatabase_KeepsNoEfTableForDocuments()
    {
        // The fixture's database was made by this version: EF made the tables, the importer found them empty and renamed them.
        Assert.Equal((false, false, true, true), await TablesAsync(api.Db));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_alerts"));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_monitors"));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_dashboards"));
        Assert.False(await ScalarAsync<bool>(api.Db, "SELECT to_regclass('public.templates') IS NOT NULL OR to_regclass('public.template_versions') IS NOT NULL"));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_template_versions"));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_schedules"));
        Assert.Equal(0L, await ScalarAsync<long>(api.Db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.schedule_runs'::regclass"));
        // A template's name unique per owner whatever its case, as the EF table's (owner_id, lower(name)).
        var templateUnique = (await api.RowsAsync($"SELECT indexdef FROM pg_indexes WHERE schemaname = '{Documents.Schema}' AND tablename = 'mt_doc_template' AND indexdef LIKE 'CREATE UNIQUE%'"))
            .Select(r => (string)r[0]!).ToList();
        Assert.Contains(templateUnique, d => d.Contains("(owner_id, name_key)"));
        // The uniqueness the EF table enforced: a slug per owner, a share hash where set.
        var unique = (await api.RowsAsync($"SELECT indexdef FROM pg_indexes WHERE schemaname = '{Documents.Schema}' AND tablename = 'mt_doc_dashboard' AND indexdef LIKE 'CREATE UNIQUE%'"))
            .Select(r => (string)r[0]!).ToList();
        Assert.Contains(unique, d => d.Contains("(owner_id, slug)"));
        Assert.Contains(unique, d => d.Contains("(share_hash)") && d.Contains("WHERE (share_hash IS NOT NULL)"));
        // The alert list's index, as the EF table had it: one owner's alerts newest first.
        var alertIndexes = (await api.RowsAsync($"SELECT indexdef FROM pg_indexes WHERE schemaname = '{Documents.Schema}' AND tablename = 'mt_doc_alert'"))
            .Select(r => (string)r[0]!).ToList();
        Assert.True(alertIndexes.Any(d => d.Contains("(owner_id, fired_at DESC)")), string.Join("\n", alertIndexes));
        // Destinations: the table renamed, and a name unique per owner whatever its case (the table's (owner_id, lower(name))).
        Assert.Equal((false, 0L), (await ScalarAsync<bool>(api.Db, "SELECT to_regclass('public.destinations') IS NOT NULL"),
            await ScalarAsync<long>(api.Db, "SELECT count(*) FROM legacy_destinations")));
        var destinationIndexes = (await api.RowsAsync($"SELECT indexdef FROM pg_indexes WHERE schemaname = '{Documents.Schema}' AND tablename = 'mt_doc_destination' AND indexdef LIKE 'CREATE UNIQUE%'"))
            .Select(r => (string)r[0]!).ToList();
        Assert.True(destinationIndexes.Any(d => d.Contains("(owner_id, name_key)")), string.Join("\n", destinationIndexes));
    }

    [Fact]
    public async Task AWriteOfAnOldNodeInFlight_IsWaitedFor_AndImported()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_inflight");
        await using var db = NpgsqlDataSource.Create(cs);
        var owner = Guid.NewGuid();
        var key = await UserAsync(db, owner);
        var late = Guid.NewGuid();
        // An old node's transaction writes an alert and has not committed when this version starts.
        await using var oldNode = await db.OpenConnectionAsync();
        await using var tx = await oldNode.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO alerts (id, owner_id, title, severity, fired_at, monitor_id, targets, created_at)
            VALUES ($1, $2, 'late', 'info', $3, NULL, '[]', $3)
            """, oldNode, tx))
        {
            insert.Parameters.Add(new() { Value = late });
            insert.Parameters.Add(new() { Value = owner });
            insert.Parameters.Add(new() { Value = T0 });
            await insert.ExecuteNonQueryAsync();
        }
        // Alba starts the host synchronously: on another thread, so this one can watch it wait.
        var starting = Task.Run(() => StartAsync(cs, "upgrade-inflight"));
        // The importer waits for the old node's transaction (a lock wait in this database) before it reads.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ScalarAsync<long>(db, "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The importer never waited for the old node's transaction.");
            Assert.False(starting.IsCompleted, $"The host started while the old node's write was still open: {starting.Exception}");
            await Task.Delay(100);
        }
        await tx.CommitAsync();
        await using var host = await starting;
        var alert = await (await Client(host, key).GetAsync($"/api/v1/alerts/{late}")).JsonAsync();
        Assert.Equal("late", alert.GetProperty("title").GetString());
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_alerts"));
    }

    [Fact]
    public async Task TwoNodesStartingTogether_ImportOnce()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_two");
        await using var db = NpgsqlDataSource.Create(cs);
        var owner = Guid.NewGuid();
        var key = await UserAsync(db, owner);
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids)
            await ExecAsync(db, "INSERT INTO alerts (id, owner_id, title, severity, fired_at, targets, created_at) VALUES ($1, $2, 'a', 'info', $3, '[]', $3)", id, owner, T0);
        // Two nodes of one cluster, started at the same moment (each on its own thread: Alba starts a host synchronously).
        using var go = new Barrier(2);
        Task<IAlbaHost> Node() => Task.Run(() => { go.SignalAndWait(); return StartAsync(cs, "upgrade-two"); });
        var hosts = await Task.WhenAll(Node(), Node());
        try
        {
            Assert.Equal(20L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_alert"));
            Assert.Equal(20L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_alerts"));
            Assert.Equal((false, false, true, true), await TablesAsync(db));
            foreach (var host in hosts)
            {
                var listed = (await (await Client(host, key).GetAsync("/api/v1/alerts")).JsonAsync()).GetProperty("alerts").EnumerateArray()
                    .Select(x => x.GetProperty("id").GetGuid()).Order();
                Assert.Equal(ids.Order(), listed);
            }
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    /// <summary>Destinations written by the version that kept them in a table, their secrets encrypted by its Data
    /// Protection key ring: each becomes a document with the same id, kind, config, secret payload and times; the API
    /// shows them as before (to their owner only), the name stays unique whatever its case, and an export delivers to
    /// the webhook after the upgrade, signed with the secret set before it (so the secret decrypted).</summary>
    [Fact]
    public async Task DestinationsWithSecrets_MadeBeforeTheUpgrade_StillDeliver()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_destinations");
        await using var db = NpgsqlDataSource.Create(cs);
        // The database of the version just before: dashboards, monitors and alerts moved already (their tables renamed),
        // destinations still in their table. The importer moves what is left, table by table.
        await ExecAsync(db, "ALTER TABLE dashboards RENAME TO legacy_dashboards; ALTER TABLE monitors RENAME TO legacy_monitors; ALTER TABLE alerts RENAME TO legacy_alerts");
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var key = await UserAsync(db, owner);
        var otherKey = await UserAsync(db, other);
        // The old version's key ring in the data directory, and its purpose for destination secrets.
        var dataDir = Directory.CreateTempSubdirectory("exports-upgrade-").FullName;
        var keyRing = new ServiceCollection();
        keyRing.AddDataProtection().SetApplicationName("exports").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        string ciphertext;
        const string secret = "whsec_made_before_the_upgrade_0123";
        await using (var old = keyRing.BuildServiceProvider())
            ciphertext = old.GetRequiredService<IDataProtectionProvider>().CreateProtector("exports.destinations.v1")
                .Protect(JsonSerializer.Serialize(new Dictionary<string, string> { ["signingSecret"] = secret }));
        // The webhook's receiver, bound before its URL is stored (a port found free can be taken before it is bound: the
        // listener binds on a fresh port until one holds).
        var (listener, port) = Listen("/hook/");
        using var _ = listener;
        var (hook, mail) = (Guid.NewGuid(), Guid.NewGuid());
        await ExecAsync(db, """
            INSERT INTO destinations (id, owner_id, name, kind, config, secrets, secret_names, created_at, updated_at)
            VALUES ($1, $2, 'Release hook', 'webhook', $3::jsonb, $4, ARRAY['signingSecret'], $5, $6),
                   ($7, $2, 'ops mail', 'email', '{"to": ["ops@example.com"], "subject": "{template} ready"}', NULL, '{}', $5, $5)
            """, hook, owner, $$"""{"url": "http://127.0.0.1:{{port}}/hook/"}""", ciphertext, T0.AddDays(-7), T0.AddDays(-1), mail);

        await using var host = await StartAsync(cs, "upgrade-destinations", dataDir);
        Assert.Equal((false, true), (await ScalarAsync<bool>(db, "SELECT to_regclass('public.destinations') IS NOT NULL"),
            await ScalarAsync<bool>(db, "SELECT to_regclass('public.legacy_destinations') IS NOT NULL")));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_destinations"));
        // No secret stays behind in the old table, where deleting the destination or changing its secret would not reach it.
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_destinations WHERE secrets IS NOT NULL"));
        // The payload is copied as it was, never decrypted and encrypted again.
        Assert.Equal(ciphertext, await ScalarAsync<string>(db, $"SELECT data->>'secrets' FROM {Documents.Schema}.mt_doc_destination WHERE id = $1", hook));
        using var client = Client(host, key);
        var list = (await (await client.GetAsync("/api/v1/destinations")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(new[] { (mail, "ops mail", "email"), (hook, "Release hook", "webhook") },
            list.Select(d => (d.GetProperty("id").GetGuid(), d.GetProperty("name").GetString(), d.GetProperty("kind").GetString())));
        var h = list[1];
        Assert.Equal(["signingSecret"], h.GetProperty("secrets").EnumerateArray().Select(x => x.GetString()));
        Assert.DoesNotContain(secret, h.GetRawText());
        Assert.Equal($"http://127.0.0.1:{port}/hook/", h.GetProperty("config").GetProperty("url").GetString());
        Assert.Equal((T0.AddDays(-7), T0.AddDays(-1)), (h.GetProperty("createdAt").GetDateTimeOffset(), h.GetProperty("updatedAt").GetDateTimeOffset()));
        var m = list[0];
        Assert.Empty(m.GetProperty("secrets").EnumerateArray());
        Assert.Equal(("ops@example.com", "{template} ready"), (m.GetProperty("config").GetProperty("to")[0].GetString(), m.GetProperty("config").GetProperty("subject").GetString()));
        await (await Client(host, otherKey).GetAsync($"/api/v1/destinations/{hook}")).ProblemAsync(404);
        await (await client.PostJsonAsync("/api/v1/destinations", new { name = "RELEASE HOOK", kind = "email", config = new { to = new[] { "x@example.com" } } })).ProblemAsync(409);

        // An export delivered to the imported webhook: signed with the secret stored before the upgrade.
        var received = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            using var reader = new StreamReader(ctx.Request.InputStream);
            var got = (Body: await reader.ReadToEndAsync(), Signature: ctx.Request.Headers["Exports-Signature"]!);
            ctx.Response.StatusCode = 204;
            ctx.Response.Close();
            return got;
        });
        var envelope = JsonSerializer.SerializeToNode(JobTestKit.TextLayout())!.AsObject();
        envelope["delivery"] = JsonSerializer.SerializeToNode(new { destinations = new[] { hook } });
        var job = await JobTestKit.CompletedAsync(client, (await JobTestKit.SubmitAsync(client, envelope)).GetProperty("id").GetString()!);
        var (body, signature) = await received.WaitAsync(TimeSpan.FromSeconds(60));
        var parts = signature.Split(',').Select(x => x.Split('=', 2)).ToDictionary(x => x[0], x => x[1]);
        Assert.Equal(WebhookChannel.Sign(secret, long.Parse(parts["t"]), body), parts["v1"]);
        Assert.Equal(job.GetProperty("id").GetString(), JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("exportId").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement delivery;
        while ((delivery = (await (await client.GetAsync($"/api/v1/exports/{job.GetProperty("id").GetString()}/deliveries")).JsonAsync())).GetArrayLength() != 1
               || delivery[0].GetProperty("status").GetString() != "delivered")
        {
            Assert.True(DateTime.UtcNow < deadline, $"The delivery was not recorded: {delivery}");
            await Task.Delay(100);
        }
        Assert.Equal((hook, "Release hook"), (delivery[0].GetProperty("destinationId").GetGuid(), delivery[0].GetProperty("destinationName").GetString()));
    }

    /// <summary>Names unique in the old table but not once keyed as documents key them: the table's index was PostgreSQL's
    /// <c>lower(name)</c>, which follows the database's locale (here the C collation, which lowers ASCII letters only), the
    /// documents' key is the invariant lower case. The import keeps the oldest of each clash as it is (created_at, then
    /// id) and renames the others with the first free " (n)"; the node starts, and a second start imports nothing.</summary>
    [Fact]
    public async Task DestinationNamesThatCollideOnlyInTheNewKey_AreRenamed_AndTheNodeStarts()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_destination_names");
        await using var db = NpgsqlDataSource.Create(cs);
        await ExecAsync(db, """DROP INDEX destinations_owner_name; CREATE UNIQUE INDEX destinations_owner_name ON destinations (owner_id, lower(name COLLATE "C"))""");
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var key = await UserAsync(db, owner);
        var otherKey = await UserAsync(db, other);
        var (upper, lower, taken, theirs) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        // Created at the same instant: the smaller id keeps its name.
        var (zoeFirst, zoeSecond) = (Guid.Parse("00000000-0000-0000-0000-00000000000a"), Guid.Parse("ffffffff-0000-0000-0000-000000000000"));
        var longName = new string('x', 98) + "Ö";
        var (longFirst, longSecond) = (Guid.NewGuid(), Guid.NewGuid());
        await ExecAsync(db, """
            INSERT INTO destinations (id, owner_id, name, kind, config, secrets, secret_names, created_at, updated_at) VALUES
                ($1, $2, 'Ärzte', 'email', '{"to": ["a@example.com"]}', 'payload-upper', ARRAY['x'], $3, $3),
                ($4, $2, 'ärzte', 'email', '{"to": ["b@example.com"]}', NULL, '{}', $5, $5),
                ($6, $2, 'Ärzte (2)', 'email', '{"to": ["c@example.com"]}', NULL, '{}', $7, $7),
                ($8, $9, 'ärzte', 'email', '{"to": ["d@example.com"]}', NULL, '{}', $3, $3),
                ($10, $2, 'ZOË', 'email', '{"to": ["e@example.com"]}', NULL, '{}', $7, $7),
                ($11, $2, 'Zoë', 'email', '{"to": ["f@example.com"]}', NULL, '{}', $7, $7),
                ($12, $2, $13, 'email', '{"to": ["g@example.com"]}', NULL, '{}', $3, $3),
                ($14, $2, $15, 'email', '{"to": ["h@example.com"]}', NULL, '{}', $7, $7)
            """, upper, owner, T0.AddDays(-2), lower, T0.AddDays(-3), taken, T0.AddDays(-1), theirs, other, zoeSecond, zoeFirst,
            longFirst, longName, longSecond, longName.ToLowerInvariant());
        Assert.Equal(8L, await ScalarAsync<long>(db, "SELECT count(*) FROM destinations"));

        await using (var host = await StartAsync(cs, "upgrade-destination-names"))
        {
            using var client = Client(host, key);
            async Task<(string?, string?)> NameAndToAsync(Guid id)
            {
                var d = await (await client.GetAsync($"/api/v1/destinations/{id}")).JsonAsync();
                return (d.GetProperty("name").GetString(), d.GetProperty("config").GetProperty("to")[0].GetString());
            }
            // The oldest keeps its name; "Ärzte (2)" is taken (by a name of its own), so the next one is " (3)".
            Assert.Equal(("ärzte", "b@example.com"), await NameAndToAsync(lower));
            Assert.Equal(("Ärzte (3)", "a@example.com"), await NameAndToAsync(upper));
            Assert.Equal(("Ärzte (2)", "c@example.com"), await NameAndToAsync(taken));
            Assert.Equal(("Zoë", "f@example.com"), await NameAndToAsync(zoeFirst));
            Assert.Equal(("ZOË (2)", "e@example.com"), await NameAndToAsync(zoeSecond));
            // Still within the 100 characters a name may have.
            Assert.Equal((longName, "g@example.com"), await NameAndToAsync(longFirst));
            Assert.Equal((new string('x', 96) + " (2)", "h@example.com"), await NameAndToAsync(longSecond));
            var names = (await (await client.GetAsync("/api/v1/destinations")).JsonAsync()).EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();
            Assert.Equal(7, names.Count);
            Assert.Equal(7, names.Select(n => StoredDestination.Key(n!)).Distinct().Count());
            // Another owner's name is theirs: not renamed.
            var mine = await (await Client(host, otherKey).GetAsync($"/api/v1/destinations/{theirs}")).JsonAsync();
            Assert.Equal("ärzte", mine.GetProperty("name").GetString());
            // The renamed ones are what they were otherwise: the secret payload copied, the times kept.
            Assert.Equal("payload-upper", await ScalarAsync<string>(db, $"SELECT data->>'secrets' FROM {Documents.Schema}.mt_doc_destination WHERE id = $1", upper));
            Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_destinations WHERE secrets IS NOT NULL"));
        }
        Assert.Equal(8L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination"));
        await using (var again = await StartAsync(cs, "upgrade-destination-names-b"))
            Assert.Equal(8L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination"));
    }

    /// <summary>An HTTP listener on a free loopback port, bound: a port found free may be taken before it is bound, so
    /// it binds again on a fresh port until one holds.</summary>
    static (HttpListener Listener, int Port) Listen(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = TestPorts.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}{path}");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 20) { listener.Close(); }
        }
    }

    static readonly string Request24h = Request("24h", "{template}-{date:yyyyMMdd}"), Request7d = Request("7d", "{template}-weekly"), Request1h = Request("1h", "{template}");

    static string Request(string last, string filename) =>
        $$$"""{"kind": "series", "format": "csv", "series": {"source": "servers", "metrics": ["cpu_percent"], "granularity": "1h", "timeframe": {"last": "{{{last}}}"}, "filename": "{{{filename}}}"}}""";

    [Fact]
    public async Task TemplatesWithTheirVersions_BecomeStreams_EveryVersionReadsBackAsItWas()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_templates");
        await using var db = NpgsqlDataSource.Create(cs);
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var key = await UserAsync(db, owner);
        var otherKey = await UserAsync(db, other);
        var (cpu, theirs, schedule) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        // Three versions of one template (two in template_versions, the current one in templates), one of another owner.
        await ExecAsync(db, """
            INSERT INTO templates (id, owner_id, name, description, request, version, created_at, updated_at)
            VALUES ($1, $2, 'CPU weekly', 'Now weekly', $3::jsonb, 3, $4, $5), ($6, $7, 'Theirs', '', $8::jsonb, 1, $4, $4)
            """, cpu, owner, Request7d, T0.AddDays(-10), T0.AddDays(-1).AddTicks(1230), theirs, other, Request1h);
        await ExecAsync(db, """
            INSERT INTO template_versions (template_id, version, name, description, request, created_at)
            VALUES ($1, 1, 'CPU daily', 'The first', $2::jsonb, $3), ($1, 2, 'CPU hourly', '', $4::jsonb, $5)
            """, cpu, Request24h, T0.AddDays(-10), Request1h, T0.AddDays(-5));
        // A schedule of the template (its spec as JSON, as the old version stored it) with a run in schedule_runs, which stays.
        await ExecAsync(db, """
            INSERT INTO schedules (id, owner_id, template_id, name, spec, cron, timezone, active, created_at, updated_at)
            VALUES ($1, $2, $3, 'Mondays', $4::jsonb, '0 0 9 ? * MON', 'Europe/Berlin', false, $5, $6)
            """, schedule, owner, cpu,
            $$$"""{"templateId":"{{{cpu}}}","frequency":{"every":"weekly","time":"09:00","days":["MON"]},"timezone":"Europe/Berlin","active":false,"window":"08:00-18:00","startAt":"2026-12-01T00:00:00+00:00","retry":{"attempts":5,"backoff":"linear"}}""",
            T0.AddDays(-2), T0.AddDays(-2).AddTicks(450));
        await ExecAsync(db, """
            INSERT INTO schedule_runs (id, schedule_id, owner_id, export_id, trigger, scheduled_for, started_at, status, error)
            VALUES ($1, $2, $3, NULL, 'cron', $4, $4, 'refused', 'quota')
            """, Guid.NewGuid(), schedule, owner, T0.AddDays(-1));

        await using (var host = await StartAsync(cs, "upgrade-templates"))
        {
            using var client = Client(host, key);
            var t = await (await client.GetAsync($"/api/v1/templates/{cpu}")).JsonAsync();
            Assert.Equal(("CPU weekly", "Now weekly", 3), (t.GetProperty("name").GetString(), t.GetProperty("description").GetString(), t.GetProperty("version").GetInt32()));
            Assert.Equal((T0.AddDays(-10), T0.AddDays(-1).AddTicks(1230)), (t.GetProperty("createdAt").GetDateTimeOffset(), t.GetProperty("updatedAt").GetDateTimeOffset()));
            Assert.Equal("7d", t.GetProperty("request").GetProperty("series").GetProperty("timeframe").GetProperty("last").GetString());
            Assert.Equal(new[] { (3, T0.AddDays(-1).AddTicks(1230)), (2, T0.AddDays(-5)), (1, T0.AddDays(-10)) },
                t.GetProperty("versions").EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("savedAt").GetDateTimeOffset())));
            // Every version as the old version answered it: its own body, the template's creation, the time it was saved.
            var expected = new[]
            {
                (1, "CPU daily", "The first", "24h", "{template}-{date:yyyyMMdd}", T0.AddDays(-10)),
                (2, "CPU hourly", "", "1h", "{template}", T0.AddDays(-5)),
                (3, "CPU weekly", "Now weekly", "7d", "{template}-weekly", T0.AddDays(-1).AddTicks(1230)),
            };
            foreach (var (n, name, description, last, filename, savedAt) in expected)
            {
                var v = await (await client.GetAsync($"/api/v1/templates/{cpu}/versions/{n}")).JsonAsync();
                var series = v.GetProperty("request").GetProperty("series");
                Assert.Equal((cpu, n, name, description, last, filename), (v.GetProperty("id").GetGuid(), v.GetProperty("version").GetInt32(), v.GetProperty("name").GetString(),
                    v.GetProperty("description").GetString(), series.GetProperty("timeframe").GetProperty("last").GetString(), series.GetProperty("filename").GetString()));
                Assert.Equal((T0.AddDays(-10), savedAt), (v.GetProperty("createdAt").GetDateTimeOffset(), v.GetProperty("updatedAt").GetDateTimeOffset()));
            }
            await (await client.GetAsync($"/api/v1/templates/{cpu}/versions/4")).ProblemAsync(404);
            Assert.Equal(new[] { cpu }, (await (await client.GetAsync("/api/v1/templates?q=weekly")).JsonAsync()).EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));
            await (await client.GetAsync($"/api/v1/templates/{theirs}")).ProblemAsync(404);
            using var otherClient = Client(host, otherKey);
            Assert.Equal(new[] { theirs }, (await (await otherClient.GetAsync("/api/v1/templates")).JsonAsync()).EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));
            await (await otherClient.GetAsync($"/api/v1/templates/{cpu}/versions/1")).ProblemAsync(404);
            // The name stays taken whatever its case (this database has no source "servers": edits save a text layout);
            // the schedule and its run are still there.
            await (await client.PostJsonAsync("/api/v1/templates", new { name = "cpu WEEKLY", request = JobTestKit.TextLayout() })).ProblemAsync(409);
            var s = await (await client.GetAsync($"/api/v1/schedules/{schedule}")).JsonAsync();
            Assert.Equal(("Mondays", cpu), (s.GetProperty("name").GetString(), s.GetProperty("templateId").GetGuid()));
            Assert.Equal(("0 0 9 ? * MON", "Europe/Berlin", false), (s.GetProperty("cron").GetString(), s.GetProperty("timezone").GetString(), s.GetProperty("active").GetBoolean()));
            Assert.Equal((T0.AddDays(-2), T0.AddDays(-2).AddTicks(450)), (s.GetProperty("createdAt").GetDateTimeOffset(), s.GetProperty("updatedAt").GetDateTimeOffset()));
            // The spec, now typed, reads back with every field (and the retry's defaults for the fields it left out).
            var spec = s.GetProperty("spec");
            Assert.Equal(("weekly", "09:00", "MON"), (spec.GetProperty("frequency").GetProperty("every").GetString(), spec.GetProperty("frequency").GetProperty("time").GetString(),
                spec.GetProperty("frequency").GetProperty("days")[0].GetString()));
            Assert.Equal(("08:00-18:00", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)), (spec.GetProperty("window").GetString(), spec.GetProperty("startAt").GetDateTimeOffset()));
            Assert.Equal("""{"attempts":5,"backoff":"linear","baseDelayMs":1000,"maxDelayMs":30000,"jitter":true}""", spec.GetProperty("retry").GetRawText());
            Assert.Equal(new[] { schedule }, (await (await client.GetAsync("/api/v1/schedules")).JsonAsync()).EnumerateArray().Select(x => x.GetProperty("id").GetGuid()));
            await (await otherClient.GetAsync($"/api/v1/schedules/{schedule}")).ProblemAsync(404);
            var runs = await (await client.GetAsync($"/api/v1/schedules/{schedule}/runs")).JsonAsync();
            Assert.Equal("refused", Assert.Single(runs.EnumerateArray()).GetProperty("status").GetString());
            // An edit after the upgrade is version 4; version 3 reads as the imported current version.
            var edited = await (await client.PutAsync($"/api/v1/templates/{cpu}", System.Net.Http.Json.JsonContent.Create(new { name = "CPU monthly", request = JobTestKit.TextLayout() }))).JsonAsync();
            Assert.Equal(4, edited.GetProperty("version").GetInt32());
            Assert.Equal("CPU weekly", (await (await client.GetAsync($"/api/v1/templates/{cpu}/versions/3")).JsonAsync()).GetProperty("name").GetString());
        }
        Assert.False(await ScalarAsync<bool>(db, "SELECT to_regclass('public.templates') IS NOT NULL OR to_regclass('public.template_versions') IS NOT NULL"));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_templates"));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_template_versions"));
        // schedule_runs no longer refers to the old table: a schedule or template deleted now takes its runs explicitly.
        Assert.False(await ScalarAsync<bool>(db, "SELECT to_regclass('public.schedules') IS NOT NULL"));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_schedules"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.schedule_runs'::regclass"));

        // Second start: nothing imported again (two streams, the events of the import and the edit).
        await using (var host = await StartAsync(cs, "upgrade-templates-b"))
        {
            Assert.Equal(2L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_template"));
            Assert.Equal(2L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_streams"));
            Assert.Equal(5L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_events"));
            Assert.Equal(1L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule"));
            using var client = Client(host, key);
            Assert.Equal(4, (await (await client.GetAsync($"/api/v1/templates/{cpu}")).JsonAsync()).GetProperty("version").GetInt32());
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/templates/{cpu}")).StatusCode);
            await (await client.GetAsync($"/api/v1/schedules/{schedule}")).ProblemAsync(404);
            Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", schedule));
        }
    }

    [Fact]
    public async Task TemplateNamesThatCollideOnlyInTheNewKey_AreRenamed_AndAnUnreadableScheduleStaysBehind_TheNodeStarts()
    {
        var cs = await OldDatabaseAsync("exports_upgrade_template_names");
        await using var db = NpgsqlDataSource.Create(cs);
        // A database whose lower() left "Ä" as it was (as a C locale does): "Ärzte" and "ärzte" were two names there.
        await ExecAsync(db, """DROP INDEX templates_owner_name; CREATE UNIQUE INDEX templates_owner_name ON templates (owner_id, lower(name COLLATE "C"))""");
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var key = await UserAsync(db, owner);
        var otherKey = await UserAsync(db, other);
        var (upper, lower, theirs) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await ExecAsync(db, """
            INSERT INTO templates (id, owner_id, name, description, request, version, created_at, updated_at) VALUES
                ($1, $2, 'Ärzte', 'the oldest', $3::jsonb, 1, $4, $4),
                ($5, $2, 'ärzte', 'the newer', $3::jsonb, 2, $6, $7),
                ($8, $9, 'ärzte', 'another owner''s', $3::jsonb, 1, $6, $6)
            """, upper, owner, Request1h, T0.AddDays(-3), lower, T0.AddDays(-2), T0.AddDays(-1), theirs, other);
        await ExecAsync(db, "INSERT INTO template_versions (template_id, version, name, description, request, created_at) VALUES ($1, 1, 'Erste', '', $2::jsonb, $3)",
            lower, Request24h, T0.AddDays(-2));
        // A schedule saved before its dates were checked (startAt in the year 9999), and one whose spec this version
        // cannot read at all (a startAt that is no date).
        var (farOff, unreadable) = (Guid.NewGuid(), Guid.NewGuid());
        var badSpec = $$$"""{"templateId":"{{{upper}}}","cron":"0 0 9 * * ?","timezone":"UTC","startAt":"next tuesday"}""";
        await ExecAsync(db, """
            INSERT INTO schedules (id, owner_id, template_id, name, spec, cron, timezone, active, created_at, updated_at) VALUES
                ($1, $2, $3, 'Far off', $4::jsonb, '0 0 9 * * ?', 'UTC', true, $5, $5),
                ($6, $2, $3, 'Unreadable', $7::jsonb, '0 0 9 * * ?', 'UTC', true, $5, $5)
            """, farOff, owner, upper, $$$"""{"templateId":"{{{upper}}}","cron":"0 0 9 * * ?","timezone":"UTC","startAt":"9999-12-31T00:00:00+00:00"}""",
            T0.AddDays(-1), unreadable, badSpec);

        await using (var host = await StartAsync(cs, "upgrade-template-names"))
        {
            using var client = Client(host, key);
            async Task<JsonElement> Get(string path) => await (await client.GetAsync(path)).JsonAsync();
            // The oldest keeps its name; the later one's current version is renamed, its earlier version keeps its own name.
            var (u, l) = (await Get($"/api/v1/templates/{upper}"), await Get($"/api/v1/templates/{lower}"));
            Assert.Equal(("Ärzte", "the oldest", 1), (u.GetProperty("name").GetString(), u.GetProperty("description").GetString(), u.GetProperty("version").GetInt32()));
            Assert.Equal(("ärzte (2)", "the newer", 2), (l.GetProperty("name").GetString(), l.GetProperty("description").GetString(), l.GetProperty("version").GetInt32()));
            Assert.Equal((T0.AddDays(-2), T0.AddDays(-1)), (l.GetProperty("createdAt").GetDateTimeOffset(), l.GetProperty("updatedAt").GetDateTimeOffset()));
            Assert.Equal("Erste", (await Get($"/api/v1/templates/{lower}/versions/1")).GetProperty("name").GetString());
            Assert.Equal("ärzte (2)", (await Get($"/api/v1/templates/{lower}/versions/2")).GetProperty("name").GetString());
            // Another owner's name is theirs: not renamed. The name stays taken whatever its case.
            Assert.Equal("ärzte", (await (await Client(host, otherKey).GetAsync($"/api/v1/templates/{theirs}")).JsonAsync()).GetProperty("name").GetString());
            await (await client.PostJsonAsync("/api/v1/templates", new { name = "ÄRZTE", request = JobTestKit.TextLayout() })).ProblemAsync(409);
            // The far-off schedule is imported (no fire time to show); the unreadable one is not, and nothing else was held up by it.
            var far = await Get($"/api/v1/schedules/{farOff}");
            Assert.Equal(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), far.GetProperty("spec").GetProperty("startAt").GetDateTimeOffset());
            var list = (await Get("/api/v1/schedules")).EnumerateArray().ToList();
            Assert.Equal(new[] { farOff }, list.Select(x => x.GetProperty("id").GetGuid()));
            Assert.Empty(list[0].GetProperty("nextRuns").EnumerateArray());
            await (await client.GetAsync($"/api/v1/schedules/{unreadable}")).ProblemAsync(404);
        }
        // The unreadable row stays in legacy_schedules as it was, for an operator; the tables were renamed all the same.
        Assert.False(await ScalarAsync<bool>(db, "SELECT to_regclass('public.schedules') IS NOT NULL OR to_regclass('public.templates') IS NOT NULL"));
        Assert.Equal("next tuesday", await ScalarAsync<string>(db, "SELECT spec->>'startAt' FROM legacy_schedules WHERE id = $1", unreadable));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM legacy_schedules"));
        // A second start imports nothing again (and starts).
        await using (var again = await StartAsync(cs, "upgrade-template-names-b"))
        {
            Assert.Equal(3L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_template"));
            Assert.Equal(1L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule"));
        }
    }

    /// <summary>A new database with the schema of the version before documents: this version's migrations for every
    /// other table, and the three tables exactly as they were (<c>Upgrade/legacy-0009.sql</c>, a checked-in snapshot).</summary>
    static async Task<string> OldDatabaseAsync(string name)
    {
        var cs = TestPostgres.Database(name);
        await using var db = NpgsqlDataSource.Create(cs);
        await Migrator.RunAsync(db, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        // CASCADE also drops schedule_runs' foreign key on schedules; the snapshot puts it back as it was.
        await ExecAsync(db, "DROP TABLE IF EXISTS alerts, monitors, dashboards, schedules, template_versions, templates CASCADE");
        await ExecAsync(db, await File.ReadAllTextAsync(Path.Combine(NodeReaders.Root, "tests", "Exports.Tests", "Host", "Upgrade", "legacy-0009.sql")));
        await ExecAsync(db, "DROP TABLE IF EXISTS destinations CASCADE");
        await ExecAsync(db, await File.ReadAllTextAsync(Path.Combine(NodeReaders.Root, "tests", "Exports.Tests", "Host", "Upgrade", "legacy-0009-destinations.sql")));
        return cs;
    }

    /// <summary>Whether any of alerts, monitors and dashboards is still in public, and whether all three legacy_* are.</summary>
    static async Task<(bool, bool, bool, bool)> TablesAsync(NpgsqlDataSource db) => (
        await ScalarAsync<bool>(db, "SELECT to_regclass('public.alerts') IS NOT NULL OR to_regclass('public.dashboards') IS NOT NULL"),
        await ScalarAsync<bool>(db, "SELECT to_regclass('public.monitors') IS NOT NULL"),
        await ScalarAsync<bool>(db, "SELECT to_regclass('public.legacy_alerts') IS NOT NULL AND to_regclass('public.legacy_dashboards') IS NOT NULL"),
        await ScalarAsync<bool>(db, "SELECT to_regclass('public.legacy_monitors') IS NOT NULL"));

    /// <summary>This version on <paramref name="cs"/>, in this process: its own Quartz and Wolverine names, no demo seed.
    /// The settings are the host's own (no process-wide environment variable changes), so two can start at once. Its
    /// data directory (artifacts, Data Protection keys) is <paramref name="dataDir"/>, or a new one.</summary>
    static Task<IAlbaHost> StartAsync(string cs, string cluster, string? dataDir = null) => AlbaHost.For<Program>(b =>
    {
        b.UseSetting("EXPORTS_DB", cs);
        b.UseSetting("EXPORTS_SEED", "false");
        b.UseSetting("EXPORTS_SCHEDULER_NAME", cluster);
        b.UseSetting("EXPORTS_DATA_DIR", dataDir ?? Directory.CreateTempSubdirectory("exports-upgrade-").FullName);
    });

    static HttpClient Client(IAlbaHost host, string key)
    {
        var c = host.Server.CreateClient();
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return c;
    }

    static async Task<string> UserAsync(NpgsqlDataSource db, Guid id)
    {
        var key = Secrets.NewApiKey();
        await ExecAsync(db, "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'Upgrade', $3, now())",
            id, $"user-{id:N}@test.local", Secrets.HashPassword("secret-password"));
        await ExecAsync(db, "INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES ($1, $2, 'test', $3, $4, now())",
            Guid.NewGuid(), id, Secrets.KeyPrefix(key), Secrets.HashApiKey(key));
        return key;
    }

    static async Task ExecAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
