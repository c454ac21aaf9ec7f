using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Bad requests: 400 Problem Details naming the field, before any byte of a file.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExportValidationTests(ApiFixture api)
{
    Task<HttpResponseMessage> Post(object body) => api.Demo().PostJsonAsync("/api/v1/exports/series", body);

    [Fact]
    public async Task UnknownMetric_Returns400WithFieldError() =>
        await (await Post(new { source = "servers", metrics = new[] { "cpu_percent", "nope" }, timeframe = new { last = "1h" } })).ProblemAsync(400, "metrics[1]");

    [Fact]
    public async Task UnknownField_OnRecords_Returns400WithFieldError() =>
        await (await Post(new { source = "agent-commands", fields = new[] { "agent", "colour" }, timeframe = new { last = "1h" } })).ProblemAsync(400, "fields[1]");

    [Fact]
    public async Task UnknownSource_Returns404() =>
        await (await Post(new { source = "nope", timeframe = new { last = "1h" } })).ProblemAsync(404);

    [Fact]
    public async Task FromAfterTo_Returns400OnFrom() =>
        await (await Post(new { source = "servers", timeframe = new { from = "2026-11-02T00:00:00Z", to = "2026-11-01T00:00:00Z" } })).ProblemAsync(400, "timeframe.from");

    [Fact]
    public async Task RawRangeTooLarge_Returns400OnTimeframe() =>
        await (await Post(new { source = "servers", granularity = "raw", timeframe = new { last = "90d" } })).ProblemAsync(400, "timeframe");

    [Fact]
    public async Task BadTimeZone_Returns400OnTimezone() =>
        await (await Post(new { source = "servers", timezone = "Mars/Olympus", timeframe = new { last = "1h" } })).ProblemAsync(400, "timezone");

    [Fact]
    public async Task MalformedFilter_NamesTheNode()
    {
        var json = await (await Post(new
        {
            source = "servers", timeframe = new { last = "1h" },
            filter = new { and = new object[] { new { field = "server", op = "eq", value = "web-01" }, new { field = "server", op = "like", value = "x" } } },
        })).ProblemAsync(400, "filter.and[1].op");
        Assert.Contains("like", json.GetProperty("errors").GetProperty("filter.and[1].op")[0].GetString());
    }

    [Fact]
    public async Task ContainsOnNumericValue_Returns400() =>
        await (await Post(new { source = "servers", timeframe = new { last = "1h" }, filter = new { field = "value", op = "contains", value = "1" } })).ProblemAsync(400, "filter.op");

    [Fact]
    public async Task AggregationsWithRawGranularity_Returns400() =>
        await (await Post(new { source = "servers", granularity = "raw", aggregations = new[] { "avg" }, timeframe = new { last = "1h" } })).ProblemAsync(400, "aggregations");

    [Fact]
    public async Task UnknownAggregation_Returns400OnItsIndex() =>
        await (await Post(new { source = "servers", granularity = "1h", aggregations = new[] { "avg", "p101" }, timeframe = new { last = "1d" } })).ProblemAsync(400, "aggregations[1]");

    [Fact]
    public async Task CustomHeadersOfWrongLength_Returns400() =>
        await (await Post(new { source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, formatOptions = new { header = "custom", headers = new[] { "a" } } })).ProblemAsync(400, "formatOptions.headers");

    [Fact]
    public async Task PrettyJsonLines_Returns400() =>
        await (await Post(new { source = "servers", timeframe = new { last = "1h" }, format = "jsonl", formatOptions = new { pretty = true } })).ProblemAsync(400, "formatOptions.pretty");

    [Fact]
    public async Task NestedJsonWithoutDimensions_Returns400() =>
        await (await Post(new { source = "servers", granularity = "1h", groupBy = Array.Empty<string>(), timeframe = new { last = "1d" }, format = "json", formatOptions = new { style = "nested" }, columns = new { exclude = new[] { "metric" } } })).ProblemAsync(400, "formatOptions.style");

    [Fact]
    public async Task UnknownColumn_InSelection_Returns400() =>
        await (await Post(new { source = "servers", timeframe = new { last = "1h" }, columns = new { include = new[] { "time", "bogus" } } })).ProblemAsync(400, "columns.include[1]");

    [Fact]
    public async Task ValueFilterOnRollupTier_Returns400WithReason()
    {
        var json = await (await Post(new { source = "servers", timeframe = new { last = "30d" }, filter = new { field = "value", op = "gt", value = 50 } })).ProblemAsync(400, "filter");
        Assert.Contains("hourly", json.GetProperty("errors").GetProperty("filter")[0].GetString());
    }

    [Fact]
    public async Task UnknownFormatAndCompression_BothReported()
    {
        var json = await (await Post(new { source = "servers", timeframe = new { last = "1h" }, format = "xls", compression = "rar" })).ProblemAsync(400, "format");
        Assert.True(json.GetProperty("errors").TryGetProperty("compression", out _));
    }
}
