using Exports.Shared;
using System.Globalization;
using System.Text;
using Exports.Formats;

namespace Exports.Series;

/// <summary>Plans a records export: raw events with their fields, or counts and measure aggregates per bucket and group.</summary>
public static class RecordsPlanner
{
    public static QueryPlan? Plan(PlanContext c)
    {
        var src = c.Src;
        var e = c.Errors;
        var fields = src.Schema.Fields;
        if (c.Req.Metrics is { Count: > 0 }) e.Add("metrics", $"'{src.Name}' is a records source: choose fields, not metrics.");
        if (c.Wide) e.Add("shape", "The wide shape pivots metrics into columns; records already have one column per field. Use long.");
        var selected = new List<FieldInfo>();
        for (var i = 0; i < (c.Req.Fields?.Count ?? 0); i++)
        {
            var f = src.Field(c.Req.Fields![i]);
            if (f is null) e.Add($"fields[{i}]", $"Unknown field '{c.Req.Fields[i]}' in source '{src.Name}'. Known: {string.Join(", ", fields.Select(x => x.Name))}.");
            else if (!selected.Contains(f)) selected.Add(f);
        }
        if (selected.Count == 0) selected = fields.ToList();

        var raw = c.Gran.IsRaw;
        var groupFields = new List<FieldInfo>();
        for (var i = 0; i < (c.Req.GroupBy?.Count ?? 0); i++)
        {
            var f = src.Field(c.Req.GroupBy![i]);
            if (f is null || f.Role != "dimension") e.Add($"groupBy[{i}]", $"'{c.Req.GroupBy[i]}' is not a dimension of '{src.Name}'.");
            else if (f.Type == "array") e.Add($"groupBy[{i}]", $"'{f.Name}' is an array field: group by a string dimension (or export raw records with arrayHandling: expand).");
            else if (!groupFields.Contains(f)) groupFields.Add(f);
        }
        // Arrays: the format's default is list (JSON arrays) for json / jsonl and stringify (JSON text) elsewhere
        // (list is also parquet's LIST column, on request);
        // expand writes one row per element of one array field (several at once would multiply rows: refused).
        var jsonFormat = c.Req.Format is "json" or "jsonl";
        var keepArrays = c.Req.ArrayHandling is "list" || (jsonFormat && c.Req.ArrayHandling is null or "expand");
        FieldInfo? expand = null;
        if (c.Req.ArrayHandling == "expand")
        {
            var arrays = selected.Where(f => f.Type == "array").ToList();
            if (!raw) e.Add("arrayHandling", "expand writes one row per array element of raw records: choose granularity raw, without groupBy or aggregations.");
            else if (c.Req.ExpandField is { } name)
            {
                expand = src.Field(name);
                if (expand is null || expand.Type != "array" || !selected.Contains(expand))
                {
                    e.Add("expandField", $"'{name}' is not a selected array field. Array fields: {string.Join(", ", arrays.Select(f => f.Name).DefaultIfEmpty("none"))}.");
                    expand = null;
                }
            }
            else if (arrays.Count == 1) expand = arrays[0];
            else e.Add("expandField", arrays.Count == 0
                ? "expand needs an array field among the selected fields; there is none."
                : $"expand expands one array field at a time (several would multiply the rows): name it in expandField, one of {string.Join(", ", arrays.Select(f => f.Name))}.");
            if (expand is not null && fields.Any(f => f.Name == expand.Name + "_index"))
                e.Add("expandField", $"The element index column '{expand.Name}_index' would clash with the field of that name.");
        }
        else if (c.Req.ExpandField is not null) e.Add("expandField", "expandField goes with arrayHandling: expand.");
        if (e.Any) return null;

        var ps = new SqlParams();
        ps.Add(src.Id); ps.Add(c.From.UtcDateTime); ps.Add(c.To.UtcDateTime); ps.Add(c.ZoneName);
        FieldExpr? Resolve(string name) => src.Field(name) is { } f ? Expr(f) : null;
        string? filterSql = null;
        if (c.Req.Filter is { } filter && filter.ValueKind != System.Text.Json.JsonValueKind.Null)
            filterSql = new FilterCompiler(Resolve, ps, e).Compile(filter);
        if (e.Any) return null;

        var where = new StringBuilder("FROM records r\n");
        if (expand is not null)
        {
            // One row per element, in order; a record whose array is empty or missing still gives one row (nulls).
            var arr = $"r.data->{SqlText.Literal(expand.Name)}";
            where.Line($"LEFT JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof({arr}) WHEN 'array' THEN {arr} END) WITH ORDINALITY AS x(value, ord) ON true");
        }
        where.Append("WHERE r.source_id = $1 AND r.ts >= $2 AND r.ts < $3 AND $4::text IS NOT NULL\n");
        // The query reads every record in the range (the filter is evaluated on each): that is its cost.
        var scan = "SELECT count(*) FROM records r WHERE r.source_id = $1 AND r.ts >= $2 AND r.ts < $3 AND $4::text IS NOT NULL\n";
        if (filterSql is not null) where.Line("AND " + filterSql);

        var columns = new List<OutputColumn> { new("time", ColumnType.Time, 0) };
        var sql = new StringBuilder("SELECT ");
        string estimate;
        if (raw)
        {
            sql.Append("r.ts");
            foreach (var f in selected)
            {
                if (f == expand)
                {
                    // The element (JSON in json / jsonl, its text elsewhere; a null element is null) and its 0-based index.
                    columns.Add(new(f.Name, ColumnType.String, columns.Count, Json: jsonFormat));
                    sql.Append(jsonFormat ? ", nullif(x.value, 'null'::jsonb)::text" : ", x.value #>> '{}'");
                    columns.Add(new(f.Name + "_index", ColumnType.Long, columns.Count, IsOrdinal: true));
                    sql.Append(", x.ord - 1");
                    continue;
                }
                columns.Add(new(f.Name, TypeOf(f), columns.Count, IsKey: f.Role == "dimension" && f.Type != "array", Json: f.Type == "array" && keepArrays));
                sql.Append(", ").Append(f.Type == "array" ? $"({Expr(f).Sql})::text" : Expr(f).Sql);
            }
            var tail = expand is null ? "" : ", x.ord";
            sql.Append('\n').Append(where).Append(c.SeriesMajor ? "ORDER BY " + KeyOrder(selected) + tail : "ORDER BY r.ts, r.key" + tail);
            estimate = "SELECT count(*) " + where;
        }
        else
        {
            var aggs = c.Aggs.Count > 0 ? c.Aggs : [Aggregation.Parse("count")!];
            var measures = selected.Where(f => f.Role == "measure").ToList();
            sql.Append(c.Gran.BucketSql("r.ts", "$4"));
            foreach (var g in groupFields)
            {
                columns.Add(new(g.Name, ColumnType.String, columns.Count, IsKey: true));
                sql.Append(", ").Append(Expr(g).Sql);
            }
            foreach (var a in aggs)
            {
                if (a.IsCount)
                {
                    columns.Add(new("count", ColumnType.Long, columns.Count, Aggregate: Aggregate.Count));
                    sql.Append(", count(*)");
                    continue;
                }
                if (measures.Count == 0) { e.Add("aggregations", $"'{a.Name}' needs a measure field among the selected fields."); return null; }
                foreach (var m in measures)
                {
                    columns.Add(new($"{m.Name}_{a.Name}", ColumnType.Double, columns.Count, Aggregate: a.Function));
                    sql.Append(", ").Append(AggSql(a, Expr(m).Sql));
                }
            }
            var n = groupFields.Count + 1;
            var keys = string.Join(", ", Enumerable.Range(1, n));
            var order = c.SeriesMajor && n > 1 ? string.Join(", ", Enumerable.Range(2, n - 1)) + ", 1" : keys;
            sql.Append('\n').Append(where).Append("GROUP BY ").Append(keys).Append("\nORDER BY ").Append(order);
            estimate = $"SELECT count(*) FROM (SELECT 1 {where} GROUP BY {string.Join(", ", new[] { c.Gran.BucketSql("r.ts", "$4") }.Concat(groupFields.Select(g => Expr(g).Sql)))}) q";
        }

        // Raw records: one series per numeric field; buckets: one per group and aggregate column.
        var keyCols = raw ? new List<int>() : Enumerable.Range(1, groupFields.Count).ToList();
        var valueCols = columns.Where(x => x.Slot > 0 && !keyCols.Contains(x.Slot) && !x.IsOrdinal && x.Type is ColumnType.Double or ColumnType.Long)
            .Select(x => (Column: x.Slot, x.Name)).ToList();
        static string Label(object?[] keys, string value) =>
            keys.Length == 0 ? value : $"{value} · {string.Join(", ", keys.Where(k => k is not null and not DBNull))}";

        return new QueryPlan
        {
            Chart = new ChartColumns(columns.Count, keyCols, valueCols, Label),
            Source = src, Tier = "raw", Granularity = c.Gran, From = c.From, To = c.To, Zone = c.Zone,
            Sql = sql.ToString(), Params = ps.Values, AllColumns = columns, Columns = columns, RangeLabel = c.RangeLabel,
            Mapper = new PlainRowMapper(columns.Select(x => x.Type).ToArray()), EstimateSql = estimate,
            ScanSql = scan,
        };
    }

    static string KeyOrder(List<FieldInfo> selected)
    {
        var dims = selected.Where(f => f.Role == "dimension" && f.Type != "array").Select(f => Expr(f).Sql).ToList();
        return dims.Count == 0 ? "r.ts, r.key" : string.Join(", ", dims) + ", r.ts, r.key";
    }

    public static FieldExpr Expr(FieldInfo f) => f.Type switch
    {
        "double" => new($"(r.data->>{SqlText.Literal(f.Name)})::float8", "double"),
        "integer" => new($"(r.data->>{SqlText.Literal(f.Name)})::bigint", "integer"),
        "array" => new($"(r.data->{SqlText.Literal(f.Name)})", "array"),
        _ => new($"(r.data->>{SqlText.Literal(f.Name)})", "string"),
    };

    static ColumnType TypeOf(FieldInfo f) => f.Type switch
    {
        "double" => ColumnType.Double,
        "integer" => ColumnType.Long,
        _ => ColumnType.String,
    };

    static string AggSql(Aggregation a, string expr) => a.Kind switch
    {
        // Exact and overflow-free (a float8 sum raises "value out of range" past 1.8e308).
        "sum" => $"exports_float8(sum(({expr})::text::numeric))",
        "avg" => $"exports_float8(avg(({expr})::text::numeric))",
        "min" => $"min({expr})::float8",
        "max" => $"max({expr})::float8",
        _ => $"percentile_cont({a.Fraction.ToString("0.#####", CultureInfo.InvariantCulture)}) WITHIN GROUP (ORDER BY {expr})",
    };
}
