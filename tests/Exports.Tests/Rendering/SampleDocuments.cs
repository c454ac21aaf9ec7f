using Exports.Rendering;

namespace Exports.Tests.Rendering;

/// <summary>Render documents with known data for the renderer tests.</summary>
public static class SampleDocuments
{
    public static readonly DateTimeOffset From = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddDays(1);

    public static DataSeries Wave(string name, int points, double phase, double amp = 30, double baseLine = 50, int gapFrom = -1, int gapTo = -1)
    {
        var x = new double[points];
        var y = new double[points];
        var step = (To - From).TotalMilliseconds / points;
        for (var i = 0; i < points; i++)
        {
            x[i] = From.ToUnixTimeMilliseconds() + i * step;
            y[i] = i >= gapFrom && i < gapTo ? double.NaN : baseLine + amp * Math.Sin(i / 120.0 + phase);
        }
        return new DataSeries(name, x, y);
    }

    public static SeriesData Waves(int n, int points = 1440) =>
        new(Enumerable.Range(0, n).Select(i => Wave($"web-{i + 1:00}", points, i)).ToList(), From.ToUnixTimeMilliseconds(), To.ToUnixTimeMilliseconds());

    public static RenderDocument Ops(Theme? theme = null, int extraRows = 0) => new(
        "Ops overview", "2026-11-20 00:00 – 2026-11-21 00:00 (UTC)", TimeZoneInfo.Utc, theme ?? Theme.Light, new GridSpec(), new PageSpec(),
        1600, 1, From.AddDays(1),
        [
            new("cpu", "line", "CPU by server", 0, 0, 8, 4, new WidgetOptions { Unit = "%", Thresholds = [new Threshold(90, Rgba.Hex("#e02f44"))] }, Waves(6)),
            new("up", "stat", "Requests", 8, 0, 4, 2, new WidgetOptions { Unit = "rps" }, Waves(1)),
            new("gauge", "gauge", "Disk", 8, 2, 4, 2, new WidgetOptions { Unit = "%", Thresholds = [new Threshold(70, Rgba.Hex("#f2cc0c"))] }, Waves(1)),
            new("mem", "area", "Memory", 0, 4, 6, 4, new WidgetOptions { Unit = "%", Stacked = true }, Waves(3)),
            new("bars", "bar", "Errors per hour", 6, 4, 6, 4, new WidgetOptions(), new SeriesData(
                [new DataSeries("5xx", Enumerable.Range(0, 24).Select(h => (double)From.AddHours(h).ToUnixTimeMilliseconds()).ToArray(), Enumerable.Range(0, 24).Select(h => (double)(h % 5)).ToArray()),
                 new DataSeries("4xx", Enumerable.Range(0, 24).Select(h => (double)From.AddHours(h).ToUnixTimeMilliseconds()).ToArray(), Enumerable.Range(0, 24).Select(h => (double)(h % 3 + 1)).ToArray())],
                From.ToUnixTimeMilliseconds(), To.ToUnixTimeMilliseconds())),
            new("table", "table", "Top servers", 0, 8, 6, 3, new WidgetOptions(), new TableData(["server", "cpu"], [false, true],
                Enumerable.Range(1, 30).Select(i => new[] { $"web-{i:00}", (i * 1.5).ToString("0.0") }).ToList(), 30)),
            new("text", "text", "Notes 说明", 6, 8, 6, 3, new WidgetOptions(), new TextData("# Runbook\n**Escalate** to on-call.\n- 服务器 负载\n- مرحبا بالعالم\n- see [wiki](https://example.com)")),
            new("empty", "line", "Queue depth", 0, 11 + extraRows, 6, 3, new WidgetOptions(), new SeriesData([], From.ToUnixTimeMilliseconds(), To.ToUnixTimeMilliseconds())),
            new("broken", "line", "Latency", 6, 11 + extraRows, 6, 3, new WidgetOptions(), new ErrorData("No metric named 'latency_ms' in 'servers'.")),
        ]);
}
