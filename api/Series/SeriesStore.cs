using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Series;

/// <summary>
/// The series store's shared SQL: series keys, the statement that recomputes touched hourly and daily buckets from
/// raw, and the bulk-load helpers the demo seed uses. Ingest streams through <see cref="PointsStage"/> and
/// <see cref="RecordsStage"/>: a batch lands whole or not at all.
/// </summary>
public static class SeriesStore
{
    /// <summary>p0, p1, ..., p100 of each bucket: what merged percentiles are computed from.</summary>
    public static readonly string QuantilesSql =
        "ARRAY[" + string.Join(",", Enumerable.Range(0, 101).Select(i => (i / 100.0).ToString("0.00", CultureInfo.InvariantCulture))) + "]::float8[]";

    public static string TagsKey(IReadOnlyDictionary<string, string> tags) =>
        string.Join("\u001f", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));

    /// <summary>Recomputes the buckets listed by <paramref name="touched"/> (series_id, b) from raw points. The sum is
    /// numeric (it cannot overflow, see migration 0007): each value enters through its shortest round-trip text,
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
}
