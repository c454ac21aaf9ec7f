using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Series;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exports.Tests.Series;

/// <summary>The live log (Series/LiveLog): what an ingest into a source with a live consumer writes, in its own
/// transaction, checked against SQL on the stored rows.</summary>
[Collection(ApiCollection.Name)]
public sealed class LiveLogTests(ApiFixture api)
{
    LiveLog Log => api.Host.Services.GetRequiredService<LiveLog>();

    static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    async Task<(Guid Owner, Guid Source, HttpClient Client)> SourceAsync(string kind = "timeseries", bool consumer = true)
    {
        var (owner, client) = await api.NewUserAsync();
        var r = kind == "timeseries"
            ? await client.PostJsonAsync("/api/v1/sources", new { name = "live", kind })
            : await client.PostJsonAsync("/api/v1/sources", new
            {
                name = "live", kind,
                fields = new object[] { new { name = "job", role = "dimension", type = "string" }, new { name = "ms", role = "measure", type = "double" } },
            });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var source = await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = 'live'", owner);
        if (consumer) await TokenAsync(owner, source, "now() + interval '1 day'", revoked: false);
        return (owner, source, client);
    }

    /// <summary>A stream token row (the live consumer the streams slice creates), straight in SQL.</summary>
    async Task TokenAsync(Guid owner, Guid source, string expires, bool revoked)
    {
        await using var cmd = api.Db.CreateCommand($"""
            INSERT INTO stream_tokens (id, owner_id, source_id, name, prefix, hash, origins, created_at, expires_at, revoked_at)
            VALUES (gen_random_uuid(), $1, $2, 't', 'x', decode(md5(gen_random_uuid()::text), 'hex'), ARRAY[]::text[], now(), {expires},
                    {(revoked ? "now()" : "NULL")})
            """);
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = source });
        await cmd.ExecuteNonQueryAsync();
    }

    async Task<long> LiveSeqAsync(Guid source) => await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source);
    async Task<long> EventCountAsync(Guid source) => await api.ScalarAsync<long>("SELECT count(*) FROM live_events WHERE source_id = $1", source);

    static List<JsonElement> Rows(LiveEvent e) => JsonDocument.Parse(e.RowsJson).RootElement.EnumerateArray().Select(x => x.Clone()).ToList();

    [Fact]
    public async Task PointsIngest_WritesChunksOfAtMostChunkRows_InSeqOrder_WithTheStoredValues()
    {
        var (_, source, client) = await SourceAsync();
        var chunk = Log.ChunkRows;
        var n = chunk * 2 + 37;
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var sb = new StringBuilder("[");
        for (var i = 0; i < n; i++)
        {
            // Microseconds, tiny and huge values, a null value, two series.
            var ts = start.AddTicks(i * 10_000_010L);
            var value = (i % 5) switch { 0 => "0.1", 1 => "1e-300", 2 => "-2.5", 3 => "null", _ => (1.7976931348623157E+308 / (i + 1)).ToString("R", CultureInfo.InvariantCulture) };
            if (i > 0) sb.Append(',');
            sb.Append($$$"""{"timestamp":"{{{ts:yyyy-MM-ddTHH:mm:ss.ffffff}}}Z","metric":"m{{{i % 2}}}","value":{{{value}}},"tags":{"room":"r{{{i % 2}}}","ü":"x"}}""");
        }
        sb.Append(']');
        var r = await client.PostAsync("/api/v1/sources/live/points", Json(sb.ToString()));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());

        Assert.Equal(3, await LiveSeqAsync(source));
        var read = await Log.ReadAsync(source, 0, int.MaxValue, CancellationToken.None);
        Assert.Equal([1L, 2L, 3L], read.Events.Select(e => e.Seq));
        Assert.Equal([chunk, chunk, 37], read.Events.Select(e => e.RowCount));
        Assert.Equal(1, read.OldestRetained);
        Assert.Equal(3, read.LastSeq);

        // Every row equals what SQL says of the stored point, in (ts, metric, tags) order, none twice, none missing.
        var stored = await api.RowsAsync("""
            SELECT s.metric, s.tags::text, to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p.value
            FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = $1 ORDER BY p.ts, s.metric, s.tags_key
            """, source);
        var live = read.Events.SelectMany(Rows).ToList();
        Assert.Equal(n, stored.Count);
        Assert.Equal(n, live.Count);
        for (var i = 0; i < n; i++)
        {
            var (row, db) = (live[i], stored[i]);
            Assert.Equal((string)db[0]!, row.GetProperty("metric").GetString());
            Assert.Equal(JsonDocument.Parse((string)db[1]!).RootElement.GetRawText().Replace(" ", ""), row.GetProperty("tags").GetRawText().Replace(" ", ""));
            Assert.Equal((string)db[2]!, row.GetProperty("ts").GetString());
            if (db[3] is null) Assert.Equal(JsonValueKind.Null, row.GetProperty("value").ValueKind);
            else Assert.Equal((double)db[3]!, row.GetProperty("value").GetDouble());
        }
        Assert.Contains(live, x => x.GetProperty("ts").GetString()!.EndsWith(".000010Z", StringComparison.Ordinal)); // microseconds kept
        // A read with a row budget takes whole events, at least one.
        Assert.Equal([2L], (await Log.ReadAsync(source, 1, 1, CancellationToken.None)).Events.Select(e => e.Seq));
        Assert.Equal([2L, 3L], (await Log.ReadAsync(source, 1, chunk + 1, CancellationToken.None)).Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task ReIngestOfTheSameRows_WritesNothing_AndAChangedValue_IsOneEventOfThatRow()
    {
        var (_, source, client) = await SourceAsync();
        var body = """[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":1},{"timestamp":"2026-03-01T10:01:00Z","metric":"t","value":2}]""";
        Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json(body))).IsSuccessStatusCode);
        Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json(body))).IsSuccessStatusCode);
        Assert.Equal(1, await LiveSeqAsync(source));
        Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json(body.Replace("\"value\":2", "\"value\":2.25")))).IsSuccessStatusCode);
        var read = await Log.ReadAsync(source, 1, 100, CancellationToken.None);
        var e = Assert.Single(read.Events);
        Assert.Equal(2, e.Seq);
        var row = Assert.Single(Rows(e));
        Assert.Equal("2026-03-01T10:01:00.000000Z", row.GetProperty("ts").GetString());
        Assert.Equal(2.25, row.GetProperty("value").GetDouble());
        Assert.Equal(2.25, await api.ScalarAsync<double>("SELECT p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = $1 AND p.ts = '2026-03-01T10:01:00Z'", source));
    }

    [Fact]
    public async Task RecordsIngest_WritesTheRecordsAsStored_WithTheirIds()
    {
        var (_, source, client) = await SourceAsync("records");
        var body = """[{"timestamp":"2026-03-01T10:00:00.123456Z","id":"a","job":"x","ms":1.5},{"timestamp":"2026-03-01T10:00:01Z","job":"y","ms":-0.001}]""";
        var r = await client.PostAsync("/api/v1/sources/live/records", Json(body));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var e = Assert.Single((await Log.ReadAsync(source, 0, 100, CancellationToken.None)).Events);
        var stored = await api.RowsAsync("SELECT key, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), data::text FROM records WHERE source_id = $1 ORDER BY ts, key", source);
        var rows = Rows(e);
        Assert.Equal(2, rows.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal((string)stored[i][0]!, rows[i].GetProperty("id").GetString());
            Assert.Equal((string)stored[i][1]!, rows[i].GetProperty("timestamp").GetString());
            var data = JsonDocument.Parse((string)stored[i][2]!).RootElement;
            foreach (var p in data.EnumerateObject()) Assert.Equal(p.Value.GetRawText(), rows[i].GetProperty(p.Name).GetRawText());
            Assert.Equal(data.EnumerateObject().Count() + 2, rows[i].EnumerateObject().Count());
        }
        Assert.Equal("a", rows[0].GetProperty("id").GetString());
        Assert.Equal("2026-03-01T10:00:00.123456Z", rows[0].GetProperty("timestamp").GetString());
        Assert.Equal(-0.001, rows[1].GetProperty("ms").GetDouble());
        Assert.StartsWith("h:", rows[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task RejectedIngest_WritesNothing()
    {
        var (_, source, client) = await SourceAsync();
        // The first row is good and staged; the second is refused: the whole batch rolls back, the live log with it.
        var body = """[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":1},{"timestamp":"2026-03-01T10:01:00Z","metric":"t","value":"x"}]""";
        await (await client.PostAsync("/api/v1/sources/live/points", Json(body))).ProblemAsync(400, "rows[1].value");
        Assert.Equal(0, await LiveSeqAsync(source));
        Assert.Equal(0, await EventCountAsync(source));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM series WHERE source_id = $1", source));
    }

    [Fact]
    public async Task RolledBackTransaction_WithTheLiveStatement_LeavesNoEventAndNoSeq()
    {
        var (_, source, _) = await SourceAsync("records");
        await using var conn = await api.Db.OpenConnectionAsync();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await AppendRecordAsync(conn, source, "k1");
            Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT live_seq FROM sources WHERE id = $1", source));
            await tx.RollbackAsync();
        }
        Assert.Equal(0, await LiveSeqAsync(source));
        Assert.Equal(0, await EventCountAsync(source));
    }

    [Fact]
    public async Task NoConsumer_RevokedOrExpiredToken_WritesNothing_ButTheRowsLand()
    {
        var (owner, source, client) = await SourceAsync(consumer: false);
        await TokenAsync(owner, source, "now() + interval '1 day'", revoked: true);
        await TokenAsync(owner, source, "now() - interval '1 second'", revoked: false);
        var r = await client.PostAsync("/api/v1/sources/live/points", Json("""[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":1}]"""));
        Assert.True(r.IsSuccessStatusCode);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = $1", source));
        Assert.Equal(0, await LiveSeqAsync(source));
        Assert.Equal(0, await EventCountAsync(source));
    }

    [Fact]
    public async Task ConcurrentAppends_GetSeqsInCommitOrder()
    {
        var (_, source, _) = await SourceAsync("records");
        await using var a = await api.Db.OpenConnectionAsync();
        await using var b = await api.Db.OpenConnectionAsync();
        await using var ta = await a.BeginTransactionAsync();
        await using var tb = await b.BeginTransactionAsync();
        await AppendRecordAsync(a, source, "first");
        var bPid = b.ProcessID;
        var second = AppendRecordAsync(b, source, "second");
        // B waits on A's row lock on the source until A commits (polled with a deadline, no sleep).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await api.ScalarAsync<bool>("SELECT coalesce((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1), false)", bPid))
        {
            Assert.False(second.IsCompleted, "the second append did not wait for the first");
            Assert.True(DateTime.UtcNow < deadline, "the second append never waited on the lock");
            await Task.Delay(20);
        }
        await ta.CommitAsync();
        await second;
        await tb.CommitAsync();
        var seqs = await api.RowsAsync("SELECT seq, rows->0->>'id' FROM live_events WHERE source_id = $1 ORDER BY seq", source);
        Assert.Equal([1L, 2L], seqs.Select(x => (long)x[0]!));
        Assert.Equal(["first", "second"], seqs.Select(x => (string)x[1]!));
    }

    [Fact]
    public async Task ParallelIngests_GetContiguousSeqs_EveryRowOnce()
    {
        var (_, source, client) = await SourceAsync();
        var posts = Enumerable.Range(0, 3).Select(k => client.PostAsync("/api/v1/sources/live/points",
            Json($$"""[{"timestamp":"2026-03-01T10:00:00Z","metric":"m{{k}}","value":{{k}}},{"timestamp":"2026-03-01T10:01:00Z","metric":"m{{k}}","value":{{k + 0.5}}}]"""))).ToList();
        foreach (var r in await Task.WhenAll(posts)) Assert.True(r.IsSuccessStatusCode);
        var read = await Log.ReadAsync(source, 0, int.MaxValue, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 3).Select(i => (long)i), read.Events.Select(e => e.Seq));
        var rows = read.Events.SelectMany(Rows).Select(x => (x.GetProperty("metric").GetString(), x.GetProperty("value").GetDouble())).OrderBy(x => x).ToList();
        Assert.Equal(Enumerable.Range(0, 3).SelectMany(k => new[] { ($"m{k}", (double)k), ($"m{k}", k + 0.5) }).OrderBy(x => x), rows);
        // Each event holds one ingest's rows (one series each here).
        Assert.All(read.Events, e => Assert.Single(Rows(e).Select(x => x.GetProperty("metric").GetString()).Distinct()));
    }

    [Fact]
    public async Task Signal_WakesASubscriberOfTheSource_WhenAnIngestCommits()
    {
        var (_, source, client) = await SourceAsync();
        var signals = api.Host.Services.GetRequiredService<LiveSignals>();
        await signals.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        using var sub = signals.Subscribe(source);
        using var other = signals.Subscribe(Guid.NewGuid());
        Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json("""[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":1}]"""))).IsSuccessStatusCode);
        Assert.True(await sub.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await other.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Sweep_DeletesEventsPastRetention_AndReadsReportTheOldestRetained()
    {
        var (_, source, client) = await SourceAsync();
        for (var i = 0; i < 3; i++)
            Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json($$"""[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":{{i}}}]"""))).IsSuccessStatusCode);
        await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '2 hours' WHERE source_id = $1 AND seq <= 2"))
        {
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.True(await Log.SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None) >= 2);
        var read = await Log.ReadAsync(source, 0, 100, CancellationToken.None);
        Assert.Equal(3, read.OldestRetained);
        Assert.Equal(3, read.LastSeq);
        Assert.Equal([3L], read.Events.Select(e => e.Seq));
        Assert.Equal(2.0, Rows(read.Events[0])[0].GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Sweep_DeletesOldestFirstPerSource_NeverPastARetainedSeq_SoNoHole()
    {
        var (_, source, client) = await SourceAsync();
        for (var i = 0; i < 4; i++)
            Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json($$"""[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":{{i}}}]"""))).IsSuccessStatusCode);
        // Seqs 1, 3 and 4 past retention, 2 not: only 1 may go (deleting 3 and 4 would leave 2 retained before a hole).
        await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '2 hours' WHERE source_id = $1 AND seq <> 2"))
        {
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        await Log.SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        Assert.Equal([2L, 3L, 4L], (await Log.ReadAsync(source, 0, 100, CancellationToken.None)).Events.Select(e => e.Seq));
        await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '2 hours' WHERE source_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(3, await Log.SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));
        var read = await Log.ReadAsync(source, 0, 100, CancellationToken.None);
        Assert.Empty(read.Events);
        Assert.Equal((5L, 4L), (read.OldestRetained, read.LastSeq));
    }

    [Fact]
    public async Task Reads_RunAtMostReadSlotsAtOnce_HoweverManyAreAsked()
    {
        var (_, source, client) = await SourceAsync();
        Assert.True((await client.PostAsync("/api/v1/sources/live/points", Json("""[{"timestamp":"2026-03-01T10:00:00Z","metric":"t","value":1}]"""))).IsSuccessStatusCode);
        var log = new LiveLog(api.Db, new LiveSettings { ReadSlots = 2 });
        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => log.ReadAsync(source, 0, 100, CancellationToken.None))));
        Assert.All(reads, r => Assert.Equal([1L], r.Events.Select(e => e.Seq)));
        Assert.InRange(log.PeakReads, 1, 2);
    }

    static async Task AppendRecordAsync(NpgsqlConnection conn, Guid source, string key)
    {
        const string upsert = """
            INSERT INTO records (source_id, key, ts, data) VALUES ($1, $3, '2026-03-01T10:00:00Z', '{"job":"j"}')
            ON CONFLICT (source_id, key) DO UPDATE SET data = excluded.data RETURNING key, ts, data
            """;
        await using var cmd = new NpgsqlCommand(LiveLog.AppendSql(upsert, LiveLog.RecordRowJson, "", "c.ts, c.key"), conn);
        cmd.Parameters.Add(new() { Value = source });
        cmd.Parameters.Add(new() { Value = 500L });
        cmd.Parameters.Add(new() { Value = key });
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var x in args) cmd.Parameters.Add(new() { Value = x });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
