using Exports.Shared;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Exports.Series;

public sealed record FieldInfo(string Name, string Role, string Type, string? Unit);
public sealed record MetricInfo(string Name, string? Unit, string Type = "double");
public sealed record DimensionInfo(string Name, IReadOnlyList<string> Values);
public sealed record SeriesInfo(long Id, string Metric, IReadOnlyDictionary<string, string> Tags);
public sealed record Extent(DateTimeOffset From, DateTimeOffset To);
public sealed record RowCounts(long Raw, long Hourly, long Daily);

/// <summary>The declared part of a source, stored as JSON on the source row and kept current by ingest.</summary>
public sealed record SourceSchema
{
    public List<FieldInfo> Fields { get; init; } = [];
    public Dictionary<string, string> Units { get; init; } = new();
    /// <summary>Distinct values seen per dimension of a records source (capped).</summary>
    public Dictionary<string, List<string>> Values { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
    public static SourceSchema Parse(string json) => JsonSerializer.Deserialize<SourceSchema>(json, Json) ?? new();
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>One source as the query engine sees it: its kind, metrics or fields, dimensions and series.</summary>
public sealed class SourceCatalog
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public required SourceSchema Schema { get; init; }
    public IReadOnlyList<SeriesInfo> Series { get; init; } = [];
    public bool IsTimeseries => Kind == "timeseries";

    public IReadOnlyList<MetricInfo> Metrics => IsTimeseries
        ? Series.Select(s => s.Metric).Distinct().Order(StringComparer.Ordinal)
            .Select(m => new MetricInfo(m, Schema.Units.GetValueOrDefault(m))).ToList()
        : [];

    public IReadOnlyList<DimensionInfo> Dimensions => IsTimeseries
        ? Series.SelectMany(s => s.Tags).GroupBy(t => t.Key).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DimensionInfo(g.Key, g.Select(t => t.Value).Distinct().Order(StringComparer.Ordinal).ToList())).ToList()
        : Schema.Fields.Where(f => f.Role == "dimension")
            .Select(f => new DimensionInfo(f.Name, Schema.Values.GetValueOrDefault(f.Name) ?? [])).ToList();

    public FieldInfo? Field(string name) => Schema.Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>Loads the source when it belongs to the owner; null otherwise (the caller answers 404 either way).</summary>
    public static async Task<SourceCatalog?> LoadAsync(NpgsqlDataSource db, Guid owner, string name, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        SourceCatalog? src = null;
        await using (var cmd = new NpgsqlCommand("SELECT id, kind, description, schema::text FROM sources WHERE owner_id = $1 AND name = $2", conn))
        {
            cmd.Parameters.Add(new() { Value = owner });
            cmd.Parameters.Add(new() { Value = name });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return null;
            src = new SourceCatalog
            {
                Id = r.GetGuid(0), Name = name, Kind = r.GetString(1), Description = r.GetString(2),
                Schema = SourceSchema.Parse(r.GetString(3)),
            };
        }
        if (!src.IsTimeseries) return src;
        var series = new List<SeriesInfo>();
        await using (var cmd = new NpgsqlCommand("SELECT id, metric, tags::text FROM series WHERE source_id = $1 ORDER BY id", conn))
        {
            cmd.Parameters.Add(new() { Value = src.Id });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                series.Add(new SeriesInfo(r.GetInt64(0), r.GetString(1),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(2)) ?? new()));
        }
        return new SourceCatalog
        {
            Id = src.Id, Name = src.Name, Kind = src.Kind, Description = src.Description, Schema = src.Schema, Series = series,
        };
    }

    public async Task<(Extent? Extent, RowCounts Counts)> StatsAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var sql = IsTimeseries
            ? """
              SELECT (SELECT min(f.ts) FROM series s CROSS JOIN LATERAL (SELECT ts FROM points WHERE series_id = s.id ORDER BY ts LIMIT 1) f WHERE s.source_id = $1),
                     (SELECT max(l.ts) FROM series s CROSS JOIN LATERAL (SELECT ts FROM points WHERE series_id = s.id ORDER BY ts DESC LIMIT 1) l WHERE s.source_id = $1),
                     (SELECT coalesce(sum(d.n), 0)::bigint FROM rollup_daily d JOIN series s ON s.id = d.series_id WHERE s.source_id = $1),
                     (SELECT count(*) FROM rollup_hourly h JOIN series s ON s.id = h.series_id WHERE s.source_id = $1),
                     (SELECT count(*) FROM rollup_daily d JOIN series s ON s.id = d.series_id WHERE s.source_id = $1)
              """
            : "SELECT min(ts), max(ts), count(*), 0::bigint, 0::bigint FROM records WHERE source_id = $1";
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new() { Value = Id });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        Extent? extent = r.IsDBNull(0) ? null
            : new Extent(r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1));
        return (extent, new RowCounts(r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));
    }
}
