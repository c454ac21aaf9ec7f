using Exports.Shared;
using System.Globalization;
using System.Text;
using Exports.Formats;

namespace Exports.Series;

/// <summary>
/// Plans a timeseries export. The selected series are resolved from the catalog and handed to SQL as arrays
/// (series id, metric index, group index), so the query returns only numbers and the mapper looks names up.
/// </summary>
public static class TimeseriesPlanner
{
    public static QueryPlan? Plan(PlanContext c)
    {
        var src = c.Src;
        var e = c.Errors;
        var known = src.Metrics.Select(m => m.Name).ToList();
        var metrics = c.Req.Metrics is { Count: > 0 } ms ? ms : known;
        for (var i = 0; i < metrics.Count; i++)
            if (!known.Contains(metrics[i]))
                e.Add($"metrics[{i}]", $"Unknown metric '{metrics[i]}' in source '{src.Name}'. Known: {string.Join(", ", known)}.");
        if (metrics.Distinct().Count() != metrics.Count) e.Add("metrics", "A metric is listed twice.");
        if (c.Req.Fields is { Count: > 0 }) e.Add("fields", $"'{src.Name}' is a timeseries source: choose metrics, not fields.");
        var dims = src.Dimensions.Select(d => d.Name).ToList();
        var raw = c.Gran.IsRaw;
        List<string> groupDims;
        if (raw || c.Req.GroupBy is null) groupDims = dims;
        else
        {
            groupDims = [];
            for (var i = 0; i < c.Req.GroupBy.Count; i++)
                if (!dims.Contains(c.Req.GroupBy[i])) e.Add($"groupBy[{i}]", $"Unknown dimension '{c.Req.GroupBy[i]}'. Known: {string.Join(", ", dims)}.");
                else if (!groupDims.Contains(c.Req.GroupBy[i])) groupDims.Add(c.Req.GroupBy[i]);
        }
        if (e.Any) return null;

        var aggs = raw ? [] : c.Aggs.Count > 0 ? c.Aggs : [Aggregation.Parse("avg")!];
        var ps = new SqlParams();
        // $1..$3: the series mapping; $4, $5: the range; $6: the time zone name.
        var seriesIds = new List<long>(); var metricIdx = new List<int>(); var groupIdx = new List<int>();
        // Groups are numbered in the order of their tag values, so ORDER BY group index is alphabetical.
        static string Key(string?[] vals) => string.Join("\u001f", vals.Select(v => v ?? "\u0000"));
        var selected = src.Series.Where(s => metrics.Contains(s.Metric))
            .Select(s => (Series: s, Values: groupDims.Select(d => s.Tags.TryGetValue(d, out var v) ? v : null).ToArray()))
            .ToList();
        var groups = selected.Select(x => x.Values).DistinctBy(Key).OrderBy(Key, StringComparer.Ordinal).ToList();
        var groupKeys = groups.Select((g, i) => (Key(g), i)).ToDictionary(x => x.Item1, x => x.i);
        foreach (var (s, vals) in selected.OrderBy(x => x.Series.Id))
        {
            seriesIds.Add(s.Id); metricIdx.Add(metrics.IndexOf(s.Metric)); groupIdx.Add(groupKeys[Key(vals)]);
        }
        ps.Add(seriesIds.ToArray()); ps.Add(metricIdx.ToArray()); ps.Add(groupIdx.ToArray());
        ps.Add(c.From.UtcDateTime); ps.Add(c.To.UtcDateTime); ps.Add(c.ZoneName);

        var table = c.Tier == "raw" ? "points" : RollupSource(c.Tier, c.Gran, c.Zone, c.From, c.To, ps);
        var timeCol = c.Tier == "raw" ? "p.ts" : "p.bucket";
        FieldExpr? Resolve(string name) =>
            name == "metric" ? new FieldExpr("s.metric", "string")
            : name == "value" ? (c.Tier == "raw" ? new FieldExpr("p.value", "double") : null)
            : dims.Contains(name) ? new FieldExpr($"(s.tags->>{SqlText.Literal(name)})", "string") : null;

        string? filterSql = null;
        var filterUsesValue = false;
        if (c.Req.Filter is { } f && f.ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            if (c.Tier != "raw" && FilterMentions(f, "value"))
            {
                e.Add("filter", $"Filters on 'value' need raw points, but this export reads the {c.Tier} tier: choose a range of 7 days or less, or a granularity below 1h.");
                return null;
            }
            var fc = new FilterCompiler(Resolve, ps, e);
            filterSql = fc.Compile(f);
            filterUsesValue = fc.UsesField("value");
        }
        if (e.Any) return null;

        var from = new StringBuilder()
            .Line("FROM " + table + " p")
            .Line("JOIN unnest($1::bigint[], $2::int[], $3::int[]) AS m(series_id, metric_idx, group_idx) ON m.series_id = p.series_id")
            .Line("JOIN series s ON s.id = p.series_id")
            .Line($"WHERE p.series_id = ANY($1) AND {timeCol} >= $4 AND {timeCol} < $5");
        if (filterSql is not null) from.Line("AND " + filterSql);

        var columns = new List<OutputColumn> { new("time", ColumnType.Time, 0) };
        var wide = c.Wide;
        var slot = 1;
        if (!wide) columns.Add(new("metric", ColumnType.String, slot++, IsKey: true));
        var dimStart = slot;
        foreach (var d in groupDims) columns.Add(new(d, ColumnType.String, slot++, IsKey: true));
        var valueStart = slot;
        var valueTypes = new List<ColumnType>();
        var select = new StringBuilder("SELECT ");
        var bucket = raw ? timeCol : c.Gran.BucketSql(timeCol, "$6");
        select.Append(bucket).Append(" AS t, m.group_idx");
        if (!wide) select.Append(", m.metric_idx");

        if (raw && !wide)
        {
            columns.Add(new("value", ColumnType.Double, slot++)); valueTypes.Add(ColumnType.Double);
            select.Append(", p.value\n");
        }
        else
        {
            var perMetric = wide ? metrics.Select((m, i) => (Name: m, Index: i)).ToList() : [(Name: "", Index: -1)];
            foreach (var (m, i) in perMetric)
                foreach (var a in raw ? [new Aggregation("value", "max", 0)] : aggs)
                {
                    var name = !wide ? a.Name : raw || aggs.Count == 1 ? m : $"{m}_{a.Name}";
                    var type = a.IsCount ? ColumnType.Long : ColumnType.Double;
                    columns.Add(new(name, type, slot++, Aggregate: raw ? Aggregate.None : a.Function)); valueTypes.Add(type);
                    var cond = i >= 0 ? $"m.metric_idx = {i}" : null;
                    select.Append(", ").Append(AggSql(a, c.Tier, cond));
                }
            select.Append('\n');
        }

        var groupBy = wide ? "GROUP BY 1, 2" : raw ? "" : "GROUP BY 1, 2, 3";
        var orderBy = wide
            ? (c.SeriesMajor ? "ORDER BY 2, 1" : "ORDER BY 1, 2")
            : "ORDER BY m.metric_idx, m.group_idx, 1";
        var sql = select + from.ToString() + groupBy + "\n" + orderBy;

        // Whole hours inside the range come from the hourly rollup's counts; the partial hours at either end
        // are counted from raw points.
        static string RawCount(string rawFilter, string hourFilter)
        {
            const string m = "JOIN unnest($1::bigint[], $2::int[], $3::int[]) AS m(series_id, metric_idx, group_idx) ON m.series_id = p.series_id\nJOIN series s ON s.id = p.series_id\n";
            const string a = "(CASE WHEN date_trunc('hour', $4::timestamptz) = $4 THEN $4::timestamptz ELSE date_trunc('hour', $4::timestamptz) + interval '1 hour' END)";
            const string b = "date_trunc('hour', $5::timestamptz)";
            return $"""
                SELECT CASE WHEN {a} >= {b} AND $6::text IS NOT NULL THEN
                  (SELECT count(*) FROM points p {m} WHERE p.series_id = ANY($1) AND p.ts >= $4 AND p.ts < $5 {rawFilter})
                ELSE
                  (SELECT coalesce(sum(p.n), 0) FROM rollup_hourly p {m} WHERE p.series_id = ANY($1) AND p.bucket >= {a} AND p.bucket < {b} {hourFilter})
                  + (SELECT count(*) FROM points p {m} WHERE p.series_id = ANY($1)
                       AND ((p.ts >= $4 AND p.ts < {a}) OR (p.ts >= {b} AND p.ts < $5)) {rawFilter})
                END::bigint
                """;
        }
        var scanSql = c.Tier == "raw" ? RawCount("", "")
            : $"SELECT count(*) FROM {table} p WHERE p.series_id = ANY($1) AND p.bucket >= $4 AND p.bucket < $5 AND $6::text IS NOT NULL";

        string estimateSql; var estimateKind = "exact";
        if (raw)
        {
            // Exact unless a filter on 'value' is set (then whole hours are an upper bound).
            estimateSql = RawCount(filterSql is null ? "" : "AND " + filterSql, filterSql is null || filterUsesValue ? "" : "AND " + filterSql);
            if (filterUsesValue) estimateKind = "upper bound";
            if (wide) estimateSql = $"SELECT (({estimateSql}) / greatest({metrics.Count}, 1))::bigint";
        }
        else if (c.Tier != "raw")
        {
            // The rows themselves, counted on the rollup (cheap: no percentiles, one row per series and unit).
            estimateSql = $"SELECT count(*) FROM (SELECT 1 {from}GROUP BY {bucket}, m.group_idx{(wide ? "" : ", m.metric_idx")}) q";
        }
        else
        {
            // Buckets in the range times the series (or groups, when wide) the filter can match in the catalog: an
            // upper bound, as a bucket without points has no row. Every bucket of 15 minutes or more holds one of the
            // sample instants (every 15 minutes from the start, and the last instant of the range).
            var step = c.Gran.SqlInterval ?? "15 minutes";
            var catalogFilter = filterSql is null || filterUsesValue ? "" : "AND " + filterSql;
            estimateSql = $"""
                SELECT (SELECT count(DISTINCT {c.Gran.BucketSql("x.t", "$6")}) FROM (
                          SELECT generate_series($4::timestamptz, $5::timestamptz - interval '1 microsecond', interval '{step}')
                          UNION ALL SELECT $5::timestamptz - interval '1 microsecond') x(t) WHERE $5 > $4)
                     * (SELECT count(*) FROM (SELECT DISTINCT m.group_idx{(wide ? "" : ", m.metric_idx")}
                          FROM unnest($1::bigint[], $2::int[], $3::int[]) AS m(series_id, metric_idx, group_idx)
                          JOIN series s ON s.id = m.series_id WHERE true {catalogFilter}) q)
                """;
            estimateKind = "upper bound";
        }

        // Percentiles merged from a rollup are approximate; count, sum, avg, min and max are exact on every tier.
        var approximate = c.Tier == "raw" ? [] : aggs.Where(a => a.Kind == "pct").Select(a => a.Name).ToList();
        var unit = c.Tier == "hourly" ? "hour" : "day";
        var approximation = approximate.Count == 0 ? "exact"
            : $"{string.Join(", ", approximate)} merged from the {c.Tier} rollup: percentile_cont over the 101 quantiles (p0..p100) " +
              $"stored for each {unit} of each series, every {unit} weighted equally (where the range or a local bucket boundary cuts " +
              $"a {unit}, each piece counts as one unit with its own quantiles); approximate. exact: true computes them from raw points.";

        var keyCols = wide ? new[] { 1 } : new[] { 1, 2 };
        var sqlValues = columns.Skip(valueStart).Select((col, i) => (Column: keyCols.Length + 1 + i, col.Name)).ToList();
        string Label(object?[] keys, string value)
        {
            var g = groups[Convert.ToInt32(keys[0])];
            var name = wide ? value : metrics[Convert.ToInt32(keys[1])] + (value == "value" ? "" : " " + value);
            var tags = string.Join(", ", g.Where(v => v is not null));
            return tags.Length == 0 ? name : $"{name} · {tags}";
        }

        return new QueryPlan
        {
            Chart = new ChartColumns(keyCols.Length + 1 + valueTypes.Count, keyCols, sqlValues, Label),
            Source = src, Tier = c.Tier, Granularity = c.Gran, From = c.From, To = c.To, Zone = c.Zone,
            Sql = sql, Params = ps.Values, AllColumns = columns, Columns = columns, RangeLabel = c.RangeLabel,
            Mapper = new SeriesRowMapper(!wide, metrics.ToArray(), groups.ToArray(), dimStart, valueTypes.ToArray(), valueStart),
            EstimateSql = estimateSql, EstimateKind = estimateKind, ScanSql = scanSql,
            Approximate = approximate, Approximation = approximation,
        };
    }

    /// <summary>
    /// The rows a rollup tier's query reads, so that every output bucket holds exactly the points of its span within
    /// the range: each rollup unit that lies whole inside the range and inside one output bucket; for the daily tier,
    /// the hourly rows of the days cut by the range's ends; and, computed from raw points, one row per piece of each
    /// hour that remains (cut by the range's ends, or split by a local bucket boundary: see <see cref="SplitUnits"/>).
    /// </summary>
    static string RollupSource(string tier, Granularity g, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, SqlParams ps)
    {
        const string cols = "r.series_id, r.bucket, r.n, r.sum, r.min, r.max, r.q";
        var hour = TimeSpan.FromHours(1);
        var sql = new StringBuilder("(");
        var rawHours = SplitUnits(g, zone, from, to, hour);
        if (tier == "daily")
        {
            // Output buckets are UTC days, weeks or months here (the zone's offset is 0), so only the range's ends cut.
            var days = ps.Add(SplitUnits(g, zone, from, to, ExportPlanner.Day));
            sql.Append($"SELECT {cols} FROM rollup_daily r WHERE r.series_id = ANY($1) AND r.bucket >= $4 AND r.bucket + interval '1 day' <= $5 AND r.bucket <> ALL({days}::timestamptz[])\n")
               .Append($"UNION ALL SELECT {cols} FROM unnest({days}::timestamptz[]) d(day) JOIN rollup_hourly r ON r.series_id = ANY($1)")
               .Append($" AND r.bucket >= greatest(d.day, $4) AND r.bucket < d.day + interval '1 day' AND r.bucket + interval '1 hour' <= $5\n");
        }
        var raw = ps.Add(rawHours);
        if (tier == "hourly")
            sql.Append($"SELECT {cols} FROM rollup_hourly r WHERE r.series_id = ANY($1) AND r.bucket >= $4 AND r.bucket + interval '1 hour' <= $5 AND r.bucket <> ALL({raw}::timestamptz[])\n");
        // Each piece of a split hour (the part in one local bucket) becomes one row like a rollup unit's, with its own
        // 101 quantiles, so it weighs in a merged percentile as one unit does, however many points it holds.
        sql.Append($"""
            UNION ALL SELECT x.series_id, min(x.ts), count(x.value), sum(x.value::text::numeric), min(x.value), max(x.value),
                   percentile_cont({SeriesStore.QuantilesSql}) WITHIN GROUP (ORDER BY x.value) FILTER (WHERE x.value IS NOT NULL)
              FROM unnest({raw}::timestamptz[]) e(h)
              JOIN points x ON x.series_id = ANY($1) AND x.ts >= greatest(e.h, $4) AND x.ts < least(e.h + interval '1 hour', $5)
              GROUP BY x.series_id, e.h, date_trunc('{g.TruncUnit}', x.ts, $6))
            """);
        return sql.ToString();
    }

    /// <summary>The rollup units (UTC hours or days, by start) that an output bucket cannot take whole: cut by the
    /// range's ends, or split by a local bucket boundary (local midnight is :30 UTC in Asia/Kolkata).</summary>
    static DateTime[] SplitUnits(Granularity g, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, TimeSpan unit)
    {
        var (f, t) = (from.UtcDateTime, to.UtcDateTime);
        var list = new List<DateTime>();
        for (var h = new DateTime(f.Ticks - f.Ticks % unit.Ticks, DateTimeKind.Utc); h < t; h += unit)
            if (h < f || h + unit > t || LocalBucket(g, zone, h) != LocalBucket(g, zone, h + unit - TimeSpan.FromTicks(10)))
                list.Add(h);
        return list.ToArray();
    }

    /// <summary>The local start of the bucket holding <paramref name="utc"/>, as PostgreSQL's date_trunc(unit, ts, zone)
    /// computes it (weeks start on Monday).</summary>
    static DateTime LocalBucket(Granularity g, TimeZoneInfo zone, DateTime utc)
    {
        var l = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return g.TruncUnit switch
        {
            "hour" => new DateTime(l.Year, l.Month, l.Day, l.Hour, 0, 0),
            "day" => l.Date,
            "week" => l.Date.AddDays(-(((int)l.DayOfWeek + 6) % 7)),
            "month" => new DateTime(l.Year, l.Month, 1),
            _ => throw new InvalidOperationException($"Rollup tiers serve calendar granularities only, not {g.Name}."),
        };
    }

    static bool FilterMentions(System.Text.Json.JsonElement node, string field) => node.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => node.EnumerateObject().Any(p =>
            (p.Name == "field" && p.Value.ValueKind == System.Text.Json.JsonValueKind.String && p.Value.GetString() == field)
            || FilterMentions(p.Value, field)),
        System.Text.Json.JsonValueKind.Array => node.EnumerateArray().Any(x => FilterMentions(x, field)),
        _ => false,
    };

    /// <summary>One aggregate over the raw points, or merged from a rollup tier (count, sum, min, max are exact;
    /// percentiles come from the buckets' 101 stored quantiles, and the values of any raw points read with them).</summary>
    static string AggSql(Aggregation a, string tier, string? cond)
    {
        var filter = cond is null ? "" : $" FILTER (WHERE {cond})";
        var frac = a.Fraction.ToString("0.#####", CultureInfo.InvariantCulture);
        var and = cond is null ? "" : " AND " + cond;
        if (tier == "raw")
            return a.Kind switch
            {
                "count" => $"count(p.value){filter}",
                // Exact, as the rollups are: a float8 sum raises "value out of range" past 1.8e308.
                "sum" => $"exports_float8(sum(p.value::text::numeric){filter})",
                "avg" => $"exports_float8(avg(p.value::text::numeric){filter})",
                "min" => $"min(p.value){filter}",
                "max" => $"max(p.value){filter}",
                _ => $"percentile_cont({frac}) WITHIN GROUP (ORDER BY p.value){filter}",
            };
        return a.Kind switch
        {
            // Rollup sums are numeric (exact, cannot overflow): the nearest double, or +/-Infinity beyond its range.
            "count" => $"(sum(p.n){filter})::bigint",
            "sum" => $"exports_float8(sum(p.sum){filter})",
            "avg" => $"exports_float8(sum(p.sum){filter} / nullif(sum(p.n){filter}, 0))",
            "min" => $"min(p.min){filter}",
            "max" => $"max(p.max){filter}",
            // The 101 quantiles of every unit: stored for whole rollup units, computed for the pieces of split ones.
            _ => $"(SELECT percentile_cont({frac}) WITHIN GROUP (ORDER BY x) FROM unnest(array_agg(p.q) FILTER (WHERE p.q IS NOT NULL{and})) u(x))",
        };
    }
}
