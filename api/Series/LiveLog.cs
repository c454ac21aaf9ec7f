using System.Collections.Concurrent;
using Npgsql;

namespace Exports.Series;

/// <summary>Live data (issue 15): the per-source live log every ingest into a source with a consumer writes
/// (LiveLog), and the limits of its SSE streams.</summary>
public sealed record LiveSettings
{
    /// <summary>Most rows in one live event (an ingest is cut into chunks of at most this many rows, one seq each).</summary>
    public int ChunkRows { get; init; } = 500;
    /// <summary>How long a live event is kept (resume with Last-Event-ID within it; older is a gap).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromMinutes(60);
    public TimeSpan Keepalive { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Most events one stream sends a second; more are coalesced into larger events, never dropped.</summary>
    public int EventsPerSecond { get; init; } = 20;
    /// <summary>Open streams one token (and one owner, over all its tokens) may hold on a node; more are a 429.</summary>
    public int StreamsPerToken { get; init; } = 10;
    public int StreamsPerOwner { get; init; } = 100;
    /// <summary>Open streams this node holds over all owners (EXPORTS_LIVE_STREAMS_PER_NODE); more are a 429.</summary>
    public int StreamsPerNode { get; init; } = 1000;
    /// <summary>Live (neither revoked nor expired) stream tokens one owner may hold per source (EXPORTS_LIVE_TOKENS_PER_SOURCE).</summary>
    public int TokensPerSource { get; init; } = 20;
    /// <summary>Live log reads this node runs at once (half of EXPORTS_DB_POOL_RESERVE): a commit that wakes every stream
    /// of a source never takes more pooled connections than this, whatever the number of streams.</summary>
    public int ReadSlots { get; init; } = 5;
}

/// <summary>One event of a source's live log: the rows one chunk of one committed ingest inserted or changed, as a
/// JSON array (points <c>{"metric","tags","ts","value"}</c>, records <c>{"id","timestamp",...fields}</c>).</summary>
public readonly record struct LiveEvent(long Seq, DateTimeOffset CommittedAt, int RowCount, string RowsJson);

/// <summary>What <see cref="LiveLog.ReadAsync"/> found after a seq: the events (in seq order), the oldest seq still
/// retained (the next seq to come when none is), and the source's last seq.</summary>
/// <summary>A read of a source's live log: its events after the cursor, its oldest retained and last seq, and its
/// unlogged ingests (migration 0014): the last one's place (the live_seq when it committed) and how many there were.</summary>
public sealed record LiveRead(IReadOnlyList<LiveEvent> Events, long OldestRetained, long LastSeq, long UnloggedSeq = -1, long UnloggedCount = 0);

/// <summary>
/// The per-source live log (issue 15; migration 0012): what each ingest committed, in commit order, for the SSE
/// streams and the webhook sinks. Shared here because both slices read it and slices never import each other.
/// <list type="bullet">
/// <item>Written by the ingest in its own transaction (Staging), only while the source has a live consumer
/// (<see cref="ConsumerSql"/>): one statement takes the upsert's RETURNING (rows actually inserted or changed), cuts it
/// into chunks of at most EXPORTS_LIVE_CHUNK_ROWS rows, bumps <c>sources.live_seq</c> by the number of chunks (its row
/// lock makes seq order equal commit order across concurrent ingests), inserts one <c>live_events</c> row per chunk
/// with its rows built as JSON in SQL, and notifies <see cref="Channel"/> with <c>source:lastSeq</c>. A rolled back
/// ingest leaves nothing, its notification included (NOTIFY is sent at commit).</item>
/// <item>Seqs of a source are contiguous (1, 2, ...); retention deletes the oldest first, so the retained ones are
/// still contiguous and a reader behind the oldest knows exactly what it lost.</item>
/// <item>Readers open a pooled connection per read and never hold one while they wait: they wait on
/// <see cref="LiveSignals"/>.</item>
/// </list>
/// </summary>
public sealed class LiveLog(NpgsqlDataSource db, LiveSettings settings)
{
    public const string Channel = "exports_live";
    readonly SemaphoreSlim _reads = new(Math.Max(1, settings.ReadSlots));
    int _running, _peak;

    /// <summary>The most reads that ran at once since the last <see cref="ResetPeakReads"/> (never above ReadSlots).</summary>
    public int PeakReads => Volatile.Read(ref _peak);
    public void ResetPeakReads() => Volatile.Write(ref _peak, 0);

    /// <summary>The SQL condition, on a source id parameter <c>$1</c>, that the source has a live consumer: a stream
    /// token neither revoked nor expired, a webhook sink (a paused one too: resumed, it gets what came meanwhile,
    /// within the retention), or a signed-in stream's unexpired watcher (migration 0014).</summary>
    public const string ConsumerSql = """
        (EXISTS (SELECT 1 FROM stream_tokens t WHERE t.source_id = $1 AND t.revoked_at IS NULL AND t.expires_at > now())
         OR EXISTS (SELECT 1 FROM sinks k WHERE k.source_id = $1)
         OR EXISTS (SELECT 1 FROM live_watchers w WHERE w.source_id = $1 AND w.expires_at > now()))
        """;

    /// <summary>A point of the live log as JSON: <c>ts</c> is RFC 3339 in UTC with every digit PostgreSQL keeps
    /// (microseconds), <c>value</c> the stored double (null when the point has none). <c>c</c> is the upsert's
    /// RETURNING (series_id, ts, value), <c>s</c> its series.</summary>
    public const string PointRowJson = """
        jsonb_build_object('metric', s.metric, 'tags', s.tags, 'ts', to_char(c.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'value', c.value)
        """;

    /// <summary>A record as JSON: its id (the key it is stored under), its timestamp as <see cref="PointRowJson"/>'s
    /// and its fields as stored. <c>c</c> is the upsert's RETURNING (key, ts, data).</summary>
    public const string RecordRowJson = """
        jsonb_build_object('id', c.key, 'timestamp', to_char(c.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) || c.data
        """;

    public int ChunkRows => settings.ChunkRows;

    /// <summary>Whether source <paramref name="sourceId"/> has a live consumer, read inside the ingest's transaction.</summary>
    public static async Task<bool> HasConsumerAsync(NpgsqlConnection conn, Guid sourceId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {ConsumerSql}", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The one statement that runs <paramref name="upsertReturning"/> (an upsert with RETURNING, read as
    /// <c>c</c>) and appends what it returned to the live log of source <c>$1</c> in chunks of at most <c>$2</c> rows,
    /// each row <paramref name="rowJson"/> (with <paramref name="joins"/>), in the order of <paramref name="orderBy"/>.</summary>
    public static string AppendSql(string upsertReturning, string rowJson, string joins, string orderBy) => $"""
        WITH c AS ({upsertReturning}),
        numbered AS (
            SELECT row_number() OVER (ORDER BY {orderBy}) AS n, {rowJson} AS row
            FROM c {joins}),
        chunks AS (
            SELECT (n - 1) / $2 AS chunk, count(*)::int AS row_count, jsonb_agg(row ORDER BY n) AS rows
            FROM numbered GROUP BY (n - 1) / $2),
        total AS (SELECT count(*) AS k FROM chunks),
        bump AS (
            UPDATE sources SET live_seq = live_seq + total.k FROM total
            WHERE sources.id = $1 AND total.k > 0
            RETURNING sources.live_seq - total.k AS first),
        ins AS (
            INSERT INTO live_events (source_id, seq, committed_at, row_count, rows)
            SELECT $1, bump.first + 1 + chunks.chunk, clock_timestamp(), chunks.row_count, chunks.rows
            FROM chunks CROSS JOIN bump
            RETURNING seq)
        SELECT pg_notify('{Channel}', $1::text || ':' || max(seq)::text) FROM ins HAVING count(*) > 0
        """;

    /// <summary>Events of source <paramref name="sourceId"/> after <paramref name="afterSeq"/> in seq order, as many
    /// whole events as hold up to <paramref name="maxRows"/> rows (always at least one when there is one), at most
    /// <paramref name="maxEvents"/>.</summary>
    public async Task<LiveRead> ReadAsync(Guid sourceId, long afterSeq, int maxRows, CancellationToken ct, int maxEvents = 1000)
    {
        // At most ReadSlots reads at once on this node (the others wait here, holding no connection).
        await _reads.WaitAsync(ct);
        var running = Interlocked.Increment(ref _running);
        for (var p = Volatile.Read(ref _peak); running > p && Interlocked.CompareExchange(ref _peak, running, p) != p; p = Volatile.Read(ref _peak)) { }
        try { return await ReadSlotAsync(sourceId, afterSeq, maxRows, maxEvents, ct); }
        finally
        {
            Interlocked.Decrement(ref _running);
            _reads.Release();
        }
    }

    async Task<LiveRead> ReadSlotAsync(Guid sourceId, long afterSeq, int maxRows, int maxEvents, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        long oldest, last, unlogged, unloggedCount;
        await using (var head = new NpgsqlCommand("""
            SELECT s.live_seq, (SELECT min(e.seq) FROM live_events e WHERE e.source_id = s.id), s.live_unlogged_seq, s.live_unlogged_count
            FROM sources s WHERE s.id = $1
            """, conn))
        {
            head.Parameters.Add(new NpgsqlParameter { Value = sourceId });
            await using var r = await head.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return new LiveRead([], 1, 0);
            last = r.GetInt64(0);
            oldest = r.IsDBNull(1) ? last + 1 : r.GetInt64(1);
            unlogged = r.GetInt64(2);
            unloggedCount = r.GetInt64(3);
        }
        var events = new List<LiveEvent>();
        if (afterSeq >= last) return new LiveRead(events, oldest, last, unlogged, unloggedCount);
        await using var cmd = new NpgsqlCommand("""
            SELECT seq, committed_at, row_count, rows::text FROM (
                SELECT seq, committed_at, row_count, rows, sum(row_count) OVER (ORDER BY seq) - row_count AS before
                FROM (SELECT * FROM live_events WHERE source_id = $1 AND seq > $2 ORDER BY seq LIMIT $4) w) e
            WHERE before < $3 ORDER BY seq
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = afterSeq });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (long)Math.Max(1, maxRows) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (long)Math.Max(1, maxEvents) });
        // The window starts at the first retained event after afterSeq (after a gap too), whose "before" is 0: the first
        // event is read whatever its size, so a reader that asked for fewer rows than one chunk still moves on.
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                events.Add(new LiveEvent(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetInt32(2), r.GetString(3)));
        return new LiveRead(events, oldest, last, unlogged, unloggedCount);
    }

    /// <summary>Deletes live events committed before <paramref name="cutoff"/> (the retention sweep), in batches;
    /// returns how many. Oldest first per source, never past a retained one: each source loses seqs up to a bound
    /// (below its oldest retained event), so the retained seqs stay contiguous. An event is retained while it is newer
    /// than <paramref name="cutoff"/>, or while an active (not paused) webhook sink has not yet had it delivered, unless
    /// it was committed before <paramref name="owedCutoff"/> (a sink's longest lag); a paused sink loses what passes the
    /// retention meanwhile, and its deliveries say so.</summary>
    public async Task<long> SweepAsync(DateTimeOffset cutoff, CancellationToken ct, DateTimeOffset? owedCutoff = null)
    {
        long total = 0;
        while (true)
        {
            await using var cmd = db.CreateCommand("""
                DELETE FROM live_events WHERE ctid = ANY (ARRAY(
                    WITH retained AS (
                        SELECT x.source_id, x.seq FROM live_events x
                        WHERE x.committed_at >= $1
                           OR (($2::timestamptz IS NULL OR x.committed_at >= $2)
                               AND EXISTS (SELECT 1 FROM sinks k WHERE k.source_id = x.source_id AND k.paused_at IS NULL AND x.seq > k.delivered_seq))),
                    kept AS (SELECT source_id, min(seq) AS first FROM retained GROUP BY source_id),
                    bound AS (
                        SELECT x.source_id, max(x.seq) AS seq FROM live_events x LEFT JOIN kept k ON k.source_id = x.source_id
                        WHERE x.committed_at < $1 AND (k.first IS NULL OR x.seq < k.first) GROUP BY x.source_id)
                    SELECT e.ctid FROM live_events e JOIN bound b ON b.source_id = e.source_id AND e.seq <= b.seq
                    ORDER BY e.source_id, e.seq LIMIT 5000))
                """);
            cmd.Parameters.Add(new NpgsqlParameter { Value = cutoff });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)owedCutoff ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            var n = await cmd.ExecuteNonQueryAsync(ct);
            total += n;
            if (n < 5000) return total;
        }
    }

    /// <summary>Deletes stream tokens revoked or expired before <paramref name="cutoff"/> (the retention sweep: a day
    /// after); returns how many.</summary>
    public async Task<long> PruneTokensAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM stream_tokens WHERE revoked_at < $1 OR expires_at < $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = cutoff });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes lapsed live watchers (signed-in streams' claims, Features/Live/LiveWatchers, whose lease ran
    /// out: a node that died, or a stream closed a lease ago); returns how many.</summary>
    public async Task<long> PruneWatchersAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM live_watchers WHERE expires_at < now()");
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Wakes the signed-in streams opened with API key <paramref name="apiKey"/>, on every node, so that they
    /// check it at once (a revoked key ends them); sent at the commit of the transaction <paramref name="conn"/> is in,
    /// or at once outside one.</summary>
    public static async Task NotifyKeyRevokedAsync(NpgsqlConnection conn, Guid apiKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT pg_notify('{Channel}', w.source_id::text || ':tokens')
            FROM (SELECT DISTINCT source_id FROM live_watchers WHERE api_key_id = $1 AND expires_at > now()) w
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = apiKey });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Tells every node's streams of <paramref name="sourceId"/> that its tokens changed (a revocation): sent
    /// at the commit of the transaction <paramref name="conn"/> is in, or at once outside one.</summary>
    public static async Task NotifyTokensChangedAsync(NpgsqlConnection conn, Guid sourceId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1::text || ':tokens')", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// Wakes this node's readers of a source's live log (SSE streams, sink deliverers) when any node commits an ingest
/// into it, or changes its stream tokens: one unpooled connection LISTENs on <see cref="LiveLog.Channel"/> (payload
/// <c>source:lastSeq</c> or <c>source:tokens</c>), reconnecting every second while down, as <c>Jobs/JobSignals</c>.
/// A subscription latches one signal, so one sent between a reader's read and its wait is not lost; readers still
/// read the log themselves and wait with a timeout, so a lost connection makes them late, never wrong.
/// </summary>
public sealed class LiveSignals(string connectionString, ILogger<LiveSignals> log) : BackgroundService
{
    static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> _subs = new();
    readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this node LISTENs (tests wait on it before they count on a signal).</summary>
    public Task Listening => _listening.Task;

    /// <summary>Follows <paramref name="sourceId"/>'s signals until disposed.</summary>
    public Subscription Subscribe(Guid sourceId)
    {
        var sub = new Subscription(this, sourceId);
        _subs.GetOrAdd(sourceId, _ => new()).TryAdd(sub, 0);
        return sub;
    }

    void Unsubscribe(Subscription sub)
    {
        if (!_subs.TryGetValue(sub.Source, out var set)) return;
        set.TryRemove(sub, out _);
        if (set.IsEmpty) _subs.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Subscription, byte>>(sub.Source, set));
    }

    internal void Signal(string payload)
    {
        var colon = payload.IndexOf(':');
        if (colon < 0 || !Guid.TryParse(payload.AsSpan(0, colon), out var source)) return;
        if (!_subs.TryGetValue(source, out var set)) return;
        var tokens = payload.AsSpan(colon + 1).SequenceEqual("tokens");
        foreach (var sub in set.Keys) sub.Set(tokens);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var down = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var cs = new NpgsqlConnectionStringBuilder(connectionString)
                {
                    Pooling = false, ApplicationName = "exports-live-signals", KeepAlive = 30,
                }.ConnectionString;
                await using var conn = new NpgsqlConnection(cs);
                await conn.OpenAsync(stopping);
                conn.Notification += (_, e) => Signal(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {LiveLog.Channel}", conn)) await listen.ExecuteNonQueryAsync(stopping);
                if (down)
                {
                    log.LogInformation("Live signals are back");
                    // Anything committed while down: wake every reader once so it reads the log.
                    foreach (var set in _subs.Values) foreach (var sub in set.Keys) sub.Set(true);
                }
                down = false;
                _listening.TrySetResult();
                while (true) await conn.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                if (!down) log.LogWarning(e, "Live signals are down (live readers fall back to polling); reconnecting every {Delay}", Reconnect);
                down = true;
                try { await Task.Delay(Reconnect, stopping); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>One reader's signals for one source.</summary>
    public sealed class Subscription(LiveSignals hub, Guid source) : IDisposable
    {
        readonly SemaphoreSlim _signal = new(0, 1);
        int _tokens;
        public Guid Source { get; } = source;

        /// <summary>True once (and reset by this read) when the source's tokens changed since the last read.</summary>
        public bool TakeTokensChanged() => Interlocked.Exchange(ref _tokens, 0) == 1;

        internal void Set(bool tokens)
        {
            if (tokens) Volatile.Write(ref _tokens, 1);
            try { if (_signal.CurrentCount == 0) _signal.Release(); }
            catch (SemaphoreFullException) { }
            catch (ObjectDisposedException) { }
        }

        /// <summary>Waits for a signal (or one that came since the last wait) or <paramref name="timeout"/>; true when signalled.</summary>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

        public void Dispose()
        {
            hub.Unsubscribe(this);
            _signal.Dispose();
        }
    }
}
