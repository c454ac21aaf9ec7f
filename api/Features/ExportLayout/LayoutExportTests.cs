using System.Text.Json;
using Exports.Rendering;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportLayout;

/// <summary>POST /api/v1/exports/layout against the seeded servers: PNG pixels decoded with Cairo, PDF text and
/// pages read with poppler's pdftotext and pdfinfo.</summary>
[Collection(ApiCollection.Name)]
public sealed class LayoutExportTests(ApiFixture api)
{
    async Task<object> LayoutAsync(string format)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(6));
        var frame = new { from = from.ToString("O"), to = to.ToString("O") };
        return new
        {
            title = "Servers at a glance", timeframe = frame, timezone = "Europe/Berlin", format,
            widgets = new object[]
            {
                new { id = "cpu", type = "line", title = "CPU web-01 / web-02", x = 0, y = 0, w = 8, h = 4,
                      query = new { source = "servers", metrics = new[] { "cpu_percent" }, filter = new { field = "server", op = "in", value = new[] { "web-01", "web-02" } } },
                      options = new { unit = "%", thresholds = new[] { new { value = 90, color = "#e02f44" } } } },
                new { id = "mem", type = "stat", title = "Memory web-01", x = 8, y = 0, w = 4, h = 2,
                      query = new { source = "servers", metrics = new[] { "memory_percent" }, filter = new { field = "server", op = "eq", value = "web-01" } }, options = new { unit = "%" } },
                new { id = "notes", type = "text", title = "Notes", x = 8, y = 2, w = 4, h = 2, text = "**On call**: 中文 and العربية" },
                new { id = "bad", type = "line", title = "Latency", x = 0, y = 4, w = 12, h = 3, query = new { source = "servers", metrics = new[] { "latency_ms" } } },
            },
        };
    }

    [Fact]
    public async Task Png_DrawsTheSeriesAndListsEveryWidgetsStatus()
    {
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/layout", await LayoutAsync("png"));
        Assert.Equal("image/png", r.Content.Headers.ContentType?.MediaType);
        var statuses = r.WidgetStatuses();
        Assert.Equal(["cpu:ok", "mem:ok", "notes:ok", "bad:error"], statuses.Select(s => $"{s.GetProperty("id").GetString()}:{s.GetProperty("status").GetString()}"));
        Assert.Contains("latency_ms", statuses[3].GetProperty("message").GetString());
        var (w, h, pixels) = CairoSurfaces.DecodePng(await r.Content.ReadAsByteArrayAsync());
        Assert.Equal(1600, w);
        Assert.Equal((int)Math.Ceiling(58 + 7 * 88 - 8 + 32.0), h);
        // The first series' colour is drawn inside the CPU widget (x 16..1064, y 74..394) and nowhere near the stat.
        uint Rgb(int x, int y) => pixels[y * w + x] & 0xFFFFFF;
        var blue = 0x3274d9u;
        bool Near(uint p, uint c) => Math.Abs((int)(p >> 16) - (int)(c >> 16)) < 40 && Math.Abs((int)((p >> 8) & 0xff) - (int)((c >> 8) & 0xff)) < 40 && Math.Abs((int)(p & 0xff) - (int)(c & 0xff)) < 40;
        var inCpu = 0;
        for (var y = 110; y < 340; y++) for (var x = 80; x < 1050; x++) if (Near(Rgb(x, y), blue)) inCpu++;
        Assert.True(inCpu > 500, $"line pixels in the CPU panel: {inCpu}");
        Assert.Equal(0xf4f5f7u, Rgb(2, 2)); // the light theme's background
        Assert.Equal(0xffffffu, Rgb(1100, 380)); // the text panel, below its two lines of text
    }

    [Fact]
    public async Task Pdf_HasTheTitlesTextAndTheFailedWidgetsError()
    {
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/layout", await LayoutAsync("pdf"));
        Assert.Equal("application/pdf", r.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(Path.GetTempPath(), $"layout-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        try
        {
            var text = Tools.Run("pdftotext", "-layout", path, "-");
            Assert.Contains("Servers at a glance", text);
            Assert.Contains("CPU web-01 / web-02", text);
            Assert.Contains("Memory web-01", text);
            Assert.Contains("中文", text);
            Assert.Contains("Query failed", text);
            Assert.Contains("Europe/Berlin", text);
            Assert.Contains("Page 1 of 1", text);
            var info = Tools.Run("pdfinfo", path);
            Assert.Contains("Title:           Servers at a glance", info);
            Assert.Matches(@"Pages:\s+1", info);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task BadLayouts_AreProblemsNamingTheWidget()
    {
        var overlap = await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", new
        {
            widgets = new object[]
            {
                new { id = "a", type = "text", text = "x", x = 0, y = 0, w = 6, h = 2 },
                new { id = "b", type = "text", text = "y", x = 4, y = 1, w = 6, h = 2 },
                new { id = "c", type = "pie", x = 0, y = 5, w = 13, h = 2, query = new { source = "servers" } },
            },
        })).ProblemAsync(400, "widgets[1].x");
        var errors = overlap.GetProperty("errors");
        Assert.Contains("overlaps widget 'a'", errors.GetProperty("widgets[1].x")[0].GetString());
        Assert.Contains("unknown type 'pie'", errors.GetProperty("widgets[2].type")[0].GetString());
        Assert.Contains("outside the grid", errors.GetProperty("widgets[2].x")[0].GetString());
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", new
        {
            timeframe = new { last = "soon" }, widgets = new object[] { new { id = "a", type = "text", text = "x", x = 0, y = 0, w = 6, h = 2 } },
        })).ProblemAsync(400, "timeframe.last");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", new
        {
            format = "pdf", page = new { size = "B5" }, widgets = new object[] { new { id = "a", type = "text", text = "x", x = 0, y = 0, w = 6, h = 2 } },
        })).ProblemAsync(400, "page.size");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", new
        {
            viewportWidth = 4096, scale = 2, widgets = new object[] { new { id = "a", type = "text", text = "x", x = 0, y = 0, w = 6, h = 190 } },
        })).ProblemAsync(400, "widgets");
    }

}
