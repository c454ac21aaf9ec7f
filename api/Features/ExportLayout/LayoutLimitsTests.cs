using System.Diagnostics;
using System.Text.Json;
using Exports.Layouts;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportLayout;

/// <summary>What one layout may cost: the widget cap is checked before any pairwise work, field errors stop at
/// EXPORTS_LAYOUT_MAX_ERRORS with a count of the rest, and the Export-Widgets header stays under
/// EXPORTS_WIDGETS_HEADER_BYTES however long a widget's message is.</summary>
[Collection(ApiCollection.Name)]
public sealed class LayoutLimitsTests(ApiFixture api)
{
    static object Stacked(int count) => new
    {
        title = "stacked", format = "png",
        widgets = Enumerable.Range(0, count).Select(i => (object)new
        {
            id = $"w{i}", type = "line", x = 0, y = 0, w = 12, h = 2,
            query = new { source = "servers", metrics = new[] { "cpu_percent" } },
        }).ToArray(),
    };

    static List<string> Messages(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().SelectMany(p => p.Value.EnumerateArray().Select(m => m.GetString()!)).ToList();

    [Fact]
    public async Task TwoThousandStackedWidgets_Answer400Fast_WithASmallBodyNamingTheCap()
    {
        var c = api.Demo();
        var huge = Stacked(2000);
        var atCap = Stacked(60);
        // The same request shape at the cap (every pair overlaps: 1,770 overlaps, the most work a legal count can
        // cause) against 2,000 widgets; interleaved, median of five each. Before the cap came first, 2,000 widgets
        // made two million overlap errors (82 MB, seconds).
        var (hugeTimes, capTimes) = (new List<double>(), new List<double>());
        string hugeBody = "";
        for (var round = 0; round < 6; round++)
        {
            var sw = Stopwatch.StartNew();
            var r = await c.PostJsonAsync("/api/v1/exports/layout", huge);
            hugeBody = await r.Content.ReadAsStringAsync();
            if (round > 0) hugeTimes.Add(sw.Elapsed.TotalMilliseconds);
            Assert.Equal(400, (int)r.StatusCode);
            sw.Restart();
            var r2 = await c.PostJsonAsync("/api/v1/exports/layout", atCap);
            await r2.Content.ReadAsStringAsync();
            if (round > 0) capTimes.Add(sw.Elapsed.TotalMilliseconds);
            Assert.Equal(400, (int)r2.StatusCode);
        }
        Assert.True(hugeBody.Length < 2048, $"The answer has {hugeBody.Length} bytes: {hugeBody[..Math.Min(500, hugeBody.Length)]}");
        var problem = JsonDocument.Parse(hugeBody).RootElement;
        var messages = Messages(problem);
        var only = Assert.Single(messages);
        Assert.Contains("at most 60 widgets", only);
        Assert.Contains("EXPORTS_LAYOUT_MAX_WIDGETS", only);
        Assert.Contains("2,000", only);
        double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        Assert.True(Median(hugeTimes) < 10 * Median(capTimes),
            $"2,000 widgets took {Median(hugeTimes):F1} ms (median), 60 stacked widgets {Median(capTimes):F1} ms");
    }

    [Fact]
    public async Task SixtyStackedWidgets_ListFiftyProblems_AndCountTheRest()
    {
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/layout", Stacked(60));
        var problem = await r.ProblemAsync(400, "widgets[1].x");
        var messages = Messages(problem);
        Assert.Equal(51, messages.Count); // 50 listed + the summary
        // 60 widgets on one spot: each overlaps every one before it, 60 * 59 / 2 = 1,770 overlaps.
        var summary = Assert.Single(messages, m => m.Contains("omitted"));
        Assert.Contains("1,720 more problems were omitted", summary);
        Assert.Contains("EXPORTS_LAYOUT_MAX_ERRORS", summary);
    }

    [Fact]
    public async Task HugeMetricName_HeaderStaysUnderTheCap_AndTheFileIsStillDrawn()
    {
        var metric = new string('m', 120_000);
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/layout", new
        {
            title = "long name", format = "png", viewportWidth = 800,
            widgets = new object[]
            {
                new { id = "long", type = "line", x = 0, y = 0, w = 6, h = 3, query = new { source = "servers", metrics = new[] { metric } } },
                new { id = "fine", type = "text", x = 6, y = 0, w = 6, h = 3, text = "still here" },
            },
        });
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("image/png", r.Content.Headers.ContentType?.MediaType);
        var header = r.Headers.GetValues("Export-Widgets").Single();
        Assert.True(header.Length <= 4096, $"Export-Widgets has {header.Length} bytes");
        var statuses = JsonDocument.Parse(header).RootElement.EnumerateArray().ToList();
        Assert.Equal(["long:error", "fine:ok"], statuses.Select(s => $"{s.GetProperty("id").GetString()}:{s.GetProperty("status").GetString()}"));
        var message = statuses[0].GetProperty("message").GetString()!;
        Assert.Contains("mmmmmmmmmm", message);
        Assert.Matches(@"cut from [\d,]+ characters", message);
        Assert.True(message.Length < LayoutExports.HeaderMessageChars + 100);
        Assert.True((await r.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Fact]
    public void ManyLongMessages_AreCutAndTheRestCounted()
    {
        var widgets = Enumerable.Range(0, 60).Select(i => new WidgetStatus($"w{i}", i % 3 == 0 ? "ok" : "error",
            i % 3 == 0 ? null : $"Query failed: {new string('é', 5000)}")).ToList();
        var header = LayoutExports.WidgetsHeader(widgets, 4096);
        Assert.True(header.Length <= 4096, $"{header.Length} bytes");
        Assert.All(header, ch => Assert.True(ch is >= ' ' and < (char)127, $"non-ASCII or control character {(int)ch} in the header"));
        var entries = JsonDocument.Parse(header).RootElement.EnumerateArray().ToList();
        var last = entries[^1];
        Assert.Equal("omitted", last.GetProperty("status").GetString());
        var listed = entries.Count - 1;
        Assert.InRange(listed, 1, 59);
        Assert.Equal(widgets.Take(listed).Select(w => w.Id), entries.Take(listed).Select(e => e.GetProperty("id").GetString()));
        var rest = widgets.Skip(listed).ToList();
        Assert.StartsWith($"{rest.Count} more widgets not listed (", last.GetProperty("message").GetString());
        Assert.Contains($"error {rest.Count(w => w.Status == "error")}", last.GetProperty("message").GetString());
        // Under the cap, the header is the plain list.
        Assert.Equal("""[{"id":"a","status":"ok","message":null},{"id":"b","status":"error","message":"x"}]""",
            LayoutExports.WidgetsHeader([new("a", "ok", null), new("b", "error", "x")], 4096));
    }
}
