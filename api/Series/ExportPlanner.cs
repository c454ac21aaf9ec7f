using Exports.Shared;
using Exports.Formats;

namespace Exports.Series;

/// <param name="RawMaxDays">The longest range whose raw points an export reads when it asked for them or for buckets
/// the planner computes from raw by default.</param>
/// <param name="BucketsFromRawMaxDays">The longest range whose buckets are computed from raw points because the request
/// asked for exactness (exact: true) or its zone's offset is not a whole hour: the output is buckets, the cost a scan.</param>
public sealed record PlannerLimits(int RawMaxDays, int BucketsFromRawMaxDays = 400);

/// <summary>
/// Validates an export request against its source's catalog and plans the query: time range, time zone,
/// granularity and tier, aggregations, grouping, shape and column selection. Every problem is a field error;
/// nothing touches the database here except through the catalog the caller loaded.
/// </summary>
public static class ExportPlanner
{
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <param name="seriesMajor">The format wants each series' rows together (see <see cref="Exports.Formats.ExportFormat.SeriesMajor"/>).</param>
    public static QueryPlan? Plan(ExportRequest req, SourceCatalog src, DateTimeOffset now, PlannerLimits limits, Errors errors, bool seriesMajor = false)
    {
        if (!TimeZones.TryIana(req.Timezone, out var zone))
            errors.Add("timezone", $"Unknown time zone '{req.Timezone}'. Use an IANA name such as Europe/Berlin.");

        var (from, to, label) = Timeframes.Resolve(req.Timeframe, zone, now, errors);

        var gName = string.IsNullOrWhiteSpace(req.Granularity) ? "auto" : req.Granularity.Trim();
        Granularity? gran = null;
        if (gName != "auto" && !Granularity.Known.TryGetValue(gName, out gran))
            errors.Add("granularity", $"Unknown granularity '{gName}'. Use auto, raw, 1m, 5m, 15m, 1h, 1d, 1w or 1mo.");

        var aggs = new List<Aggregation>();
        for (var i = 0; i < (req.Aggregations?.Count ?? 0); i++)
        {
            var a = Aggregation.Parse(req.Aggregations![i]);
            if (a is null) errors.Add($"aggregations[{i}]", $"Unknown aggregation '{req.Aggregations[i]}'. Use count, sum, avg, min, max or a percentile such as p95.");
            else if (aggs.Any(x => x.Name == a.Name)) errors.Add($"aggregations[{i}]", $"'{a.Name}' is listed twice.");
            else aggs.Add(a);
        }

        var shape = string.IsNullOrWhiteSpace(req.Shape) ? "long" : req.Shape.Trim();
        if (shape is not ("long" or "wide")) errors.Add("shape", "Shape must be long or wide.");

        if (req.ArrayHandling is { } ah && ah is not ("expand" or "stringify" or "list"))
            errors.Add("arrayHandling", $"Unknown arrayHandling '{ah}'. Use expand, stringify or list.");
        else if (req.ArrayHandling == "list" && req.Format is not ("json" or "jsonl" or "parquet"))
            errors.Add("arrayHandling", $"'list' keeps arrays as arrays, which only json, jsonl (JSON arrays) and parquet (LIST columns) write; {req.Format} takes expand or stringify.");
        // A timeseries source has no arrays: stringify and the format's own default (list for json / jsonl) change
        // nothing and pass, so a client or template that always sends them works; expand (and expandField) cannot.
        var noOp = req.ArrayHandling is null or "stringify" || (req.ArrayHandling == "list" && req.Format is "json" or "jsonl");
        if (src.IsTimeseries && (!noOp || req.ExpandField is not null))
            errors.Add(!noOp ? "arrayHandling" : "expandField", $"'{src.Name}' is a timeseries source: it has no array fields to expand (arrays live in records sources).");

        if (errors.Any) return null;
        var span = to - from;

        // Tier and bucket. auto "fits the range": up to 24h raw points; up to 7d hourly buckets computed from raw;
        // up to 30d the hourly rollup; beyond that the daily rollup. A request that groups or aggregates needs buckets,
        // so for it auto never means raw: see AutoBucket.
        string tier;
        var wantsBuckets = aggs.Count > 0 || req.GroupBy is { Count: > 0 };
        if (gran is null && wantsBuckets && (span <= Day || !src.IsTimeseries))
        {
            gran = AutoBucket(span);
            tier = "raw"; // sub-hour buckets of a day at most, or records (which have no rollup)
        }
        else if (gran is null)
        {
            if (!src.IsTimeseries) { gran = Granularity.Raw; tier = "raw"; }
            else if (span <= Day) { gran = Granularity.Raw; tier = "raw"; }
            else if (span <= 7 * Day) { gran = Granularity.Known["1h"]; tier = "raw"; }
            else if (span <= 31 * Day) { gran = Granularity.Known["1h"]; tier = "hourly"; }
            else { gran = Granularity.Known["1d"]; tier = "daily"; }
        }
        else if (!src.IsTimeseries || gran.IsRaw || gran.SqlInterval is not null) tier = "raw";
        else if (gran.Name == "1h") tier = span <= 7 * Day ? "raw" : "hourly";
        else tier = "daily";

        // A rollup bucket starts at a whole UTC hour (hourly) or UTC midnight (daily); the query reads raw points for
        // any unit that a local bucket boundary splits (TimeseriesPlanner.RollupSource), so no bucket is labelled with
        // a span it does not hold. Daily units are split every day unless the zone's offset stays 0: read hourly ones.
        // Local hours are all split where the offset is not a whole hour: read raw points.
        string? rawWhy = null;
        if (tier == "daily" && TimeZones.OffsetNotDividedBy(zone, from, to, Day) is not null) tier = "hourly";
        if (tier == "hourly" && gran.Name == "1h" && TimeZones.OffsetNotDividedBy(zone, from, to, TimeSpan.FromHours(1)) is { } off)
        {
            tier = "raw";
            rawWhy = $"{zone.Id} has a UTC offset of {(off < TimeSpan.Zero ? "-" : "+")}{off:hh\\:mm} in this range, which is not a whole hour, " +
                     "so its hours are computed from raw points";
        }
        if (req.Exact == true && src.IsTimeseries && tier != "raw")
        {
            tier = "raw";
            rawWhy = "exact: true computes every aggregation from raw points";
        }

        var needsRawRange = tier == "raw" && (gran.IsRaw || src.IsTimeseries);
        var rawLimit = rawWhy is not null && !gran.IsRaw ? limits.BucketsFromRawMaxDays : limits.RawMaxDays;
        if (needsRawRange && span > rawLimit * Day)
        {
            errors.Add("timeframe", rawWhy is null
                ? $"A range of {span.TotalDays:0.#} days is too large for the raw tier (at most {rawLimit} days). " +
                  "Choose a granularity of 1h or coarser, or a shorter range."
                : $"A range of {span.TotalDays:0.#} days is too large for buckets computed from raw points (at most {rawLimit} days, " +
                  "EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS): " + rawWhy + ". Choose a shorter range" + (req.Exact == true ? " or leave out exact." : "."));
            return null;
        }
        if (gran.IsRaw && aggs.Count > 0)
            errors.Add("aggregations", "Aggregations need a time bucket: choose a granularity other than raw.");
        if (gran.IsRaw && req.GroupBy is { Count: > 0 })
            errors.Add("groupBy", "Grouping needs a time bucket: choose a granularity other than raw.");
        if (span / gran.Approx > 2_000_000)
            errors.Add("granularity", $"A {gran.Name} granularity over {span.TotalDays:0.#} days makes too many buckets; choose a coarser one.");
        if (errors.Any) return null;

        var ctx = new PlanContext(req, src, from, to, zone, gran, tier, aggs, shape, label, errors) { SeriesMajor = seriesMajor };
        var plan = src.IsTimeseries ? TimeseriesPlanner.Plan(ctx) : RecordsPlanner.Plan(ctx);
        if (plan is null || errors.Any) return null;
        var columns = Project(plan.AllColumns, req.Columns, errors);
        return errors.Any ? null : new QueryPlan
        {
            Source = plan.Source, Tier = plan.Tier, Granularity = plan.Granularity, From = plan.From, To = plan.To,
            Chart = plan.Chart, Zone = plan.Zone, Sql = plan.Sql, Params = plan.Params, AllColumns = plan.AllColumns, Columns = columns,
            Mapper = plan.Mapper, EstimateSql = plan.EstimateSql, RangeLabel = plan.RangeLabel,
            EstimateKind = plan.EstimateKind, ScanSql = plan.ScanSql, Approximate = plan.Approximate, Approximation = plan.Approximation,
        };
    }

    /// <summary>The bucket auto chooses for a request that groups or aggregates: a few dozen to a few hundred buckets
    /// per series (up to 1h: 1m; up to 6h: 5m; up to 24h: 15m; up to 31d: 1h; beyond: 1d).</summary>
    public static Granularity AutoBucket(TimeSpan span) =>
        span <= TimeSpan.FromHours(1) ? Granularity.Known["1m"]
        : span <= TimeSpan.FromHours(6) ? Granularity.Known["5m"]
        : span <= Day ? Granularity.Known["15m"]
        : span <= 31 * Day ? Granularity.Known["1h"]
        : Granularity.Known["1d"];

    /// <summary>Applies include / exclude / rename / order to the query's columns.</summary>
    public static IReadOnlyList<OutputColumn> Project(IReadOnlyList<OutputColumn> all, ColumnSpec? spec, Errors errors)
    {
        if (spec is null) return all;
        var byName = all.ToDictionary(c => c.Name);
        void Check(List<string>? names, string field)
        {
            for (var i = 0; i < (names?.Count ?? 0); i++)
                if (!byName.ContainsKey(names![i]))
                    errors.Add($"columns.{field}[{i}]", $"Unknown column '{names[i]}'. Columns are: {string.Join(", ", all.Select(c => c.Name))}.");
        }
        Check(spec.Include, "include"); Check(spec.Exclude, "exclude"); Check(spec.Order, "order");
        foreach (var k in spec.Rename?.Keys ?? Enumerable.Empty<string>())
            if (!byName.ContainsKey(k)) errors.Add($"columns.rename.{k}", $"Unknown column '{k}'.");
        if (errors.Any) return all;

        IEnumerable<OutputColumn> cols = spec.Include is { Count: > 0 } inc ? inc.Distinct().Select(n => byName[n]) : all;
        if (spec.Exclude is { Count: > 0 } exc) cols = cols.Where(c => !exc.Contains(c.Name));
        var list = cols.ToList();
        if (spec.Order is { Count: > 0 } order)
            list = list.OrderBy(c => order.IndexOf(c.Name) is var i && i < 0 ? int.MaxValue : i).ToList();
        if (spec.Rename is { Count: > 0 } rename)
            list = list.Select(c => rename.TryGetValue(c.Name, out var n) ? c with { Name = n } : c).ToList();
        if (list.Count == 0) errors.Add("columns", "The column selection leaves no column.");
        foreach (var dup in list.GroupBy(c => c.Name).Where(g => g.Count() > 1))
            errors.Add("columns.rename", $"Two columns would be named '{dup.Key}'.");
        foreach (var (k, v) in spec.Rename ?? [])
            if (string.IsNullOrWhiteSpace(v) || v.Length > 128) errors.Add($"columns.rename.{k}", "A column name must have 1 to 128 characters.");
        return list;
    }
}

public sealed record PlanContext(ExportRequest Req, SourceCatalog Src, DateTimeOffset From, DateTimeOffset To,
    TimeZoneInfo Zone, Granularity Gran, string Tier, List<Aggregation> Aggs, string Shape, string RangeLabel, Errors Errors)
{
    public bool Wide => Shape == "wide";
    /// <summary>The format wants each series' rows together (nested JSON); everything else reads best in time order.</summary>
    public bool SeriesMajor { get; init; }
    public string ZoneName => Zone.Id;
}
