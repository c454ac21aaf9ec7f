using Exports.Series;
using Exports.Shared;

namespace Exports.Tests.Series;

public sealed class ExportPlannerTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    static SourceCatalog Servers() => new()
    {
        Id = Guid.NewGuid(), Name = "servers", Kind = "timeseries", Description = "", Schema = new SourceSchema(),
        Series =
        [
            new SeriesInfo(1, "cpu", new Dictionary<string, string> { ["server"] = "a", ["region"] = "eu" }),
            new SeriesInfo(2, "cpu", new Dictionary<string, string> { ["server"] = "b", ["region"] = "eu" }),
            new SeriesInfo(3, "mem", new Dictionary<string, string> { ["server"] = "a", ["region"] = "eu" }),
        ],
    };

    static QueryPlan? Plan(ExportRequest req, Errors? errors = null) =>
        ExportPlanner.Plan(req, Servers(), Now, new PlannerLimits(31), errors ?? new Errors());

    [Theory]
    [InlineData("6h", "raw", "raw")]
    [InlineData("24h", "raw", "raw")]
    [InlineData("3d", "raw", "1h")]
    [InlineData("7d", "raw", "1h")]
    [InlineData("30d", "hourly", "1h")]
    [InlineData("90d", "daily", "1d")]
    public void AutoGranularity_PicksTierByRange(string last, string tier, string granularity)
    {
        var plan = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = last } })!;
        Assert.Equal(tier, plan.Tier);
        Assert.Equal(granularity, plan.Granularity.Name);
    }

    [Theory]
    [InlineData("45m", "1m")]
    [InlineData("6h", "5m")]
    [InlineData("24h", "15m")]
    [InlineData("3d", "1h")]
    [InlineData("30d", "1h")]
    [InlineData("90d", "1d")]
    public void AutoGranularity_WithGroupBy_NeverRaw_FitsTheRange(string last, string granularity)
    {
        var errors = new Errors();
        var plan = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = last }, GroupBy = ["server"] }, errors);
        Assert.False(errors.Any, string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value)));
        Assert.Equal(granularity, plan!.Granularity.Name);
        Assert.Equal(granularity, plan.Headers.Single(h => h.Key == "Export-Granularity").Value);
    }

    [Fact]
    public void DailyInANonUtcZone_ReadsHourlyTier_SoDaysFollowTheZone()
    {
        var plan = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "60d" }, Granularity = "1d", Timezone = "America/New_York" })!;
        Assert.Equal("hourly", plan.Tier);
        Assert.Contains("date_trunc('day', p.bucket, $6)", plan.Sql);
        Assert.Equal("daily", Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "60d" }, Granularity = "1d" })!.Tier);
    }

    /// <summary>The daily rollup only where the offset stays 0, the hourly rollup for 1h only where it is a whole
    /// hour; otherwise hours come from raw points (and coarser buckets from the hourly rollup). 2026-11-22 is
    /// summer in Adelaide (+10:30) and Chatham (+13:45); Europe/London is at +0 all of November.</summary>
    [Theory]
    [InlineData("Asia/Kolkata", "1h", "raw")]
    [InlineData("Asia/Kathmandu", "1h", "raw")]
    [InlineData("Australia/Adelaide", "1h", "raw")]
    [InlineData("Pacific/Chatham", "1h", "raw")]
    [InlineData("America/St_Johns", "1h", "raw")]
    [InlineData("America/New_York", "1h", "hourly")]
    [InlineData("Asia/Kolkata", "1d", "hourly")]
    [InlineData("Pacific/Chatham", "1mo", "hourly")]
    [InlineData("America/New_York", "1w", "hourly")]
    [InlineData("Europe/London", "1d", "daily")]
    [InlineData("UTC", "1d", "daily")]
    public void TierFollowsTheZonesOffsets(string zone, string granularity, string tier)
    {
        var plan = Plan(new ExportRequest { Source = "servers", Timeframe = new() { From = "2026-11-01T00:00:00Z", To = "2026-11-20T00:00:00Z" }, Granularity = granularity, Timezone = zone })!;
        Assert.Equal(tier, plan.Tier);
    }

    [Fact]
    public void ExactTrue_ReadsRawPoints_AndMergedPercentilesAreDeclaredOtherwise()
    {
        var req = new ExportRequest { Source = "servers", Timeframe = new() { Last = "20d" }, Granularity = "1d", Aggregations = ["avg", "p99"] };
        var merged = Plan(req)!;
        Assert.Equal("daily", merged.Tier);
        Assert.Equal(["p99"], merged.Approximate);
        Assert.Contains("Export-Approximate", merged.Headers.Select(h => h.Key));
        var exact = Plan(req with { Exact = true })!;
        Assert.Equal("raw", exact.Tier);
        Assert.Empty(exact.Approximate);
        Assert.Equal("false", exact.Headers.Single(h => h.Key == "Export-Approximate").Value);
    }

    [Fact]
    public void WideShape_HasAColumnPerMetric_AndLongHasMetricColumn()
    {
        var wide = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "1h" }, Shape = "wide" })!;
        Assert.Equal(["time", "region", "server", "cpu", "mem"], wide.Columns.Select(c => c.Name));
        var agg = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "1d" }, Granularity = "1h", Shape = "wide", Aggregations = ["min", "p99.9"], GroupBy = ["region"] })!;
        Assert.Equal(["time", "region", "cpu_min", "cpu_p99.9", "mem_min", "mem_p99.9"], agg.Columns.Select(c => c.Name));
    }

    [Fact]
    public void ColumnSelection_IncludeRenameOrder()
    {
        var plan = Plan(new ExportRequest
        {
            Source = "servers", Timeframe = new() { Last = "1h" },
            Columns = new() { Exclude = ["region"], Order = ["value", "server"], Rename = new() { ["value"] = "v" } },
        })!;
        Assert.Equal(["v", "server", "time", "metric"], plan.Columns.Select(c => c.Name));
    }

    [Fact]
    public void FilterValues_AreParameters_NeverSpliced()
    {
        var filter = System.Text.Json.JsonDocument.Parse("""{"or":[{"field":"server","op":"eq","value":"a'; DROP TABLE users; --"},{"not":{"field":"region","op":"startsWith","value":"us"}}]}""").RootElement;
        var plan = Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "1h" }, Filter = filter })!;
        Assert.DoesNotContain("DROP", plan.Sql);
        Assert.Contains("a'; DROP TABLE users; --", plan.Params.OfType<string>());
    }

    [Fact]
    public void TooManyBuckets_IsRejected()
    {
        var errors = new Errors();
        Assert.Null(Plan(new ExportRequest { Source = "servers", Timeframe = new() { Last = "10y" }, Granularity = "1m" }, errors));
        Assert.True(errors.ToDictionary().ContainsKey("timeframe"));
    }
}
