using System.Globalization;
using System.Text;
using Exports.Data;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Demo;

/// <summary>
/// First-run demo data, deterministic for a given anchor time: 10 servers x 5 metrics at one-minute resolution
/// for 30 days (daily cycles, spikes, one gap) and 200,000 agent-command events. Loaded by binary COPY in one
/// transaction, so a crashed first start leaves nothing half-seeded.
/// </summary>
public static class DemoSeed
{
    public const string Email = "demo@exports.local";
    public const string Password = "demo-password";
    public static readonly string[] Servers = ["web-01", "web-02", "web-03", "web-04", "api-01", "api-02", "api-03", "db-01", "db-02", "cache-01"];
    public static readonly string[] Metrics = ["cpu_percent", "memory_percent", "disk_percent", "net_in_mbps", "load_avg"];
    public const int Days = 30;
    public const int Events = 200_000;

    public static async Task RunAsync(NpgsqlDataSource ds, ExportsSettings settings, ILogger log, DateTimeOffset now, CancellationToken ct)
    {
        await using (var seeded = ds.CreateCommand("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)"))
        {
            seeded.Parameters.Add(new NpgsqlParameter { Value = Email });
            if ((bool)(await seeded.ExecuteScalarAsync(ct))!) return;
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        var anchor = new DateTime(now.UtcDateTime.Ticks - now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var userId = Guid.NewGuid();
        var apiKey = settings.DemoApiKey ?? Secrets.NewApiKey();

        await using var conn = await ds.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The seed is one transaction that can simply run again if lost: no need to wait for its WAL flush (the
        // cluster itself stays durable: fsync and full-page writes on).
        await Exec(conn, "SET LOCAL synchronous_commit = off");
        await Exec(conn, "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, now())",
            userId, Email, "Demo User", Secrets.HashPassword(Password));
        await Exec(conn, "INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES ($1, $2, 'demo', $3, $4, now())",
            Guid.NewGuid(), userId, Secrets.KeyPrefix(apiKey), Secrets.HashApiKey(apiKey));

        var servers = Guid.NewGuid();
        var units = new SourceSchema { Units = new() { ["cpu_percent"] = "%", ["memory_percent"] = "%", ["disk_percent"] = "%", ["net_in_mbps"] = "Mbit/s", ["load_avg"] = "" } };
        await Exec(conn, "INSERT INTO sources (id, owner_id, name, kind, description, schema, created_at) VALUES ($1, $2, 'servers', 'timeseries', $3, $4::jsonb, now())",
            servers, userId, "Ten servers, five metrics, one-minute resolution", units.ToJson());
        var series = Servers.SelectMany(s => Metrics.Select(m => (m, (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
            { ["server"] = s, ["region"] = s.StartsWith("web") || s.StartsWith("cache") ? "eu-west" : "us-east" }))).ToList();
        var ids = await SeriesStore.EnsureSeriesAsync(conn, servers, series, ct);
        await CopyPointsAsync(conn, ids, anchor, ct);
        log.LogInformation("Seed: points copied at {S:0.0} s", started.Elapsed.TotalSeconds);
        await SeriesStore.RebuildRollupsAsync(conn, servers, ct);
        log.LogInformation("Seed: rollups at {S:0.0} s", started.Elapsed.TotalSeconds);

        var commands = Guid.NewGuid();
        var schema = RecordsSchema();
        await Exec(conn, "INSERT INTO sources (id, owner_id, name, kind, description, schema, created_at) VALUES ($1, $2, 'agent-commands', 'records', $3, $4::jsonb, now())",
            commands, userId, "Commands run by deployment agents", schema.ToJson());
        await CopyEventsAsync(conn, commands, anchor, ct);
        log.LogInformation("Seed: events at {S:0.0} s", started.Elapsed.TotalSeconds);
        await Exec(conn, "ANALYZE");
        await tx.CommitAsync(ct);
        log.LogInformation("Seeded demo data in {Seconds:0.0} s", started.Elapsed.TotalSeconds);
        Console.WriteLine($"Demo account: {Email} / {Password}");
        if (settings.DemoApiKey is null) Console.WriteLine($"Demo API key (shown once): {apiKey}");
    }

    static readonly string[] Agents = Enumerable.Range(1, 20).Select(i => $"agent-{i:00}").ToArray();
    static readonly string[] Commands = ["deploy", "backup", "restart", "healthcheck", "rotate-logs", "migrate", "scale", "sync"];
    static readonly double[] CommandMs = [42_000, 180_000, 8_000, 300, 1_500, 25_000, 12_000, 4_000];

    public static SourceSchema RecordsSchema() => new()
    {
        Fields =
        [
            new("agent", "dimension", "string", null),
            new("command", "dimension", "string", null),
            new("status", "dimension", "string", null),
            new("duration_ms", "measure", "double", "ms"),
            new("exit_code", "measure", "integer", null),
        ],
        Values = new() { ["agent"] = Agents.ToList(), ["command"] = Commands.Order().ToList(), ["status"] = ["failed", "ok", "timeout"] },
    };

    static async Task CopyPointsAsync(NpgsqlConnection conn, Dictionary<(string, string), long> ids, DateTime anchor, CancellationToken ct)
    {
        var rng = new Random(20261122);
        var start = anchor.AddDays(-Days);
        const int minutes = Days * 24 * 60;
        await using var imp = await conn.BeginBinaryImportAsync("COPY points (series_id, ts, value) FROM STDIN (FORMAT BINARY)", ct);
        for (var si = 0; si < Servers.Length; si++)
        {
            var server = Servers[si];
            var tags = new Dictionary<string, string> { ["server"] = server, ["region"] = server.StartsWith("web") || server.StartsWith("cache") ? "eu-west" : "us-east" };
            var key = SeriesStore.TagsKey(tags);
            var seriesIds = Metrics.Select(m => ids[(m, key)]).ToArray();
            double baseCpu = 38 + si * 3, mem = 40 + si * 3, disk = 30 + si * 5;
            var spikeLeft = 0;
            for (var i = 0; i < minutes; i++)
            {
                var ts = start.AddMinutes(i);
                // A three-hour outage of web-03 five days ago: no points at all (a gap, not zeros).
                if (server == "web-03" && i >= minutes - 5 * 1440 && i < minutes - 5 * 1440 + 180) continue;
                var hour = ts.Hour + ts.Minute / 60.0;
                var daily = Math.Sin((hour - 8) / 24 * 2 * Math.PI);
                if (spikeLeft == 0 && rng.NextDouble() < 0.0008) spikeLeft = 5 + rng.Next(25);
                var spike = spikeLeft > 0 ? 35 + rng.NextDouble() * 15 : 0;
                if (spikeLeft > 0) spikeLeft--;
                var cpu = Math.Clamp(baseCpu + 18 * daily + spike + Noise(rng) * 4, 0, 100);
                mem = Math.Clamp(mem + Noise(rng) * 0.15 + (i % 1440 == 0 ? -5 : 0.004), 10, 98);
                disk = Math.Min(99, disk + 0.0004 + Math.Max(0, Noise(rng)) * 0.001);
                var net = Math.Max(0, 120 + 90 * daily + spike * 6 + Noise(rng) * 15 + si * 10);
                var load = Math.Max(0, cpu / 22 + Noise(rng) * 0.2);
                ReadOnlySpan<double> values = [Math.Round(cpu, 2), Math.Round(mem, 2), Math.Round(disk, 3), Math.Round(net, 2), Math.Round(load, 3)];
                for (var m = 0; m < Metrics.Length; m++)
                {
                    imp.StartRow();
                    imp.Write(seriesIds[m], NpgsqlDbType.Bigint);
                    imp.Write(ts, NpgsqlDbType.TimestampTz);
                    imp.Write(values[m], NpgsqlDbType.Double);
                }
            }
        }
        await imp.CompleteAsync(ct);
    }

    static double Noise(Random rng) => (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 1.2;

    static async Task CopyEventsAsync(NpgsqlConnection conn, Guid source, DateTime anchor, CancellationToken ct)
    {
        var rng = new Random(7);
        var span = TimeSpan.FromDays(Days).Ticks;
        var start = anchor.AddDays(-Days);
        var json = new StringBuilder();
        await using var imp = await conn.BeginBinaryImportAsync("COPY records (source_id, key, ts, data) FROM STDIN (FORMAT BINARY)", ct);
        for (var i = 0; i < Events; i++)
        {
            var ts = start.AddTicks((long)((i + rng.NextDouble()) / Events * span));
            ts = new DateTime(ts.Ticks - ts.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
            var c = rng.Next(Commands.Length);
            var roll = rng.NextDouble();
            var status = roll < 0.9 ? "ok" : roll < 0.97 ? "failed" : "timeout";
            var duration = Math.Round(CommandMs[c] * Math.Exp(Noise(rng)) * (status == "timeout" ? 4 : 1), 1);
            var exit = status == "ok" ? 0 : status == "timeout" ? 124 : 1 + rng.Next(126);
            json.Clear().Append("{\"agent\":\"").Append(Agents[rng.Next(Agents.Length)])
                .Append("\",\"command\":\"").Append(Commands[c]).Append("\",\"status\":\"").Append(status)
                .Append("\",\"duration_ms\":").Append(duration.ToString(CultureInfo.InvariantCulture))
                .Append(",\"exit_code\":").Append(exit).Append('}');
            imp.StartRow();
            imp.Write(source, NpgsqlDbType.Uuid);
            imp.Write($"cmd-{i:000000}", NpgsqlDbType.Text);
            imp.Write(ts, NpgsqlDbType.TimestampTz);
            imp.Write(json.ToString(), NpgsqlDbType.Jsonb);
        }
        await imp.CompleteAsync(ct);
    }

    static async Task Exec(NpgsqlConnection conn, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
