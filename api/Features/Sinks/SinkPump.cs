using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using Npgsql;

namespace Exports.Features.Sinks;

/// <summary>
/// Delivers the sinks' batches, on every worker node. The live log (<c>live_events</c>, written in each ingest's own
/// transaction) is the outbox: an event exists only if its ingest committed, and a sink's cursor
/// (<c>sinks.delivered_seq</c>) moves past it only once a receiver answered 2xx for the batch holding it, so nothing
/// uncommitted is sent and nothing committed is lost (at least once).
/// <list type="bullet">
/// <item>A node takes a sink with work (events past its cursor, or a pending batch) by its lease (<c>lease_owner</c>,
/// <c>lease_until</c>, EXPORTS_NODE_STALE_MS long, renewed while the node works on it). A node that dies lets the lease
/// lapse and another takes the sink over where its cursor is: the pending batch first, as it was stored.</item>
/// <item>A batch is formed from whole events after the cursor (the sink's metrics and filter applied in SQL): up to
/// maxBatch rows or EXPORTS_SINK_MAX_BATCH_BYTES of rows' JSON (one larger row alone), or what is there batchMs after
/// the first unsent row committed, whichever comes first (an event is cut where a full batch ends). It is stored with its body and
/// the next batch sequence before it is sent, so every retry, on any node, sends the same bytes under the same
/// Idempotency-Key, and sequences increase by one per batch.</item>
/// <item>5xx, 408, 429, timeouts and lost connections are retried with exponential backoff and full jitter (Retry-After
/// honoured up to 10 minutes); a sink failing for longer than EXPORTS_SINK_PAUSE_AFTER_MINUTES (a failed send, or a
/// step that threw), or whose receiver refused a batch (another 4xx, or the network guard), is paused with the reason
/// until resumed.</item>
/// </list>
/// </summary>
public sealed class SinkPump(NpgsqlDataSource db, SinkStore store, SinkSender sender, LiveSignals signals, ExportsSettings settings, TimeProvider clock,
    ILogger<SinkPump> log) : BackgroundService
{
    readonly string _node = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    readonly ConcurrentDictionary<Guid, Task> _running = new();
    /// <summary>Sends this node makes at once (EXPORTS_SINK_SENDS_PER_NODE), and per owner half of that: one owner's
    /// many slow receivers cannot hold every send.</summary>
    readonly SemaphoreSlim _sends = new(settings.SinkSendsPerNode);
    readonly ConcurrentDictionary<Guid, SemaphoreSlim> _ownerSends = new();
    /// <summary>Pulsed when something may be due anywhere (a commit into a watched source, a resume): the claim loop wakes.</summary>
    TaskCompletionSource _pulse = NewPulse();
    /// <summary>Pulsed when a source's live log grew: its sinks' loops wake (a batch waiting for more rows looks again).</summary>
    readonly ConcurrentDictionary<Guid, TaskCompletionSource> _sourcePulse = new();
    /// <summary>The sources with an active sink whose commits this node follows (LiveSignals), touched by the claim loop only.</summary>
    readonly Dictionary<Guid, (LiveSignals.Subscription Sub, CancellationTokenSource Stop)> _watched = new();

    static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long a sink may fail before it is paused (EXPORTS_SINK_PAUSE_AFTER_MINUTES; tests shorten it).</summary>
    public TimeSpan PauseAfter { get; set; } = settings.SinkPauseAfter;
    /// <summary>Most bytes of rows in one batch (EXPORTS_SINK_MAX_BATCH_BYTES; tests lower it).</summary>
    public int MaxBatchBytes { get; set; } = settings.SinkMaxBatchBytes;
    /// <summary>How often this node looks for sinks with work when no signal woke it (LiveSignals down, a lapsed lease).</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(1), BackoffCap = TimeSpan.FromMinutes(5), RetryAfterCap = TimeSpan.FromMinutes(10);
    /// <summary>Batches kept per sink (its deliveries list): older delivered ones are deleted as new ones are delivered.</summary>
    public const int KeptBatches = 100;
    /// <summary>Fewest live events read for one batch (maxBatch when larger: every event holds a row at least, so a
    /// sink with no metrics or filter always reads enough events to fill its batch).</summary>
    const int EventsPerRead = 200;
    TimeSpan Lease => settings.Jobs.NodeStale;

    /// <summary>Something may be due (a commit, a resume): the node looks at once instead of at its next poll.</summary>
    public void Wake() => Interlocked.Exchange(ref _pulse, NewPulse()).TrySetResult();

    void Committed(Guid source)
    {
        if (_sourcePulse.TryRemove(source, out var pulse)) pulse.TrySetResult();
        Wake();
    }

    Task SourcePulse(Guid source) => _sourcePulse.GetOrAdd(source, _ => NewPulse()).Task;

    /// <summary>Follows the commits of every source with an active sink (and no longer those without one).</summary>
    async Task WatchAsync(CancellationToken ct)
    {
        var sources = new HashSet<Guid>();
        await using (var cmd = db.CreateCommand("SELECT DISTINCT source_id FROM sinks WHERE paused_at IS NULL"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) sources.Add(r.GetGuid(0));
        foreach (var gone in _watched.Keys.Where(k => !sources.Contains(k)).ToList())
        {
            _watched.Remove(gone, out var w);
            Unwatch(w);
        }
        foreach (var source in sources.Where(s => !_watched.ContainsKey(s)))
        {
            var sub = signals.Subscribe(source);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _watched[source] = (sub, stop);
            _ = Task.Run(async () =>
            {
                try { while (!stop.IsCancellationRequested) if (await sub.WaitAsync(Timeout.InfiniteTimeSpan, stop.Token)) Committed(source); }
                catch (Exception) { /* unwatched or stopping: no longer followed */ }
                finally { sub.Dispose(); stop.Dispose(); }
            }, CancellationToken.None);
        }
    }

    /// <summary>Ends a source's follower: its pending wait is cancelled (disposing the subscription alone would leave it
    /// waiting forever), and the follower disposes what it held.</summary>
    static void Unwatch((LiveSignals.Subscription Sub, CancellationTokenSource Stop) w)
    {
        try { w.Stop.Cancel(); } catch (ObjectDisposedException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var beat = Task.Run(() => HeartbeatAsync(stopping), stopping);
        while (!stopping.IsCancellationRequested)
        {
            var pulse = Volatile.Read(ref _pulse).Task;
            try
            {
                await WatchAsync(stopping);
                foreach (var id in await ClaimAsync(stopping)) Start(id, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested) { log.LogWarning(e, "Sinks: looking for work failed; trying again"); }
            try { await Task.WhenAny(pulse, Task.Delay(Poll, clock, stopping)); } catch (OperationCanceledException) { }
        }
        foreach (var w in _watched.Values) Unwatch(w);
        try { await beat; } catch (OperationCanceledException) { }
        await Task.WhenAll(_running.Values).ContinueWith(_ => { }, CancellationToken.None);
    }

    /// <summary>Runs a claimed sink: its task is in <see cref="_running"/> before it starts, and leaves it when it ends
    /// (that task only, never a later one for the same sink), so a sink that finishes at once is never left listed as
    /// running (which would keep <see cref="ClaimAsync"/> from taking it again on this node).</summary>
    void Start(Guid id, CancellationToken ct)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(async () => { await gate.Task; await RunSinkAsync(id, ct); }, CancellationToken.None);
        _running[id] = run;
        _ = run.ContinueWith(t => _running.TryRemove(KeyValuePair.Create(id, t)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        gate.SetResult();
    }

    /// <summary>Leases the sinks with work that no live node holds (one UPDATE: two nodes never take one sink).</summary>
    async Task<List<Guid>> ClaimAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE sinks k SET lease_owner = $1, lease_until = now() + $2
            FROM sources s
            WHERE s.id = k.source_id AND k.paused_at IS NULL AND NOT (k.id = ANY($3))
              AND (k.lease_until IS NULL OR k.lease_until < now())
              AND (s.live_seq > k.delivered_seq OR EXISTS (SELECT 1 FROM sink_batches b WHERE b.sink_id = k.id AND b.status = 'pending'))
            RETURNING k.id
            """);
        cmd.Parameters.Add(new() { Value = _node });
        cmd.Parameters.Add(new() { Value = Lease });
        cmd.Parameters.Add(new() { Value = _running.Keys.ToArray() });
        var ids = new List<Guid>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids.Add(r.GetGuid(0));
        return ids;
    }

    async Task HeartbeatAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(Lease / 3, clock, ct);
            if (_running.IsEmpty) continue;
            try
            {
                await using var cmd = db.CreateCommand("UPDATE sinks SET lease_until = now() + $2 WHERE lease_owner = $1 AND id = ANY($3)");
                cmd.Parameters.Add(new() { Value = _node });
                cmd.Parameters.Add(new() { Value = Lease });
                cmd.Parameters.Add(new() { Value = _running.Keys.ToArray() });
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested) { log.LogWarning(e, "Sinks: renewing leases failed"); }
        }
    }

    /// <summary>Works on one sink while it has work and this node holds it; then gives the lease back.</summary>
    async Task RunSinkAsync(Guid id, CancellationToken ct)
    {
        var compiled = new CompiledFilter();
        TimeSpan? retryIn = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (await LoadAsync(id, ct) is not { } sink) break;
                var pulse = SourcePulse(sink.SourceId);
                if (await StepAsync(sink, compiled, ct) is not { } wait) break;
                if (wait > TimeSpan.Zero) await Task.WhenAny(pulse, Task.Delay(wait, clock, ct));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogWarning(e, "Sinks: sink {Sink} stopped on an error; it is taken up again", id);
            try { retryIn = await StepFailedAsync(id, e, ct); }
            catch (Exception again) { log.LogDebug(again, "Sinks: recording the error of {Sink} failed", id); }
        }
        finally
        {
            try
            {
                // Given back; after a failed step not claimable again until its wait is over.
                await using var cmd = db.CreateCommand("UPDATE sinks SET lease_owner = NULL, lease_until = now() + $3 WHERE id = $1 AND lease_owner = $2");
                cmd.Parameters.Add(new() { Value = id });
                cmd.Parameters.Add(new() { Value = _node });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)retryIn ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval });
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception e) { log.LogDebug(e, "Sinks: giving the lease of {Sink} back failed; it lapses", id); }
        }
    }

    /// <summary>A step that threw (a batch PostgreSQL could not build, a secret that no longer decrypts, a filter that no
    /// longer compiles) is a failure of the sink as a failed send is: its reason is the sink's <c>lastError</c>, it
    /// starts the failing window, and a sink failing for longer than <see cref="PauseAfter"/> is paused with the reason.
    /// Returns how long the sink waits before it is taken again.</summary>
    async Task<TimeSpan> StepFailedAsync(Guid id, Exception e, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var reason = e.Message.Length > 500 ? e.Message[..500] + "…" : e.Message;
        await using var cmd = db.CreateCommand("""
            UPDATE sinks SET failing_since = coalesce(failing_since, $3), last_error = $4 WHERE id = $1 AND lease_owner = $2 RETURNING failing_since
            """);
        foreach (var v in new object[] { id, _node, now.UtcDateTime, reason }) cmd.Parameters.Add(new() { Value = v });
        if (await cmd.ExecuteScalarAsync(ct) is not DateTime since) return Poll;
        var failingSince = new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc));
        var failing = now - failingSince;
        if (failing >= PauseAfter)
        {
            var pause = $"Failing since {failingSince:yyyy-MM-dd HH:mm:ss} UTC, longer than {PauseAfter.TotalMinutes:0.##} minutes (EXPORTS_SINK_PAUSE_AFTER_MINUTES); last error: {reason} Resume the sink to try again.";
            await ExecAsync("UPDATE sinks SET paused_at = $3, paused_reason = $4 WHERE id = $1 AND lease_owner = $2", ct, id, _node, now.UtcDateTime, pause);
            log.LogWarning("Sinks: sink {Sink} paused: {Reason}", id, pause);
            return TimeSpan.Zero;
        }
        // Half the time it has been failing (1 s to 5 minutes): a few tries inside the window, not one a second.
        return TimeSpan.FromTicks(Math.Clamp(failing.Ticks / 2, BackoffBase.Ticks, BackoffCap.Ticks));
    }

    sealed record Sink(Guid Id, Guid Owner, Guid SourceId, string Source, string Url, string[]? Metrics, string? Filter, int BatchMs, int MaxBatch,
        long DeliveredSeq, int DeliveredOrd, long NextSequence, DateTimeOffset? FailingSince);

    sealed class CompiledFilter
    {
        public string? Text;
        public string? Sql;
        public object[] Params = [];
    }

    /// <summary>The sink as this node holds it; null when it is paused, deleted, or another node's.</summary>
    async Task<Sink?> LoadAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT k.owner_id, k.source_id, s.name, k.url, k.metrics, k.filter::text, k.batch_ms, k.max_batch, k.delivered_seq, k.delivered_ord, k.next_sequence, k.failing_since
            FROM sinks k JOIN sources s ON s.id = k.source_id WHERE k.id = $1 AND k.lease_owner = $2 AND k.paused_at IS NULL
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = _node });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new Sink(id, r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetFieldValue<string[]>(4),
            r.IsDBNull(5) ? null : r.GetString(5), r.GetInt32(6), r.GetInt32(7), r.GetInt64(8), r.GetInt32(9), r.GetInt64(10),
            r.IsDBNull(11) ? null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(11), DateTimeKind.Utc)));
    }

    /// <summary>One step: send the pending batch, or form the next one. Returns how long to wait before the next step
    /// (zero: at once), or null when the sink has nothing to do.</summary>
    async Task<TimeSpan?> StepAsync(Sink sink, CompiledFilter filter, CancellationToken ct)
    {
        if (await PendingAsync(sink.Id, ct) is { } batch)
        {
            var now = clock.GetUtcNow();
            if (batch.NextAttemptAt is { } at && at > now) return at - now;
            return await SendAsync(sink, batch, ct);
        }
        return await FormAsync(sink, filter, ct);
    }

    sealed record Batch(long Sequence, long FromSeq, long ToSeq, string Body, int Attempts, DateTimeOffset? NextAttemptAt);

    async Task<Batch?> PendingAsync(Guid sink, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT sequence, from_seq, to_seq, body, attempts, next_attempt_at FROM sink_batches
            WHERE sink_id = $1 AND status = 'pending' ORDER BY sequence LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = sink });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new Batch(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4),
            r.IsDBNull(5) ? null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(5), DateTimeKind.Utc)));
    }

    /// <summary>Reads the rows after the cursor (the sink's metrics and filter applied in SQL, the batch's JSON array
    /// built there: no object per row here) and stores the next batch when it is full or its time has come; events
    /// none of whose rows match move the cursor without a batch.</summary>
    async Task<TimeSpan?> FormAsync(Sink sink, CompiledFilter filter, CancellationToken ct)
    {
        var ps = new SqlParams();
        ps.Add(sink.SourceId); ps.Add(sink.DeliveredSeq); ps.Add(Math.Max(EventsPerRead, sink.MaxBatch)); ps.Add(sink.DeliveredOrd); ps.Add(sink.MaxBatch);
        ps.Add(sink.Metrics is null ? DBNull.Value : sink.Metrics);
        ps.Add(MaxBatchBytes);
        var where = await FilterSqlAsync(sink, filter, ps, ct);
        await using var cmd = db.CreateCommand($"""
            WITH ev AS MATERIALIZED (
                SELECT seq, committed_at, row_count, rows FROM live_events WHERE source_id = $1 AND seq > $2 ORDER BY seq LIMIT $3),
            wanted AS MATERIALIZED (
                SELECT ev.seq, x.ord, ev.committed_at, ev.row_count, x.lr, octet_length(x.lr::text) + 2 AS size
                FROM ev CROSS JOIN LATERAL jsonb_array_elements(ev.rows) WITH ORDINALITY AS x(lr, ord)
                WHERE NOT (ev.seq = $2 + 1 AND x.ord <= $4) AND ($6::text[] IS NULL OR x.lr->>'metric' = ANY($6::text[])){(where is null ? "" : $" AND coalesce(({where}), false)")}
                ORDER BY ev.seq, x.ord LIMIT $5),
            m AS (
                SELECT seq, ord, committed_at, row_count, lr FROM (
                    SELECT w.*, sum(size) OVER (ORDER BY seq, ord) AS total, row_number() OVER (ORDER BY seq, ord) AS n FROM wanted w) AS counted
                WHERE n = 1 OR total <= $7)
            SELECT (SELECT max(seq) FROM ev), (SELECT min(seq) FROM ev), (SELECT count(*)::int FROM m), (SELECT min(committed_at) FROM m), (SELECT min(seq) FROM m),
                   last.seq, last.ord::int, last.row_count, (SELECT jsonb_agg(lr ORDER BY seq, ord) FROM m)::text, (SELECT count(*)::int FROM wanted),
                   (SELECT live_seq FROM sources WHERE id = $1)
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, ord, row_count FROM m ORDER BY seq DESC, ord DESC LIMIT 1) AS last ON true
            """);
        foreach (var v in ps.Values)
            cmd.Parameters.Add(v is DBNull ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = v });
        long scannedTo, oldest, liveSeq, fromSeq = 0, lastSeq = 0;
        int rows = 0, wanted = 0, lastOrd = 0, lastCount = 0;
        DateTimeOffset first = default;
        string? array = null;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            liveSeq = r.GetInt64(10);
            // Nothing left after the cursor: every event up to the source's live sequence is read (or deleted).
            if (r.IsDBNull(0)) oldest = scannedTo = liveSeq + 1;
            else
            {
                scannedTo = r.GetInt64(0);
                oldest = r.GetInt64(1);
                rows = r.GetInt32(2);
                wanted = r.GetInt32(9);
                if (rows > 0)
                {
                    first = new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc));
                    fromSeq = r.GetInt64(4);
                    lastSeq = r.GetInt64(5);
                    lastOrd = r.GetInt32(6);
                    lastCount = r.GetInt32(7);
                    array = r.GetString(8);
                }
            }
        }
        // Live events past the cursor that retention deleted before they were delivered (a sink paused for longer
        // than EXPORTS_LIVE_RETENTION_MINUTES): a batch of no rows takes the next sequence and says what was lost,
        // whether or not anything came after them.
        if (oldest > sink.DeliveredSeq + 1)
            return await StoreAsync(sink, sink.DeliveredSeq + 1, oldest - 1, 0, (oldest - 1, 0), "[]", clock.GetUtcNow(),
                $"Live events {sink.DeliveredSeq + 1} to {oldest - 1} were deleted by retention (EXPORTS_LIVE_RETENTION_MINUTES) before this sink delivered them; their rows are not sent.", ct);
        if (scannedTo > liveSeq) return null; // nothing after the cursor, nothing lost
        if (rows == 0) { await AdvanceAsync(sink, scannedTo, ct); return TimeSpan.Zero; }
        var full = rows >= sink.MaxBatch || wanted > rows; // by count, or by bytes (the rows' JSON at most MaxBatchBytes)
        var now = clock.GetUtcNow();
        var due = first.AddMilliseconds(sink.BatchMs);
        if (!full && due > now) return due - now;
        // A full batch ends at its last row (inside its event, or at its end); one whose time came ends after every
        // event read, so events after its last row that matched nothing are passed with it.
        var (cursorSeq, cursorOrd) = !full ? (scannedTo, 0) : lastOrd >= lastCount ? (lastSeq, 0) : (lastSeq - 1, lastOrd);
        return await StoreAsync(sink, fromSeq, lastSeq, rows, (cursorSeq, cursorOrd), array!, now, null, ct);
    }

    /// <summary>Stores the next batch with its body, taking the next sequence (only if the sink is still where it was
    /// read: this node's, same cursor, same sequence); then it is sent.</summary>
    async Task<TimeSpan?> StoreAsync(Sink sink, long fromSeq, long toSeq, int rows, (long Seq, int Ord) cursor, string array, DateTimeOffset now, string? note,
        CancellationToken ct)
    {
        var body = Body(sink, sink.NextSequence, fromSeq, toSeq, array, lost: note is not null);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var bump = new NpgsqlCommand("""
            UPDATE sinks SET next_sequence = next_sequence + 1
            WHERE id = $1 AND lease_owner = $2 AND next_sequence = $3 AND delivered_seq = $4 AND delivered_ord = $5
            """, conn, tx))
        {
            foreach (var v in new object[] { sink.Id, _node, sink.NextSequence, sink.DeliveredSeq, sink.DeliveredOrd }) bump.Parameters.Add(new() { Value = v });
            if (await bump.ExecuteNonQueryAsync(ct) != 1) return TimeSpan.Zero; // changed under us: look again
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO sink_batches (sink_id, sequence, from_seq, to_seq, row_count, cursor_seq, cursor_ord, body, status, note, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)
            """, conn, tx))
        {
            foreach (var v in new object[] { sink.Id, sink.NextSequence, fromSeq, toSeq, rows, cursor.Seq, cursor.Ord, body, (object?)note ?? DBNull.Value, now.UtcDateTime })
                insert.Parameters.Add(new() { Value = v });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return TimeSpan.Zero;
    }

    async Task<string?> FilterSqlAsync(Sink sink, CompiledFilter filter, SqlParams ps, CancellationToken ct)
    {
        if (sink.Filter is null) return null;
        if (filter.Text != sink.Filter)
        {
            var src = await SourceCatalog.LoadAsync(db, sink.Owner, sink.Source, ct) ?? throw new InvalidOperationException("The source is gone.");
            var own = new SqlParams();
            for (var i = 0; i < ps.Values.Count; i++) own.Add(ps.Values[i]);
            var e = new Errors();
            using var doc = JsonDocument.Parse(sink.Filter);
            filter.Sql = SinkFilter.Compile(src, doc.RootElement, own, e);
            if (e.Any) throw new InvalidOperationException("The sink's filter no longer compiles: " + string.Join("; ", e.ToDictionary().SelectMany(x => x.Value)));
            filter.Params = own.Values.Skip(ps.Values.Count).ToArray();
            filter.Text = sink.Filter;
        }
        foreach (var v in filter.Params) ps.Add(v);
        return filter.Sql;
    }

    /// <summary>The batch's JSON around the rows' array as PostgreSQL built it; <c>"lost": true</c> on a batch that
    /// stands for events retention deleted before delivery.</summary>
    static string Body(Sink sink, long sequence, long from, long to, string rows, bool lost) =>
        new StringBuilder(rows.Length + 200).Append("{\"sink\":\"").Append(sink.Id).Append("\",\"source\":").Append(JsonSerializer.Serialize(sink.Source))
            .Append(",\"sequence\":").Append(sequence).Append(",\"batch\":{\"fromSeq\":").Append(from).Append(",\"toSeq\":").Append(to)
            .Append("},\"rows\":").Append(rows).Append(lost ? ",\"lost\":true}" : "}").ToString();

    async Task AdvanceAsync(Sink sink, long to, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE sinks SET delivered_seq = $3, delivered_ord = 0 WHERE id = $1 AND lease_owner = $2 AND delivered_seq < $3");
        cmd.Parameters.Add(new() { Value = sink.Id });
        cmd.Parameters.Add(new() { Value = _node });
        cmd.Parameters.Add(new() { Value = to });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    async Task<TimeSpan?> SendAsync(Sink sink, Batch batch, CancellationToken ct)
    {
        if (await store.SecretAsync(sink.Id, ct) is not { } secret) return null;
        var owner = _ownerSends.GetOrAdd(sink.Owner, _ => new SemaphoreSlim(Math.Max(1, settings.SinkSendsPerNode / 2)));
        SendResult result;
        await owner.WaitAsync(ct);
        try
        {
            await _sends.WaitAsync(ct);
            try { result = await sender.SendAsync(sink.Url, secret, batch.Body, $"{sink.Id:N}-{batch.Sequence}", ct); }
            finally { _sends.Release(); }
        }
        finally { owner.Release(); }
        var now = clock.GetUtcNow();
        var attempts = batch.Attempts + 1;
        if (result.Outcome == SendOutcome.Delivered)
        {
            // Delivered: its body is no longer needed (dropped), and batches older than the latest KeptBatches go.
            await ExecAsync($"""
                WITH b AS (UPDATE sink_batches SET status = 'delivered', body = NULL, attempts = $3, http_status = $4, latency_ms = $5, last_error = NULL,
                               next_attempt_at = NULL, delivered_at = $6 WHERE sink_id = $1 AND sequence = $2 RETURNING cursor_seq, cursor_ord),
                     old AS (DELETE FROM sink_batches WHERE sink_id = $1 AND sequence <= $2 - {KeptBatches} AND status = 'delivered')
                UPDATE sinks k SET delivered_seq = b.cursor_seq, delivered_ord = b.cursor_ord, failing_since = NULL, last_error = NULL
                FROM b WHERE k.id = $1 AND (k.delivered_seq, k.delivered_ord) < (b.cursor_seq, b.cursor_ord)
                """, ct, sink.Id, batch.Sequence, attempts, result.HttpStatus!, result.LatencyMs, now.UtcDateTime);
            return TimeSpan.Zero;
        }
        var failingSince = sink.FailingSince ?? now;
        string? pause = result.Outcome == SendOutcome.Permanent
            ? $"Batch {batch.Sequence} was refused: {result.Error} Resume the sink to send it again."
            : now - failingSince >= PauseAfter
                ? $"Failing since {failingSince:yyyy-MM-dd HH:mm:ss} UTC, longer than {PauseAfter.TotalMinutes:0.##} minutes (EXPORTS_SINK_PAUSE_AFTER_MINUTES); last error on batch {batch.Sequence}: {result.Error} Resume the sink to try again."
                : null;
        // Only a batch still pending: a node whose lease lapsed mid-send must not undo what the node that took over did.
        var wait = Backoff(attempts, result.RetryAfter);
        await ExecAsync("""
            WITH b AS (UPDATE sink_batches SET status = CASE WHEN $7::text IS NULL THEN 'pending' ELSE 'failed' END, attempts = $3, http_status = $4,
                           latency_ms = $5, last_error = $6, next_attempt_at = $8 WHERE sink_id = $1 AND sequence = $2 AND status = 'pending' RETURNING sink_id)
            UPDATE sinks k SET failing_since = coalesce(k.failing_since, $9), last_error = $6, paused_at = CASE WHEN $7::text IS NULL THEN NULL ELSE $10 END, paused_reason = $7
            FROM b WHERE k.id = b.sink_id
            """, ct, sink.Id, batch.Sequence, attempts, (object?)result.HttpStatus ?? DBNull.Value, result.LatencyMs, result.Error ?? "", (object?)pause ?? DBNull.Value,
            (now + wait).UtcDateTime, failingSince.UtcDateTime, now.UtcDateTime);
        if (pause is not null) { log.LogWarning("Sinks: sink {Sink} paused: {Reason}", sink.Id, pause); return null; }
        return wait;
    }

    /// <summary>Full jitter: a random wait up to base x 2^(attempt-1), at most the cap; never shorter than a Retry-After
    /// the receiver gave (itself bounded).</summary>
    internal static TimeSpan Backoff(int attempts, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(BackoffCap.TotalMilliseconds, BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 20)));
        var wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        if (retryAfter is { } ra) wait = TimeSpan.FromTicks(Math.Max(wait.Ticks, Math.Clamp(ra.Ticks, 0, RetryAfterCap.Ticks)));
        return wait;
    }

    async Task ExecAsync(string sql, CancellationToken ct, params object[] values)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var v in values) cmd.Parameters.Add(v is DBNull ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter { Value = v });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
