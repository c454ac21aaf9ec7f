using Exports.Storage;
using Marten;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Jobs;

public static class JobStatus
{
    public const string Pending = "pending", Processing = "processing", Completed = "completed", Failed = "failed",
        Cancelled = "cancelled", Expired = "expired";
    public static readonly string[] All = [Pending, Processing, Completed, Failed, Cancelled, Expired];
    public static bool IsFinal(string s) => s is Completed or Failed or Cancelled or Expired;
}

/// <summary>One export job as the API shows it. The storage key and request hash stay inside.</summary>
public sealed record JobRecord
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public string Kind { get; init; } = "";
    public string Format { get; init; } = "";
    public string? Source { get; init; }
    public string Title { get; init; } = "";
    public string Status { get; init; } = "";
    public string Phase { get; init; } = "";
    public JsonElement Request { get; init; }
    public string FileName { get; init; } = "";
    public string MediaType { get; init; } = "";
    public string Storage { get; init; } = "";
    [System.Text.Json.Serialization.JsonIgnore] public string StorageKey { get; init; } = "";
    [System.Text.Json.Serialization.JsonIgnore] public string RequestHash { get; init; } = "";
    public long? EstimatedRows { get; init; }
    public long? EstimatedBytes { get; init; }
    public long RowsWritten { get; init; }
    public long BytesWritten { get; init; }
    /// <summary>0-100 against the estimate while running; 100 once completed; null without an estimate.</summary>
    public int? Percent { get; init; }
    public long? SizeBytes { get; init; }
    public long? RowCount { get; init; }
    public string? Checksum { get; init; }
    public string? Tier { get; init; }
    /// <summary>Aggregations whose values are approximate (empty: all exact; null: not a data export).</summary>
    public IReadOnlyList<string>? Approximate { get; init; }
    /// <summary>How the approximate values are computed, or "exact".</summary>
    public string? Approximation { get; init; }
    public string? Error { get; init; }
    public bool CancelRequested { get; init; }
    public string? CancelledBy { get; init; }
    public string? IdempotencyKey { get; init; }
    public int Attempts { get; init; }
    public string? Node { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public int DownloadCount { get; init; }
    public DateTimeOffset? LastDownloadedAt { get; init; }
    /// <summary>A direct download: streamed to the client as it was produced, recorded when it ran; no file is kept.</summary>
    public bool Direct { get; init; }
    /// <summary>Answered by the result cache from an earlier export's file (<c>{hit: true, fromJob}</c>); null when
    /// computed afresh.</summary>
    public JobCache? Cache { get; init; }
    /// <summary>Asked never to become a result cache source (<c>Cache-Control: no-store</c>); not shown.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool CacheNoStore { get; init; }
    /// <summary>Milliseconds from start to the final state.</summary>
    public long? DurationMs => StartedAt is { } s && CompletedAt is { } c ? (long)(c - s).TotalMilliseconds : null;
}

public sealed record HistoryQuery(
    string? Status, string? Kind, string? Format, string? Source, DateTimeOffset? From, DateTimeOffset? To,
    string Sort, int Limit, (DateTimeOffset At, Guid Id, long Size)? After);

/// <summary>The export_jobs table, in plain SQL: every query is owner-scoped or keyed by a job id the caller
/// already owns. The table is the read model (lists, quotas and the fences below); each lifecycle transition also
/// appends one event to the job's stream (<see cref="JobEvents"/>) in the transaction of its conditional statement, and
/// only when that statement changed a row. Progress and beats are not events.</summary>
public sealed class JobRecords(NpgsqlDataSource db, IDocumentStore store)
{
    const string Columns = """
        id, owner_id, kind, format, source, title, status, phase, request::text, file_name, media_type, storage,
        storage_key, request_hash, estimated_rows, estimated_bytes, rows_written, bytes_written, size_bytes, row_count,
        checksum, tier, error, cancel_requested, cancelled_by, idempotency_key, attempts, node, created_at, updated_at,
        started_at, completed_at, expires_at, download_count, last_downloaded_at, approximate, approximation, direct, cache_hit_of
        """;

    static JobRecord Read(NpgsqlDataReader r)
    {
        T? N<T>(int i) => r.IsDBNull(i) ? default : r.GetFieldValue<T>(i);
        var estimated = N<long?>(15);
        var bytes = r.GetInt64(17);
        var status = r.GetString(6);
        return new JobRecord
        {
            Id = r.GetGuid(0), OwnerId = r.GetGuid(1), Kind = r.GetString(2), Format = r.GetString(3), Source = N<string>(4),
            Title = r.GetString(5), Status = status, Phase = r.GetString(7),
            Request = JsonDocument.Parse(r.GetString(8)).RootElement.Clone(),
            FileName = r.GetString(9), MediaType = r.GetString(10), Storage = r.GetString(11), StorageKey = r.GetString(12),
            RequestHash = r.GetString(13), EstimatedRows = N<long?>(14), EstimatedBytes = estimated, RowsWritten = r.GetInt64(16),
            BytesWritten = bytes, SizeBytes = N<long?>(18), RowCount = N<long?>(19), Checksum = N<string>(20), Tier = N<string>(21),
            Error = N<string>(22), CancelRequested = r.GetBoolean(23), CancelledBy = N<string>(24), IdempotencyKey = N<string>(25),
            Attempts = r.GetInt32(26), Node = N<string>(27), CreatedAt = r.GetFieldValue<DateTimeOffset>(28),
            UpdatedAt = r.GetFieldValue<DateTimeOffset>(29), StartedAt = N<DateTimeOffset?>(30), CompletedAt = N<DateTimeOffset?>(31),
            ExpiresAt = N<DateTimeOffset?>(32), DownloadCount = r.GetInt32(33), LastDownloadedAt = N<DateTimeOffset?>(34),
            Approximate = N<string[]>(35), Approximation = N<string>(36), Direct = r.GetBoolean(37),
            Cache = r.IsDBNull(38) ? null : new JobCache(true, r.GetGuid(38)),
            Percent = status == JobStatus.Completed ? 100
                : estimated is > 0 ? (int)Math.Min(99, bytes * 100 / estimated.Value) : null,
        };
    }

    static NpgsqlParameter P(object? v) => new() { Value = v ?? DBNull.Value };

    async Task<List<JobRecord>> QueryAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(P(a));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<JobRecord>();
        while (await r.ReadAsync(ct)) list.Add(Read(r));
        return list;
    }

    async Task<int> ExecAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(P(a));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs <paramref name="sql"/> in a transaction; when it changed (or returned) a row, appends what
    /// <paramref name="events"/> makes of that row to the job's stream before the commit.</summary>
    async Task<T?> TransitionAsync<T>(Guid id, string sql, Func<NpgsqlDataReader, T> read, Func<T, object[]> events, CancellationToken ct,
        params object?[] args) where T : class
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        T? row;
        await using (var cmd = new NpgsqlCommand(sql, conn, tx))
        {
            foreach (var a in args) cmd.Parameters.Add(P(a));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            row = await r.ReadAsync(ct) ? read(r) : null;
        }
        if (row is not null)
        {
            await JobEvents.AppendAsync(store, tx, id, ct, events(row));
            await NotifyAsync(conn, tx, id, ct);
        }
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>Tells the job's watchers, at <paramref name="tx"/>'s commit, that its state changed (<see cref="JobSignals"/>).</summary>
    static async Task NotifyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {JobSignals.NotifySql("$1")}", conn, tx);
        cmd.Parameters.Add(P(id));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A transition of every job's path (start, completion) as one statement with its event
    /// (<see cref="JobEvents.Appending"/>): the read row, or null when the statement changed nothing.</summary>
    async Task<T?> TransitionInOneAsync<T>(Guid id, string update, object evt, string? patch, Func<NpgsqlDataReader, T> read, CancellationToken ct,
        params object?[] args) where T : class
    {
        // Its watchers hear of the change at its commit (JobSignals): the job id is the append's first argument.
        var (sql, append) = JobEvents.Appending(store, update, args.Length, id, evt, patch, JobSignals.NotifySql($"${args.Length + 1}"));
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(P(a));
        foreach (var a in append) cmd.Parameters.Add(P(a));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? read(r) : null;
    }

    /// <summary>A conditional single-row statement (with RETURNING 1) and its event, in one transaction.</summary>
    async Task<bool> TransitionAsync(Guid id, string sql, object evt, CancellationToken ct, params object?[] args) =>
        await TransitionAsync(id, sql, _ => "", _ => [evt], ct, args) is not null;

    /// <summary>Appends events to a job's stream in a transaction its caller owns (the submission's).</summary>
    public Task AppendAsync(NpgsqlTransaction tx, Guid id, CancellationToken ct, params object[] events) =>
        JobEvents.AppendAsync(store, tx, id, ct, events);

    /// <summary>The job's events, oldest first (none for a job recorded before streams existed, or a direct download).</summary>
    public async Task<IReadOnlyList<JasperFx.Events.IEvent>> EventsAsync(Guid id, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamAsync(id, token: ct);
    }

    public async Task<JobRecord?> GetAsync(Guid id, CancellationToken ct) =>
        (await QueryAsync($"SELECT {Columns} FROM export_jobs WHERE id = $1", ct, id)).FirstOrDefault();

    public async Task<JobRecord?> GetAsync(Guid owner, Guid id, CancellationToken ct) =>
        (await QueryAsync($"SELECT {Columns} FROM export_jobs WHERE id = $1 AND owner_id = $2", ct, id, owner)).FirstOrDefault();

    public async Task<List<JobRecord>> ManyAsync(Guid owner, Guid[] ids, CancellationToken ct) =>
        ids.Length == 0 ? [] : await QueryAsync($"SELECT {Columns} FROM export_jobs WHERE owner_id = $1 AND id = ANY($2)", ct, owner, ids);

    /// <summary>The owner's job with Idempotency-Key $2 ($1 the owner), as <see cref="ReadRecord"/> reads it.</summary>
    public const string ByIdempotencyKeySql = $"SELECT {Columns} FROM export_jobs WHERE owner_id = $1 AND idempotency_key = $2";

    /// <summary>Reads a row of <see cref="ByIdempotencyKeySql"/>.</summary>
    public static JobRecord ReadRecord(NpgsqlDataReader r) => Read(r);

    /// <summary>Records a job (pending), without its ledger line or event: for tests that build a job's record alone.</summary>
    public static async Task InsertAsync(NpgsqlConnection conn, JobRecord j, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn);
        AddInsertParameters(cmd.Parameters, j);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records a submitted job in one statement on <paramref name="conn"/> (the submission's transaction): its
    /// row, its line in the submission ledger (what the hourly quota counts; history deletes leave it) and the first
    /// event of its stream (<paramref name="queued"/>, through <see cref="JobEvents.Appending"/>). A submission that
    /// rolls back leaves none of the three.</summary>
    public async Task InsertSubmittedAsync(NpgsqlConnection conn, JobRecord j, JobQueued queued, CancellationToken ct)
    {
        var (sql, append) = JobEvents.Appending(store, InsertSql + "\nRETURNING id, owner_id, created_at", InsertParameters, j.Id, queued,
            alsoWith: "ledger AS (INSERT INTO export_submissions (job_id, owner_id, submitted_at) SELECT id, owner_id, created_at FROM changed)");
        await using var cmd = new NpgsqlCommand(sql, conn);
        AddInsertParameters(cmd.Parameters, j);
        foreach (var a in append) cmd.Parameters.Add(P(a));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    const int InsertParameters = 22;
    const string InsertSql = """
        INSERT INTO export_jobs (id, owner_id, kind, format, source, title, status, phase, request, request_hash,
            file_name, media_type, storage, storage_key, estimated_rows, estimated_bytes, tier, idempotency_key,
            created_at, updated_at, approximate, approximation, cache_no_store)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21, $22)
        """;

    static void AddInsertParameters(NpgsqlParameterCollection ps, JobRecord j)
    {
        foreach (var v in new object?[] { j.Id, j.OwnerId, j.Kind, j.Format, j.Source, j.Title, j.Status, j.Phase })
            ps.Add(P(v));
        ps.Add(new NpgsqlParameter { Value = j.Request.GetRawText(), NpgsqlDbType = NpgsqlDbType.Jsonb });
        foreach (var v in new object?[] { j.RequestHash, j.FileName, j.MediaType, j.Storage, j.StorageKey, j.EstimatedRows, j.EstimatedBytes, j.Tier, j.IdempotencyKey, j.CreatedAt })
            ps.Add(P(v));
        ps.Add(new NpgsqlParameter { Value = (object?)j.Approximate?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        ps.Add(P(j.Approximation));
        ps.Add(P(j.CacheNoStore));
    }

    /// <summary>Completes a job answered by the result cache, in the transaction that recorded it: its figures are
    /// the source export's (rows, size, checksum), its file its own link or copy of that export's.</summary>
    public static async Task CompleteFromCacheAsync(NpgsqlConnection conn, JobRecord j, CacheSource from, string node, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            UPDATE export_jobs SET status = 'completed', phase = 'done', node = $2, started_at = $3, completed_at = $3, updated_at = $3,
                expires_at = $4, rows_written = $5, row_count = $5, bytes_written = $6, size_bytes = $6, checksum = $7, cache_hit_of = $8
            WHERE id = $1
            """, conn);
        foreach (var v in new object[] { j.Id, node, now, expires, from.Rows, from.Bytes, from.Checksum, from.Id }) cmd.Parameters.Add(P(v));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Fails direct downloads still marked processing whose node stopped beating their record (it beats it
    /// while the response runs), e.g. the node died mid-stream.</summary>
    /// <summary>Background jobs left processing by a node that stopped writing progress before <paramref name="staleBefore"/>.</summary>
    /// Only the cluster's own (<paramref name="cluster"/>: EXPORTS_SCHEDULER_NAME), or ones started before clusters were
    /// recorded: another cluster on the same database recovers its own.
    public async Task<List<Guid>> StaleProcessingAsync(string cluster, DateTimeOffset staleBefore, int limit, CancellationToken ct)
    {
        // Processing only: a pending job's message may simply wait in a long queue, and a copy for each would run (and
        // hand off delivery) again and again once the first finished.
        await using var cmd = db.CreateCommand("""
            SELECT id FROM export_jobs WHERE NOT direct AND status = 'processing' AND updated_at < $1 AND (cluster = $3 OR cluster IS NULL)
            ORDER BY updated_at LIMIT $2
            """);
        cmd.Parameters.Add(P(staleBefore));
        cmd.Parameters.Add(P(limit));
        cmd.Parameters.Add(P(cluster));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var ids = new List<Guid>();
        while (await r.ReadAsync(ct)) ids.Add(r.GetGuid(0));
        return ids;
    }

    public async Task<int> FailStaleDirectAsync(DateTimeOffset now, DateTimeOffset staleBefore, DateTimeOffset expires, CancellationToken ct) =>
        await ExecAsync("""
            UPDATE export_jobs SET status = 'failed', phase = 'done', completed_at = $1, updated_at = $1, expires_at = $3,
                error = 'The server stopped while this download was streaming.'
            WHERE direct AND status = 'processing' AND updated_at < $2
            """, ct, now, staleBefore, expires);

    /// <summary>Drops ledger lines older than the quota's hour (each submit also prunes its owner's).</summary>
    public async Task<int> PruneLedgerAsync(DateTimeOffset now, CancellationToken ct) =>
        await ExecAsync("DELETE FROM export_submissions WHERE submitted_at <= $1", ct, now.AddHours(-1));

    public async Task<List<JobRecord>> HistoryAsync(Guid owner, HistoryQuery q, CancellationToken ct)
    {
        var where = new List<string> { "owner_id = $1" };
        var args = new List<object?> { owner };
        void Add(string clause, object? value)
        {
            args.Add(value);
            where.Add(clause.Replace("@", "$" + args.Count));
        }
        if (q.Status is { } s) Add("status = @", s);
        if (q.Kind is { } k) Add("kind = @", k);
        if (q.Format is { } f) Add("format = @", f);
        if (q.Source is { } src) Add("source = @", src);
        if (q.From is { } from) Add("created_at >= @", from);
        if (q.To is { } to) Add("created_at < @", to);
        var order = q.Sort switch
        {
            "createdAt" => "created_at ASC, id ASC",
            "size" => "coalesce(size_bytes, 0) DESC, created_at DESC, id DESC",
            _ => "created_at DESC, id DESC",
        };
        if (q.After is { } a)
        {
            var op = q.Sort == "createdAt" ? ">" : "<";
            if (q.Sort == "size")
            {
                args.Add(a.Size); var ps = "$" + args.Count;
                args.Add(a.At); var pa = "$" + args.Count;
                args.Add(a.Id); var pi = "$" + args.Count;
                where.Add($"(coalesce(size_bytes, 0), created_at, id) < ({ps}, {pa}, {pi})");
            }
            else
            {
                args.Add(a.At); var pa = "$" + args.Count;
                args.Add(a.Id); var pi = "$" + args.Count;
                where.Add($"(created_at, id) {op} ({pa}, {pi})");
            }
        }
        return await QueryAsync($"SELECT {Columns} FROM export_jobs WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT {q.Limit + 1}", ct, [.. args]);
    }

    /// <summary>Takes the job for an attempt on this node: pending, or processing on a node that died.</summary>
    /// <summary>Claims a job for an attempt on <paramref name="node"/>: a pending one, one this node runs already (its
    /// next attempt), or one whose node has not written progress since <paramref name="staleBefore"/> (a dead node's).
    /// A job another live node is running is not taken: two runs would race for one file.</summary>
    /// <returns>The attempt's number (the record's attempts, counted across nodes), or null when not claimed.</returns>
    public async Task<int?> StartAttemptAsync(Guid id, string node, string cluster, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct)
    {
        // The same fence as before, still one statement. The subquery reads who held the job without a lock (a refused
        // start locks nothing, and an FK check of a row referencing the job, e.g. a delivery, never waits for it); the
        // UPDATE locks the row and re-checks its conditions on the newest version after any wait (READ COMMITTED). A
        // change committed between the read and the lock either makes those conditions fail (a progress, beat or start
        // moved updated_at past staleBefore; a cancel set its flag; a finish left processing) or changed the status or
        // node read here, which the last condition refuses: so the node a take-over names as recovered from is the one
        // it took the job from.
        // The event's attempt and recovered-from node are the row's, so the statement writes them into its body.
        var started = await TransitionInOneAsync(id, StartSql, new JobStarted(now, 0, node),
            "jsonb_build_object('attempt', changed.attempts, 'recoveredFrom', changed.recovered_from)",
            r => new Tuple<int>(r.GetInt32(0)), ct, id, node, now, staleBefore, cluster);
        return started?.Item1;
    }

    /// <summary>The start's statement ($1 id, $2 node, $3 now, $4 staleBefore, $5 cluster; see StartAttemptAsync).</summary>
    internal const string StartSql = """
            UPDATE export_jobs j SET status = 'processing', phase = 'starting', attempts = j.attempts + 1, node = $2, cluster = $5,
                started_at = coalesce(j.started_at, $3), updated_at = $3, rows_written = 0, bytes_written = 0, error = NULL
            FROM (SELECT status, node FROM export_jobs WHERE id = $1) old
            WHERE j.id = $1 AND NOT j.cancel_requested
              AND (j.status = 'pending' OR (j.status = 'processing' AND (j.node = $2 OR j.updated_at < $4)))
              AND j.status = old.status AND j.node IS NOT DISTINCT FROM old.node
            RETURNING j.attempts, CASE WHEN old.status = 'processing' AND old.node IS DISTINCT FROM $2 THEN old.node END AS recovered_from
            """;

    /// <summary>The completion's statement ($1 id, $2 rows, $3 size, $4 checksum, $5 now, $6 expires, $7 node).</summary>
    internal const string CompleteSql = """
        UPDATE export_jobs SET status = 'completed', phase = 'done', rows_written = $2, row_count = $2,
            bytes_written = $3, size_bytes = $3, checksum = $4, completed_at = $5, updated_at = $5, expires_at = $6
        WHERE id = $1 AND status = 'processing' AND NOT cancel_requested AND node = $7
        RETURNING 1
        """;

    /// <summary>Marks a job this node runs as alive while it waits to retry. Returns whether a cancel was requested
    /// (true), nothing to wait for (null: the job is no longer this node's to run), or false to keep waiting.</summary>
    public async Task<bool?> BeatAsync(Guid id, string node, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE export_jobs SET updated_at = $3 WHERE id = $1 AND status = 'processing' AND node = $2 RETURNING cancel_requested
            """);
        foreach (var v in new object[] { id, node, now }) cmd.Parameters.Add(P(v));
        return await cmd.ExecuteScalarAsync(ct) is bool cancel ? cancel : null;
    }

    /// <summary>Writes progress; returns whether a cancel was requested meanwhile.</summary>
    /// <summary>Writes progress of the run on <paramref name="node"/>; returns whether a cancel was requested meanwhile,
    /// or null when the job is no longer this node's (another node took it over, or it was deleted).</summary>
    public async Task<bool?> ProgressAsync(Guid id, string node, string phase, long rows, long bytes, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE export_jobs SET phase = $3, rows_written = $4, bytes_written = $5, updated_at = $6
            WHERE id = $1 AND node = $2 AND status = 'processing' RETURNING cancel_requested
            """);
        foreach (var v in new object[] { id, node, phase, rows, bytes, now }) cmd.Parameters.Add(P(v));
        return await cmd.ExecuteScalarAsync(ct) is bool cancel ? cancel : null;
    }

    /// <param name="cacheKey">The result cache's key of the export this run computed (it becomes a cache source in the
    /// same statement that completes it); null for one that is not cached.</param>
    public async Task<bool> CompleteAsync(Guid id, string node, long rows, long size, string checksum, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct,
        string? cacheKey = null) =>
        await TransitionInOneAsync(id, cacheKey is null ? CompleteSql : CompleteKeyedSql, new JobCompleted(now, node, rows, size, checksum), null, _ => "", ct,
            cacheKey is null ? [id, rows, size, checksum, now, expires, node] : [id, rows, size, checksum, now, expires, node, cacheKey]) is not null;

    /// <summary><see cref="CompleteSql"/> that also records the cache key ($8), unless the job asked never to be a
    /// source (<c>no-store</c>).</summary>
    internal static readonly string CompleteKeyedSql = CompleteSql.Replace("expires_at = $6", "expires_at = $6, cache_key = CASE WHEN cache_no_store THEN NULL ELSE $8 END");

    /// <param name="node">The run that finishes it, which must still own it; null for a job no node runs (a pending one).</param>
    public async Task<bool> FinishAsync(Guid id, string status, string? error, DateTimeOffset now, CancellationToken ct, string? node = null)
    {
        // Refused before any statement runs: a completion has its own fence and event (CompleteAsync).
        if (status == JobStatus.Completed) throw new ArgumentException("A job completes through CompleteAsync.", nameof(status));
        return await TransitionAsync(id, """
            UPDATE export_jobs SET status = $2, phase = 'done', error = $3, completed_at = $4, updated_at = $4
            WHERE id = $1 AND status IN ('pending', 'processing') AND ($5::text IS NULL OR node = $5)
            RETURNING cancelled_by, node
            """, r => new Tuple<string?, string?>(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)),
            f => [status == JobStatus.Cancelled ? new JobCancelled(now, f.Item1, node ?? f.Item2) : new JobFailed(now, node ?? f.Item2, error)],
            ct, id, status, error, now, node) is not null;
    }

    /// <summary>Fails a job that cannot run: a pending one, one this node runs, or one whose node stopped beating it
    /// before <paramref name="staleBefore"/>; never one another live node runs.</summary>
    public async Task<bool> FailUnrunnableAsync(Guid id, string node, string error, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct) =>
        await TransitionAsync(id, """
            UPDATE export_jobs SET status = 'failed', phase = 'done', error = $3, completed_at = $4, updated_at = $4
            WHERE id = $1 AND (status = 'pending' OR (status = 'processing' AND (node = $2 OR updated_at < $5)))
            RETURNING 1
            """, new JobFailed(now, node, error), ct, id, node, error, now, staleBefore);

    public async Task RetryingAsync(Guid id, string node, string error, DateTimeOffset now, CancellationToken ct) =>
        await TransitionAsync(id, """
            UPDATE export_jobs SET phase = 'waiting to retry', error = $2, updated_at = $3 WHERE id = $1 AND status = 'processing' AND node = $4
            RETURNING attempts
            """, r => new Tuple<int>(r.GetInt32(0)), a => [new JobRetrying(now, a.Item1, node, error)], ct, id, error, now, node);

    /// <summary>Marks a cancel; a pending job is cancelled at once, a running one by its runner.</summary>
    public async Task<JobRecord?> RequestCancelAsync(Guid owner, Guid id, string by, DateTimeOffset now, CancellationToken ct) =>
        await TransitionAsync(id, $"""
            UPDATE export_jobs SET cancel_requested = true, cancelled_by = $3, updated_at = $4,
                status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
                completed_at = CASE WHEN status = 'pending' THEN $4 ELSE completed_at END,
                phase = CASE WHEN status = 'pending' THEN 'done' ELSE 'cancelling' END
            WHERE id = $1 AND owner_id = $2 AND status IN ('pending', 'processing')
            RETURNING {Columns}
            """, Read, j => j.Status == JobStatus.Cancelled
                ? [new JobCancelRequested(now, by), new JobCancelled(now, by, null)]
                : [new JobCancelRequested(now, by)], ct, id, owner, by, now);

    /// <summary>Deletes the record and, in the same transaction, the job's stream (its events and its stream row): a
    /// deleted export leaves no history behind. Only a finished job: a running one must be cancelled first.</summary>
    /// <returns>Whether the record was deleted (false: not the owner's, already gone, or no longer finished).</returns>
    public async Task<bool> DeleteAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand("""
            DELETE FROM export_jobs WHERE id = $1 AND owner_id = $2 AND status IN ('completed', 'failed', 'cancelled', 'expired')
            """, conn, tx))
        {
            delete.Parameters.Add(P(id));
            delete.Parameters.Add(P(owner));
            if (await delete.ExecuteNonQueryAsync(ct) == 0) return false; // rolled back by the dispose: nothing was done
        }
        // The row is gone and locked until the commit: no transition of this job can append meanwhile (each appends
        // only after its statement changed the row, JobEvents.AppendAsync), so nothing re-creates the stream.
        foreach (var sql in new[]
        {
            $"DELETE FROM {Exports.Host.Documents.Schema}.mt_events WHERE stream_id = $1",
            $"DELETE FROM {Exports.Host.Documents.Schema}.mt_streams WHERE id = $1",
        })
        {
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            cmd.Parameters.Add(P(id));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await NotifyAsync(conn, tx, id, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task CountDownloadAsync(Guid id, DateTimeOffset now, CancellationToken ct) =>
        await ExecAsync("UPDATE export_jobs SET download_count = download_count + 1, last_downloaded_at = $2 WHERE id = $1", ct, id, now);

    /// <summary>Completed jobs past their expiry, oldest first.</summary>
    public async Task<List<JobRecord>> ExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        await QueryAsync($"SELECT {Columns} FROM export_jobs WHERE status = 'completed' AND expires_at <= $1 ORDER BY expires_at LIMIT {limit}", ct, now);

    public async Task<bool> MarkExpiredAsync(Guid id, DateTimeOffset now, CancellationToken ct) =>
        await TransitionAsync(id, "UPDATE export_jobs SET status = 'expired', updated_at = $2 WHERE id = $1 AND status = 'completed' RETURNING 1",
            new JobExpired(now), ct, id, now);
}
