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

        var table = c.Tier switch { "raw" => "points", "hourly" => "rollup_hourly", _ => "rollup_daily" };
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
                    columns.Add(new(name, type, slot++)); valueTypes.Add(type);
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

        string? estimateSql = null; long? fixedEstimate = null;
        if (raw)
        {
            // Whole hours inside the range come from the hourly rollup's counts; the partial hours at either end
            // are counted from raw points. Exact unless a filter on 'value' is set (then whole hours are an upper bound).
            const string m = "JOIN unnest($1::bigint[], $2::int[], $3::int[]) AS m(series_id, metric_idx, group_idx) ON m.series_id = p.series_id\nJOIN series s ON s.id = p.series_id\n";
            var rawFilter = filterSql is null ? "" : "AND " + filterSql;
            var hourFilter = filterSql is null || filterUsesValue ? "" : "AND " + filterSql;
            const string a = "(CASE WHEN date_trunc('hour', $4::timestamptz) = $4 THEN $4::timestamptz ELSE date_trunc('hour', $4::timestamptz) + interval '1 hour' END)";
            const string b = "date_trunc('hour', $5::timestamptz)";
            estimateSql = $"""
                SELECT CASE WHEN {a} >= {b} AND $6::text IS NOT NULL THEN
                  (SELECT count(*) FROM points p {m} WHERE p.series_id = ANY($1) AND p.ts >= $4 AND p.ts < $5 {rawFilter})
                ELSE
                  (SELECT coalesce(sum(p.n), 0) FROM rollup_hourly p {m} WHERE p.series_id = ANY($1) AND p.bucket >= {a} AND p.bucket < {b} {hourFilter})
                  + (SELECT count(*) FROM points p {m} WHERE p.series_id = ANY($1)
                       AND ((p.ts >= $4 AND p.ts < {a}) OR (p.ts >= {b} AND p.ts < $5)) {rawFilter})
                END::bigint
                """;
            if (wide) estimateSql = $"SELECT (({estimateSql}) / greatest({metrics.Count}, 1))::bigint";
        }
        else
        {
            var buckets = (long)Math.Ceiling((c.To - c.From) / c.Gran.Approx);
            fixedEstimate = buckets * groups.Count * (wide ? 1 : metrics.Count);
        }

        return new QueryPlan
        {
            Source = src, Tier = c.Tier, Granularity = c.Gran, From = c.From, To = c.To, Zone = c.Zone,
            Sql = sql, Params = ps.Values, AllColumns = columns, Columns = columns, RangeLabel = c.RangeLabel,
            Mapper = new SeriesRowMapper(!wide, metrics.ToArray(), groups.ToArray(), dimStart, valueTypes.ToArray(), valueStart),
            EstimateSql = estimateSql, FixedEstimate = fixedEstimate,
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
    /// percentiles come from the buckets' 101 stored quantiles).</summary>
    static string AggSql(Aggregation a, string tier, string? cond)
    {
        var filter = cond is null ? "" : $" FILTER (WHERE {cond})";
        var frac = a.Fraction.ToString("0.#####", CultureInfo.InvariantCulture);
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
            _ => $"(SELECT percentile_cont({frac}) WITHIN GROUP (ORDER BY x) FROM unnest(array_agg(p.q) FILTER (WHERE p.q IS NOT NULL{(cond is null ? "" : " AND " + cond)})) x)",
        };
    }
}
