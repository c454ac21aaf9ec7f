using Npgsql;
using NpgsqlTypes;

namespace Exports.Series;

/// <summary>One point as the ingest stages it: its series by position in the batch's list of distinct series.</summary>
public struct StagedPoint
{
    public int Series;
    public DateTime Ts;
    public double Value;
    public bool HasValue;
}

/// <summary>A distinct series of a batch: the metric, the canonical tags key (<see cref="SeriesStore.TagsKey"/>)
/// and the tags as a JSON object.</summary>
public sealed record SeriesKey(string Metric, string TagsKey, string TagsJson);

/// <summary>One record as the ingest stages it: key and JSON data are slices of the batch's character arena.</summary>
public struct StagedRecord
{
    public DateTime Ts;
    public int KeyStart, KeyLength, DataStart, DataLength;
}

/// <summary>
/// A batch of points streamed into PostgreSQL while the body is still being read: binary COPY into a temporary
/// table inside one transaction, opened on the first row. Commit resolves the batch's series, upserts the points on
/// (series, timestamp) (the last row wins) and recomputes the touched hourly and daily rollups from raw, then commits;
/// disposing without commit cancels the COPY and rolls back, so a refused batch leaves nothing behind.
/// </summary>
public sealed class PointsStage(NpgsqlDataSource db, LiveLog? live = null) : CopyStage(db)
{
    public async Task WriteAsync(StagedPoint[] rows, int count, CancellationToken ct)
    {
        if (count == 0) return;
        var copy = await CopyAsync("CREATE TEMP TABLE tmp_points (ord int, sidx int, ts timestamptz, value float8) ON COMMIT DROP",
            "COPY tmp_points (ord, sidx, ts, value) FROM STDIN (FORMAT BINARY)", ct);
        for (var i = 0; i < count; i++)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(NextOrd(), NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(rows[i].Series, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(rows[i].Ts, NpgsqlDbType.TimestampTz, ct);
            if (rows[i].HasValue) await copy.WriteAsync(rows[i].Value, NpgsqlDbType.Double, ct);
            else await copy.WriteNullAsync(ct);
        }
    }

    public async Task<int> CommitAsync(Guid sourceId, IReadOnlyList<SeriesKey> series, CancellationToken ct)
    {
        var conn = await CompleteCopyAsync(ct);
        await Staging.Exec(conn, "CREATE TEMP TABLE tmp_series (sidx int, metric text, tags jsonb, tags_key text) ON COMMIT DROP", ct);
        await using (var imp = await conn.BeginBinaryImportAsync("COPY tmp_series (sidx, metric, tags, tags_key) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < series.Count; i++)
            {
                await imp.StartRowAsync(ct);
                await imp.WriteAsync(i, NpgsqlDbType.Integer, ct);
                await imp.WriteAsync(series[i].Metric, NpgsqlDbType.Text, ct);
                await imp.WriteAsync(series[i].TagsJson, NpgsqlDbType.Jsonb, ct);
                await imp.WriteAsync(series[i].TagsKey, NpgsqlDbType.Text, ct);
            }
            await imp.CompleteAsync(ct);
        }
        await Staging.Exec(conn, """
            INSERT INTO series (source_id, metric, tags, tags_key)
            SELECT $1, metric, tags, tags_key FROM tmp_series ORDER BY sidx
            ON CONFLICT (source_id, metric, tags_key) DO NOTHING
            """, ct, sourceId);
        await Staging.Exec(conn, """
            CREATE TEMP TABLE tmp_ids ON COMMIT DROP AS
            SELECT t.sidx, s.id AS series_id FROM tmp_series t
            JOIN series s ON s.source_id = $1 AND s.metric = t.metric AND s.tags_key = t.tags_key
            """, ct, sourceId);
        // Two batches into one series serialize here (in series order, so they cannot deadlock): each then upserts
        // and recomputes the touched rollups seeing the other's committed points, and the hourly and daily tiers
        // stay equal to what SQL on raw points says.
        await Staging.Exec(conn, """
            SELECT pg_advisory_xact_lock(hashtextextended('series:' || series_id, 0))
            FROM (SELECT DISTINCT series_id FROM tmp_ids ORDER BY series_id) s
            """, ct);
        // A point whose stored value is the same is left as it is (no new row version; nothing for the live log).
        const string upsert = """
            INSERT INTO points (series_id, ts, value)
            SELECT DISTINCT ON (i.series_id, p.ts) i.series_id, p.ts, p.value
            FROM tmp_points p JOIN tmp_ids i ON i.sidx = p.sidx
            ORDER BY i.series_id, p.ts, p.ord DESC
            ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value WHERE points.value IS DISTINCT FROM excluded.value
            """;
        var logged = live is not null && await LiveLog.HasConsumerAsync(conn, sourceId, ct);
        if (logged)
            await Staging.Exec(conn, LiveLog.AppendSql(upsert + " RETURNING series_id, ts, value", LiveLog.PointRowJson,
                "JOIN series s ON s.id = c.series_id", "c.ts, s.metric, s.tags_key"), ct, sourceId, (long)live!.ChunkRows);
        else await Staging.Exec(conn, upsert, ct);
        const string touched = "(SELECT DISTINCT i.series_id, date_trunc('{0}', p.ts, 'UTC') AS b FROM tmp_points p JOIN tmp_ids i ON i.sidx = p.sidx)";
        await Staging.Exec(conn, SeriesStore.RollupSql("rollup_hourly", "hour", string.Format(touched, "hour")), ct);
        await Staging.Exec(conn, SeriesStore.RollupSql("rollup_daily", "day", string.Format(touched, "day")), ct);
        await Staging.Exec(conn, logged ? Staging.BumpDataVersion : Staging.BumpDataVersionUnlogged, ct, sourceId);
        await CommitTransactionAsync(ct);
        return Count;
    }
}

/// <summary>Records streamed like <see cref="PointsStage"/>: COPY into a temporary table, then one upsert on
/// (source, key) where the last row of the batch wins, plus the caller's own statement in the same transaction.</summary>
public sealed class RecordsStage(NpgsqlDataSource db, LiveLog? live = null) : CopyStage(db)
{
    public async Task WriteAsync(StagedRecord[] rows, int count, char[] arena, CancellationToken ct)
    {
        if (count == 0) return;
        var copy = await CopyAsync("CREATE TEMP TABLE tmp_records (ord int, key text, ts timestamptz, data jsonb) ON COMMIT DROP",
            "COPY tmp_records (ord, key, ts, data) FROM STDIN (FORMAT BINARY)", ct);
        for (var i = 0; i < count; i++)
        {
            var r = rows[i];
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(NextOrd(), NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(new ReadOnlyMemory<char>(arena, r.KeyStart, r.KeyLength), NpgsqlDbType.Text, ct);
            await copy.WriteAsync(r.Ts, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(new ReadOnlyMemory<char>(arena, r.DataStart, r.DataLength), NpgsqlDbType.Jsonb, ct);
        }
    }

    public async Task<int> CommitAsync(Guid sourceId, Func<NpgsqlConnection, Task>? inTransaction, CancellationToken ct)
    {
        var conn = await CompleteCopyAsync(ct);
        // A record stored with the same time and fields is left as it is (nothing for the live log).
        const string upsert = """
            INSERT INTO records (source_id, key, ts, data)
            SELECT DISTINCT ON (key) $1, key, ts, data FROM tmp_records ORDER BY key, ord DESC
            ON CONFLICT (source_id, key) DO UPDATE SET ts = excluded.ts, data = excluded.data
                WHERE (records.ts, records.data) IS DISTINCT FROM (excluded.ts, excluded.data)
            """;
        var logged = live is not null && await LiveLog.HasConsumerAsync(conn, sourceId, ct);
        if (logged)
            await Staging.Exec(conn, LiveLog.AppendSql(upsert + " RETURNING key, ts, data", LiveLog.RecordRowJson, "", "c.ts, c.key"),
                ct, sourceId, (long)live!.ChunkRows);
        else await Staging.Exec(conn, upsert, ct, sourceId);
        if (inTransaction is not null) await inTransaction(conn);
        await Staging.Exec(conn, logged ? Staging.BumpDataVersion : Staging.BumpDataVersionUnlogged, ct, sourceId);
        await CommitTransactionAsync(ct);
        return Count;
    }
}

/// <summary>What both stages share: one connection and transaction opened with the first rows, a binary COPY into a
/// temporary table, and on dispose without commit a cancelled COPY and a rollback.</summary>
public abstract class CopyStage(NpgsqlDataSource db) : IAsyncDisposable
{
    NpgsqlConnection? _conn;
    NpgsqlTransaction? _tx;
    NpgsqlBinaryImporter? _copy;
    bool _committed;

    /// <summary>Rows staged so far; each row's position is its "ord" (later rows win on duplicates).</summary>
    public int Count { get; private set; }

    /// <summary>The open COPY, begun (with its temporary table) on the first call; advances <see cref="Count"/>.</summary>
    protected async Task<NpgsqlBinaryImporter> CopyAsync(string createTemp, string copy, CancellationToken ct)
    {
        if (_copy is null)
        {
            (_conn, _tx) = await Staging.BeginAsync(db, createTemp, ct);
            _copy = await _conn.BeginBinaryImportAsync(copy, ct);
        }
        return _copy;
    }

    protected int NextOrd() => Count++;

    protected async Task<NpgsqlConnection> CompleteCopyAsync(CancellationToken ct)
    {
        if (_copy is null || _conn is null || _tx is null) throw new InvalidOperationException("Nothing was staged.");
        await _copy.CompleteAsync(ct);
        await _copy.DisposeAsync();
        _copy = null;
        return _conn;
    }

    protected async Task CommitTransactionAsync(CancellationToken ct)
    {
        await _tx!.CommitAsync(ct);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_copy is not null) await Staging.Cancel(_copy);
        await Staging.EndAsync(_conn, _tx, _committed);
    }
}

static class Staging
{
    /// <summary>The source's data version (migration 0011), bumped in the ingest's own transaction, last, so it commits
    /// with the rows or not at all: the result cache (Jobs/ResultCache) reads it before an export reads the source, and
    /// answers from an earlier file only while it is unchanged. The row lock it takes is held to the commit, a moment.</summary>
    public const string BumpDataVersion = "UPDATE sources SET data_version = data_version + 1 WHERE id = $1";

    /// <summary><see cref="BumpDataVersion"/> for an ingest that committed without logging (its source had no live
    /// consumer when it looked): it also marks where in the live log its rows fall, <c>live_unlogged_seq</c> = the
    /// live_seq it reads under the row lock (so after every logged ingest that committed before it), and counts itself
    /// (<c>live_unlogged_count</c>), for streams resuming or open meanwhile (LiveLog.ReadAsync: the stream says resync).</summary>
    public const string BumpDataVersionUnlogged =
        "UPDATE sources SET data_version = data_version + 1, live_unlogged_seq = live_seq, live_unlogged_count = live_unlogged_count + 1 WHERE id = $1";

    public static async Task<(NpgsqlConnection, NpgsqlTransaction)> BeginAsync(NpgsqlDataSource db, string createTemp, CancellationToken ct)
    {
        var conn = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            // Rollup sums read each value as its shortest round-trip text; make that independent of server defaults.
            // No JIT: the ingest's statements join temporary tables that have no statistics, so the planner takes
            // them for ~2,000 rows each and, over a points table of millions, costs the rollup recomputations past
            // jit_above_cost; compiling them took ~145 ms each, nearly all of a 100-point ingest's ~300 ms (bench/live.mjs).
            await Exec(conn, "SET LOCAL extra_float_digits = 3; SET LOCAL jit = off", ct);
            await Exec(conn, createTemp, ct);
            return (conn, tx);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>Disposing an importer that was not completed sends CopyFail: PostgreSQL discards the rows.</summary>
    public static async Task Cancel(NpgsqlBinaryImporter copy)
    {
        try { await copy.DisposeAsync(); }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException) { /* the connection is dropped below */ }
    }

    public static async Task EndAsync(NpgsqlConnection? conn, NpgsqlTransaction? tx, bool committed)
    {
        if (conn is null) return;
        try
        {
            if (!committed && tx is not null && conn.State == System.Data.ConnectionState.Open) await tx.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { /* a broken connection rolls back by itself */ }
        finally
        {
            if (tx is not null) await tx.DisposeAsync();
            await conn.DisposeAsync();
        }
    }

    public static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 300 };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
