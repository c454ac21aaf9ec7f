using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Marten;
using Npgsql;

namespace Exports.Demo;

/// <summary>The demo user's dashboards (ops overview, one server's detail, the agent-commands report), a threshold
/// monitor linked to the server dashboard and a fired alert: added once, also to databases seeded before they existed.</summary>
public static class DemoVisuals
{
    public static async Task EnsureAsync(NpgsqlDataSource db, IDocumentStore store, DateTimeOffset now, CancellationToken ct)
    {
        Guid owner;
        await using (var find = db.CreateCommand("SELECT id FROM users WHERE email = $1"))
        {
            find.Parameters.Add(new() { Value = DemoSeed.Email });
            if (await find.ExecuteScalarAsync(ct) is not Guid id) return;
            owner = id;
        }
        // Everything in one session, so one transaction: a failed seed leaves nothing and the next start seeds again.
        // Under the importer's advisory lock: a second node seeding at the same moment waits, then finds the seed there.
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LegacyImport.LockKey})", conn, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        await using var docs = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
        if (await docs.Query<Dashboard>().AnyAsync(d => d.OwnerId == owner, ct)) return;
        var ops = Add(docs, owner, "ops-overview", "Ops overview", "Ten servers at a glance, last 24 hours", Ops(), now);
        var detail = Add(docs, owner, "server-web-03", "Server web-03", "One server's metrics over a week (with its 3-hour gap)", Server("web-03"), now);
        Add(docs, owner, "agent-commands", "Agent commands", "What the deployment agents ran, last 7 days", Commands(), now);
        var cpu = new ExportRequest { Source = "servers", Metrics = ["cpu_percent"], Filter = Eq("server", "web-03") };
        var monitor = new ThresholdMonitor
        {
            Id = Guid.NewGuid(), OwnerId = owner, Name = "web-03 CPU above 80%", Query = JsonSerializer.Serialize(cpu, Adapters.Json),
            // No seeded state: every read and export evaluates the monitor from its query (MonitorEvaluation).
            Condition = "above", Threshold = 80, State = "no-data", Value = null, Since = now, DashboardId = detail.Id, CreatedAt = now,
        };
        docs.Insert(monitor);
        // The alert fired when the data says it did: the last time web-03's CPU rose above the monitor's 80.
        DateTime? fired;
        await using (var q = db.CreateCommand("""
            SELECT max(x.ts) FROM (
              SELECT p.ts, p.value, lag(p.value) OVER (PARTITION BY p.series_id ORDER BY p.ts) AS prev
              FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
              WHERE src.owner_id = $1 AND src.name = 'servers' AND s.metric = 'cpu_percent' AND s.tags->>'server' = 'web-03') x
            WHERE x.value > 80 AND x.prev <= 80
            """))
        {
            q.Parameters.Add(new() { Value = owner });
            fired = await q.ExecuteScalarAsync(ct) is DateTime t ? t : null;
        }
        if (fired is not null)
            docs.Insert(new Alert
            {
                Id = Guid.NewGuid(), OwnerId = owner, Title = "High CPU on web servers", Severity = "critical",
                FiredAt = new DateTimeOffset(DateTime.SpecifyKind(fired.Value, DateTimeKind.Utc)), MonitorId = monitor.Id,
                Targets = JsonSerializer.Serialize(new object[]
                {
                    new { title = "CPU, web servers", query = new ExportRequest { Source = "servers", Metrics = ["cpu_percent"], Filter = StartsWith("server", "web") }, threshold = 80 },
                    new { title = "Load average, web servers", query = new ExportRequest { Source = "servers", Metrics = ["load_avg"], Filter = StartsWith("server", "web") } },
                }, Adapters.Json),
                CreatedAt = now,
            });
        await docs.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    static Dashboard Add(IDocumentSession docs, Guid owner, string slug, string title, string description, ExportLayout layout, DateTimeOffset now)
    {
        var d = new Dashboard
        {
            Id = Guid.NewGuid(), OwnerId = owner, Slug = slug, Title = title, Description = description,
            Layout = JsonSerializer.Serialize(layout with { Title = title }, Adapters.Json), CreatedAt = now, UpdatedAt = now,
        };
        docs.Insert(d);
        return d;
    }

    static JsonElement Eq(string field, string value) => JsonSerializer.SerializeToElement(new { field, op = "eq", value });
    static JsonElement StartsWith(string field, string value) => JsonSerializer.SerializeToElement(new { field, op = "startsWith", value });
    static JsonElement Options(object o) => JsonSerializer.SerializeToElement(o, Adapters.Json);
    static object Thresholds(params (double Value, string Color)[] t) => t.Select(x => new { value = x.Value, color = x.Color }).ToArray();

    static WidgetRequest W(string id, string type, string title, int x, int y, int w, int h, ExportRequest? q = null, object? options = null, string? text = null) =>
        new() { Id = id, Type = type, Title = title, X = x, Y = y, W = w, H = h, Query = q, Options = options is null ? null : Options(options), Text = text };

    static ExportRequest Servers(string metric, JsonElement? filter = null, string? granularity = null, List<string>? groupBy = null, List<string>? aggregations = null) =>
        new() { Source = "servers", Metrics = [metric], Filter = filter, Granularity = granularity, GroupBy = groupBy, Aggregations = aggregations };

    public static ExportLayout Ops() => new()
    {
        Timeframe = new TimeframeSpec { Last = "24h" }, Timezone = "UTC",
        Widgets =
        [
            W("cpu", "line", "CPU by server", 0, 0, 8, 4, Servers("cpu_percent", granularity: "raw"), new { unit = "%", thresholds = Thresholds((80, "#e02f44")) }), // the CPU alert's and monitor's 80
            W("cpu-avg", "stat", "Average CPU, all servers", 8, 0, 4, 2, Servers("cpu_percent", granularity: "1h", aggregations: ["avg"]), new { unit = "%", reduce = "mean", combine = "all", thresholds = Thresholds((70, "#e0752d"), (85, "#e02f44")) }),
            W("disk-db", "gauge", "Disk used, db-01", 8, 2, 4, 2, Servers("disk_percent", Eq("server", "db-01"), "1h", aggregations: ["avg"]), new { unit = "%", thresholds = Thresholds((70, "#f2cc0c"), (85, "#e02f44")) }),
            W("mem-web", "area", "Memory, web servers", 0, 4, 6, 4, Servers("memory_percent", StartsWith("server", "web"), "raw"), new { unit = "%" }),
            W("net-region", "bar", "Network in by region, hourly", 6, 4, 6, 4, Servers("net_in_mbps", granularity: "1h", groupBy: ["region"], aggregations: ["avg"]), new { unit = "Mbit/s" }),
            W("load", "line", "Load average", 0, 8, 6, 4, Servers("load_avg", granularity: "raw")),
            W("busiest", "table", "CPU per server, hourly, last 60 minutes", 6, 8, 6, 4, Servers("cpu_percent", granularity: "1h", groupBy: ["server"], aggregations: ["avg", "max"]) with { Timeframe = new TimeframeSpec { Last = "1h" } }, new { decimals = 1, maxRows = 10 }),
            W("about", "text", "About", 0, 12, 4, 2, text: "## Ops overview\nTen servers, **one-minute** points.\n- Red dashes: the CPU alert line\n- Runbook: [wiki](https://example.com/runbook)"),
            W("net-api", "stat", "Network in, api-01", 4, 12, 4, 2, Servers("net_in_mbps", Eq("server", "api-01"), "raw"), new { unit = "Mbit/s" }),
            W("load-db", "stat", "Load, db-02", 8, 12, 4, 2, Servers("load_avg", Eq("server", "db-02"), "raw"), new { decimals = 2 }),
        ],
    };

    public static ExportLayout Server(string server) => new()
    {
        Timeframe = new TimeframeSpec { Last = "7d" }, Timezone = "UTC",
        Widgets =
        [
            W("cpu", "line", $"CPU, {server}", 0, 0, 12, 4, Servers("cpu_percent", Eq("server", server), "15m", aggregations: ["avg"]), new { unit = "%", thresholds = Thresholds((80, "#e02f44")) }),
            W("mem", "area", $"Memory, {server}", 0, 4, 6, 4, Servers("memory_percent", Eq("server", server), "15m", aggregations: ["avg"]), new { unit = "%" }),
            W("net", "line", $"Network in, {server}", 6, 4, 6, 4, Servers("net_in_mbps", Eq("server", server), "15m", aggregations: ["avg", "max"]), new { unit = "Mbit/s" }),
            W("disk", "gauge", "Disk used", 0, 8, 4, 3, Servers("disk_percent", Eq("server", server), "1h", aggregations: ["avg"]), new { unit = "%", thresholds = Thresholds((70, "#f2cc0c"), (85, "#e02f44")) }),
            W("load", "stat", "Load average", 4, 8, 4, 3, Servers("load_avg", Eq("server", server), "1h", aggregations: ["avg"]), new { decimals = 2 }),
            W("notes", "text", "Notes", 8, 8, 4, 3, text: $"**{server}**: where its agent sent nothing, the charts show a gap instead of drawing across it."),
        ],
    };

    public static ExportLayout Commands() => new()
    {
        Timeframe = new TimeframeSpec { Last = "7d" }, Timezone = "UTC",
        Widgets =
        [
            W("per-day", "bar", "Commands per day by status", 0, 0, 8, 4,
                new ExportRequest { Source = "agent-commands", Granularity = "1d", GroupBy = ["status"], Aggregations = ["count"] }, new { stacked = true, colors = new[] { "#e02f44", "#56a64b", "#e0752d" } }),
            W("failed", "stat", "Failed commands this hour so far", 8, 0, 4, 2,
                new ExportRequest { Source = "agent-commands", Granularity = "1h", Aggregations = ["count"], Filter = Eq("status", "failed"), Timeframe = new TimeframeSpec { Last = "24h" } }, new { decimals = 0 }),
            W("note", "text", "About", 8, 2, 4, 2, text: "Commands run by the **deployment agents**.\n- Stacked bars: ok, failed, timeout"),
            W("duration", "line", "p95 duration by command, hourly", 0, 4, 12, 4,
                new ExportRequest { Source = "agent-commands", Fields = ["command", "duration_ms"], Granularity = "1h", GroupBy = ["command"], Aggregations = ["p95"] }, new { unit = "ms" }),
            // One bucket over the whole range needs a planner granularity that does not exist yet: weekly, said so.
            W("slowest", "table", "Command duration by week (count, p95, max)", 0, 8, 12, 4,
                new ExportRequest { Source = "agent-commands", Fields = ["command", "duration_ms"], Granularity = "1w", GroupBy = ["command"], Aggregations = ["count", "p95", "max"] }, new { decimals = 0, maxRows = 20 }),
        ],
    };
}
