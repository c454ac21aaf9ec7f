// SkiaSharp against Cairo on our own painters (issue 13 §5: the README's "why not SkiaSharp" re-measured).
//   dotnet Exports.Bench.Skia.dll render DATA.json RUNS OUTDIR   the seeded dashboard (the render CLI's data dump)
//                                                                through both backends: median ms per PNG and PDF
//   dotnet Exports.Bench.Skia.dll text OUTDIR                     mixed Arabic/Latin text through both, to look at
// The last line printed is JSON (bench/skia.mjs reads it).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Exports.Bench.Skia;
using Exports.Rendering;

var mode = args[0];
if (mode == "render")
{
    var doc = BenchDocument.Load(args[1]);
    var runs = int.Parse(args[2], CultureInfo.InvariantCulture);
    var outDir = args[3];
    var cairo = RenderBackend.Current;
    var skia = new SkiaBackend();
    var skiaOwn = new SkiaBackend(SkiaPng.SkiaDefault);
    var skiaFast = new SkiaBackend(SkiaPng.SkiaFastest);
    // Interleaved, so that both backends see the same machine: a warm-up of 20 each (tiered JIT, font caches), then
    // RUNS rounds of each in turn; the median of each.
    var cases = new (string Name, string File, Func<byte[]> Draw)[]
    {
        ("cairoPng", "cairo.png", () => LayoutRenderer.Png(doc, cairo)),
        ("skiaPng", "skia.png", () => LayoutRenderer.Png(doc, skia)),
        ("skiaOwnPng", "skia-own-encoder.png", () => LayoutRenderer.Png(doc, skiaOwn)),
        ("skiaFastPng", "skia-own-encoder-fastest.png", () => LayoutRenderer.Png(doc, skiaFast)),
        ("cairoPdf", "cairo.pdf", () => LayoutRenderer.Pdf(doc, "bench", cairo).Pdf),
        ("skiaPdf", "skia.pdf", () => LayoutRenderer.Pdf(doc, "bench", skia).Pdf),
    };
    var sizes = new Dictionary<string, long>();
    foreach (var (name, file, draw) in cases)
    {
        var bytes = draw();
        File.WriteAllBytes(Path.Combine(outDir, file), bytes); // the file to look at
        sizes[name] = bytes.Length;
        for (var i = 0; i < 20; i++) draw();
    }
    var times = cases.ToDictionary(c => c.Name, _ => new List<double>());
    for (var r = 0; r < runs; r++)
        foreach (var (name, _, draw) in cases)
        {
            var sw = Stopwatch.StartNew();
            draw();
            times[name].Add(sw.Elapsed.TotalMilliseconds);
        }
    double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        runs,
        ms = times.ToDictionary(t => t.Key, t => Median(t.Value)),
        bytes = sizes,
    }));
    return 0;
}
if (mode == "text")
{
    // The same paragraph through both backends: Latin, then Arabic (right to left, joined letters), then Latin again,
    // and a CJK run; the images are for a person to look at.
    var outDir = args[1];
    var zoom = args.Length > 2 ? float.Parse(args[2], CultureInfo.InvariantCulture) : 1; // 2 or 3 to look closer
    var lines = new[]
    {
        "Revenue مبيعات الربع الأول 2026 grew 12%",
        "Region: الشرق الأوسط (Middle East) — 3,200 units",
        "東京 Tokyo · Zürich · Ελλάδα",
    };
    var result = new Dictionary<string, string>();
    foreach (var (name, backend) in new (string, IRenderBackend)[] { ("cairo", RenderBackend.Current), ("skia", new SkiaBackend()) })
    {
        var png = backend.Png(620, 150, zoom, c =>
        {
            c.FillRect(new RectF(0, 0, 620, 150), Rgba.Hex("#ffffff"));
            var y = 10.0;
            foreach (var line in lines) y += c.Text(10, y, line, new TextStyle(20, Rgba.Hex("#111111"), Width: 600)).Height + 8;
        });
        var file = Path.Combine(outDir, $"text-{name}.png");
        File.WriteAllBytes(file, png);
        result[name] = file;
    }
    // Skia with font fallback written by hand (each character in the first typeface that has it): every script then
    // has glyphs, but the letters are not shaped (Arabic stays in isolated forms) and right-to-left runs are drawn
    // left to right: bidi and shaping would be the next things to write (HarfBuzz shapes, but does not reorder).
    {
        var info = new SkiaSharp.SKImageInfo((int)(620 * zoom), (int)(150 * zoom));
        using var surface = SkiaSharp.SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SkiaSharp.SKColors.White);
        canvas.Scale(zoom);
        using var paint = new SkiaSharp.SKPaint { IsAntialias = true, Color = new SkiaSharp.SKColor(0x11, 0x11, 0x11) };
        var primary = SkiaSharp.SKTypeface.FromFamilyName("Noto Sans");
        var y = 10f;
        foreach (var line in lines)
        {
            var x = 10f;
            var i = 0;
            while (i < line.Length)
            {
                var cp = char.ConvertToUtf32(line, i);
                var face = primary.ContainsGlyph(cp) ? primary : SkiaSharp.SKFontManager.Default.MatchCharacter(cp) ?? primary;
                var j = i;
                while (j < line.Length)
                {
                    var c = char.ConvertToUtf32(line, j);
                    var f = primary.ContainsGlyph(c) ? primary : SkiaSharp.SKFontManager.Default.MatchCharacter(c) ?? primary;
                    if (f.FamilyName != face.FamilyName) break;
                    j += char.IsSurrogatePair(line, j) ? 2 : 1;
                }
                using var font = new SkiaSharp.SKFont(face, 20);
                var run = line[i..j];
                canvas.DrawText(run, x, y + 20, SkiaSharp.SKTextAlign.Left, font, paint);
                x += font.MeasureText(run);
                i = j;
            }
            y += 36;
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        var file = Path.Combine(outDir, "text-skia-fallback.png");
        File.WriteAllBytes(file, data.ToArray());
        result["skiaFallback"] = file;
    }
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}
Console.Error.WriteLine("usage: render DATA.json RUNS OUTDIR | text OUTDIR");
return 2;
