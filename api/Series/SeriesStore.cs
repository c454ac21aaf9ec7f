using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Series;

public sealed record PointRow(string Metric, IReadOnlyDictionary<string, string> Tags, DateTime Ts, double? Value);
public sealed record RecordRow(string Key, DateTime Ts, string DataJson);

/// <summary>
/// Writes the series store: points and records through binary COPY into a temporary table, then one upsert on
/// the natural key (series + timestamp, or source + record key), then the touched hourly and daily rollups are
/// recomputed from raw, all in one transaction: a batch lands whole or not at all.
/// </summary>
public static class SeriesStore
{
    /// <summary>p0, p1, ..., p100 of each bucket: what merged percentiles are computed from.</summary>
    public static readonly string QuantilesSql =
        "ARRAY[" + string.Join(",", Enumerable.Range(0, 101).Select(i => (i / 100.0).ToString("0.00", CultureInfo.InvariantCulture))) + "]::float8[]";

    public static string TagsKey(IReadOnlyDictionary<string, string> tags) =>
        string.Join("\u001f", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));

    public static async Task<int> UpsertPointsAsync(NpgsqlDataSource db, Guid sourceId, IReadOnlyList<PointRow> rows, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var ids = await EnsureSeriesAsync(conn, sourceId, rows.Select(r => (r.Metric, r.Tags)), ct);
        await Exec(conn, "CREATE TEMP TABLE tmp_points (ord int, series_id bigint, ts timestamptz, value float8) ON COMMIT DROP", ct);
        await using (var imp = await conn.BeginBinaryImportAsync("COPY tmp_points (ord, series_id, ts, value) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                await imp.StartRowAsync(ct);
                await imp.WriteAsync(i, NpgsqlDbType.Integer, ct);
                await imp.WriteAsync(ids[(r.Metric, TagsKey(r.Tags))], NpgsqlDbType.Bigint, ct);
                await imp.WriteAsync(r.Ts, NpgsqlDbType.TimestampTz, ct);
                if (r.Value is { } v) await imp.WriteAsync(v, NpgsqlDbType.Double, ct); else await imp.WriteNullAsync(ct);
            }
            await imp.CompleteAsync(ct);
        }
        await Exec(conn, """
            INSERT INTO points (series_id, ts, value)
            SELECT DISTINCT ON (series_id, ts) series_id, ts, value FROM tmp_points ORDER BY series_id, ts, ord DESC
            ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value
            """, ct);
        await Exec(conn, RollupSql("rollup_hourly", "hour", "(SELECT DISTINCT series_id, date_trunc('hour', ts, 'UTC') AS b FROM tmp_points)"), ct);
        await Exec(conn, RollupSql("rollup_daily", "day", "(SELECT DISTINCT series_id, date_trunc('day', ts, 'UTC') AS b FROM tmp_points)"), ct);
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>Recomputes the buckets listed by <paramref name="touched"/> (series_id, b) from raw points. The sum is
    /// numeric (it cannot overflow, see migration 0006): each value enters through its shortest round-trip text,
    /// which Npgsql's session setting extra_float_digits = 3 guarantees.</summary>
    internal static string RollupSql(string table, string unit, string touched) => $"""
        INSERT INTO {table} (series_id, bucket, n, sum, min, max, q)
        SELECT p.series_id, t.b, count(p.value), sum(p.value::text::numeric), min(p.value), max(p.value),
               percentile_cont({QuantilesSql}) WITHIN GROUP (ORDER BY p.value) FILTER (WHERE p.value IS NOT NULL)
        FROM {touched} t
        JOIN points p ON p.series_id = t.series_id AND p.ts >= t.b AND p.ts < t.b + interval '1 {unit}'
        GROUP BY p.series_id, t.b
        ON CONFLICT (series_id, bucket) DO UPDATE
        SET n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max, q = excluded.q
        """;

    /// <summary>Rebuilds every rollup of a source from raw (used after a bulk load into empty tables).</summary>
    public static async Task RebuildRollupsAsync(NpgsqlConnection conn, Guid sourceId, CancellationToken ct)
    {
        foreach (var (table, unit) in new[] { ("rollup_hourly", "hour"), ("rollup_daily", "day") })
        {
            await using (var del = new NpgsqlCommand($"DELETE FROM {table} WHERE series_id IN (SELECT id FROM series WHERE source_id = $1)", conn))
            {
                del.Parameters.Add(new() { Value = sourceId });
                await del.ExecuteNonQueryAsync(ct);
            }
            await using var cmd = new NpgsqlCommand($"""
                INSERT INTO {table} (series_id, bucket, n, sum, min, max, q)
                SELECT p.series_id, date_trunc('{unit}', p.ts, 'UTC'), count(p.value), sum(p.value::text::numeric), min(p.value), max(p.value),
                       percentile_cont({QuantilesSql}) WITHIN GROUP (ORDER BY p.value) FILTER (WHERE p.value IS NOT NULL)
                FROM points p JOIN series s ON s.id = p.series_id
                WHERE s.source_id = $1
                GROUP BY 1, 2
                """, conn);
            cmd.Parameters.Add(new() { Value = sourceId });
            cmd.CommandTimeout = 600;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public static async Task<Dictionary<(string, string), long>> EnsureSeriesAsync(NpgsqlConnection conn, Guid sourceId,
        IEnumerable<(string Metric, IReadOnlyDictionary<string, string> Tags)> series, CancellationToken ct)
    {
        var distinct = new Dictionary<(string, string), IReadOnlyDictionary<string, string>>();
        foreach (var (m, t) in series) distinct.TryAdd((m, TagsKey(t)), t);
        var cmd = new NpgsqlCommand("""
            INSERT INTO series (source_id, metric, tags, tags_key)
            SELECT $1, m, t::jsonb, k FROM unnest($2::text[], $3::text[], $4::text[]) AS x(m, t, k)
            ON CONFLICT (source_id, metric, tags_key) DO NOTHING
            """, conn);
        cmd.Parameters.Add(new() { Value = sourceId });
        cmd.Parameters.Add(new() { Value = distinct.Keys.Select(k => k.Item1).ToArray() });
        cmd.Parameters.Add(new() { Value = distinct.Values.Select(t => JsonSerializer.Serialize(t)).ToArray() });
        cmd.Parameters.Add(new() { Value = distinct.Keys.Select(k => k.Item2).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
        var ids = new Dictionary<(string, string), long>();
        var q = new NpgsqlCommand("SELECT id, metric, tags_key FROM series WHERE source_id = $1", conn);
        q.Parameters.Add(new() { Value = sourceId });
        await using var r = await q.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids[(r.GetString(1), r.GetString(2))] = r.GetInt64(0);
        return ids;
    }

    public static async Task<int> UpsertRecordsAsync(NpgsqlDataSource db, Guid sourceId, IReadOnlyList<RecordRow> rows,
        Func<NpgsqlConnection, Task>? inTransaction, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Exec(conn, "CREATE TEMP TABLE tmp_records (ord int, key text, ts timestamptz, data jsonb) ON COMMIT DROP", ct);
        await using (var imp = await conn.BeginBinaryImportAsync("COPY tmp_records (ord, key, ts, data) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                await imp.StartRowAsync(ct);
                await imp.WriteAsync(i, NpgsqlDbType.Integer, ct);
                await imp.WriteAsync(rows[i].Key, NpgsqlDbType.Text, ct);
                await imp.WriteAsync(rows[i].Ts, NpgsqlDbType.TimestampTz, ct);
                await imp.WriteAsync(rows[i].DataJson, NpgsqlDbType.Jsonb, ct);
            }
            await imp.CompleteAsync(ct);
        }
        var cmd = new NpgsqlCommand("""
            INSERT INTO records (source_id, key, ts, data)
            SELECT DISTINCT ON (key) $1, key, ts, data FROM tmp_records ORDER BY key, ord DESC
            ON CONFLICT (source_id, key) DO UPDATE SET ts = excluded.ts, data = excluded.data
            """, conn);
        cmd.Parameters.Add(new() { Value = sourceId });
        await cmd.ExecuteNonQueryAsync(ct);
        if (inTransaction is not null) await inTransaction(conn);
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
