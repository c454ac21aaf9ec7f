using System.Runtime.InteropServices;
using Exports.Rendering.Cairo;

namespace Exports.Tests.Rendering;

/// <summary>The PNG writer's strips (one deflate stream assembled from per-core pieces, Adler-32 combined) read back
/// by libpng through cairo, pixel for pixel: libpng rejects a bad checksum or a broken stream.</summary>
public sealed class PngEncoderTests
{
    static uint[] Pixels(int width, int height, bool opaque, int seed)
    {
        var rng = new Random(seed);
        var px = new uint[width * height];
        for (var i = 0; i < px.Length; i++)
        {
            // Flat runs and noise, as a dashboard has both.
            if (i % width < width / 3) { px[i] = 0xFFF4F5F7; continue; }
            var a = opaque ? 255u : (uint)rng.Next(256);
            uint Premultiplied() => (uint)(rng.Next(256) * a / 255);
            px[i] = a << 24 | Premultiplied() << 16 | Premultiplied() << 8 | Premultiplied();
        }
        return px;
    }

    static byte[] Encode(uint[] px, int width, int height) =>
        PngEncoder.Encode(MemoryMarshal.AsBytes(px.AsSpan()), width, height, width * 4);

    [Theory]
    [InlineData(640, 480)]
    [InlineData(37, 1)]
    [InlineData(1, 129)]
    [InlineData(1600, 1314)]
    public void OpaqueImage_DecodesToTheSamePixels(int width, int height)
    {
        var px = Pixels(width, height, opaque: true, seed: width + height);
        var png = Encode(px, width, height);
        Assert.Equal(2, png[25]); // colour type RGB: the alpha channel is dropped when every pixel is opaque
        var back = CairoSurfaces.DecodePng(png);
        Assert.Equal((width, height), (back.Width, back.Height));
        Assert.Equal(px, back.Pixels);
    }

    [Fact]
    public void TranslucentImage_KeepsAlpha_AndColoursWithinRounding()
    {
        const int width = 300, height = 257;
        var px = Pixels(width, height, opaque: false, seed: 7);
        var png = Encode(px, width, height);
        Assert.Equal(6, png[25]); // RGBA
        var back = CairoSurfaces.DecodePng(png);
        var worst = 0;
        for (var i = 0; i < px.Length; i++)
        {
            Assert.Equal(px[i] >> 24, back.Pixels[i] >> 24);
            for (var shift = 0; shift < 24; shift += 8)
                worst = Math.Max(worst, Math.Abs((int)(px[i] >> shift & 0xFF) - (int)(back.Pixels[i] >> shift & 0xFF)));
        }
        Assert.InRange(worst, 0, 1); // un-premultiplied and premultiplied again: off by at most one
    }
}
