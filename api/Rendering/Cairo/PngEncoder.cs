using System.IO.Compression;

namespace Exports.Rendering.Cairo;

/// <summary>
/// PNG from cairo's ARGB32 image data. libpng (cairo_surface_write_to_png) deflates at zlib's default level, which
/// took most of a dashboard render's time; this writes the same image with the Sub filter and the fastest deflate
/// level: RGB when every pixel is opaque (our pages are), RGBA with alpha un-premultiplied otherwise.
/// </summary>
public static class PngEncoder
{
    static readonly uint[] Crc = BuildCrc();

    static uint[] BuildCrc()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = Crc[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    static void Chunk(Stream o, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        for (var i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        o.Write(head);
        o.Write(data);
        var crc = Update(Update(0xFFFFFFFFu, head[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        o.Write(tail);
    }

    /// <summary>Cairo ARGB32 is native-endian premultiplied 0xAARRGGBB words: on little-endian, bytes B G R A.
    /// The rows are split into one strip per core; each strip is filtered and deflated on its own and ends with a
    /// sync flush, so the strips concatenate into one deflate stream (as pigz does), and the zlib trailer's Adler-32
    /// is combined from the strips' sums.</summary>
    public static unsafe byte[] Encode(ReadOnlySpan<byte> argb, int width, int height, int stride)
    {
        fixed (byte* pixels = argb)
        {
            var opaque = IsOpaque(pixels, width, height, stride);
            var bpp = opaque ? 3 : 4;
            var output = new MemoryStream(width * height / 2);
            output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
            Span<byte> ihdr = stackalloc byte[13];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
            ihdr[8] = 8; ihdr[9] = (byte)(opaque ? 2 : 6); ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
            Chunk(output, "IHDR", ihdr);

            var strips = Math.Clamp(height / 64, 1, Environment.ProcessorCount);
            var parts = new (byte[] Data, int Offset, int Length, uint Adler, long Raw)[strips];
            var src = (nint)pixels;
            Parallel.For(0, strips, new ParallelOptions { MaxDegreeOfParallelism = strips }, k =>
            {
                int from = height * k / strips, to = height * (k + 1) / strips;
                parts[k] = Strip((byte*)src, width, stride, from, to, opaque, last: k == strips - 1);
            });

            var idat = new MemoryStream(parts.Sum(x => x.Length) + 6);
            idat.Write([0x78, 0x01]);
            var adler = 1u;
            foreach (var part in parts)
            {
                idat.Write(part.Data, part.Offset, part.Length);
                adler = AdlerCombine(adler, part.Adler, part.Raw);
            }
            Span<byte> trailer = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(trailer, adler);
            idat.Write(trailer);
            var compressed = idat.GetBuffer().AsSpan(0, (int)idat.Length);
            for (var at = 0; at < compressed.Length; at += 1 << 20)
                Chunk(output, "IDAT", compressed.Slice(at, Math.Min(1 << 20, compressed.Length - at)));
            Chunk(output, "IEND", []);
            return output.ToArray();
        }
    }

    static unsafe bool IsOpaque(byte* pixels, int width, int height, int stride)
    {
        for (var y = 0; y < height; y++)
        {
            var row = (uint*)(pixels + (long)y * stride);
            for (var x = 0; x < width; x++) if (row[x] < 0xFF000000u) return false;
        }
        return true;
    }

    /// <summary>Rows [from, to) with the Sub filter, as a piece of one deflate stream: the strip is compressed as a
    /// zlib stream of its own, and what is kept is its deflate data up to a sync flush (all but the last strip) or
    /// its end, plus its Adler-32 from the zlib trailer (zlib computes it faster than we would).</summary>
    static unsafe (byte[] Data, int Offset, int Length, uint Adler, long Raw) Strip(byte* pixels, int width, int stride, int from, int to, bool opaque, bool last)
    {
        var bpp = opaque ? 3 : 4;
        var filtered = new byte[1 + width * bpp];
        var sink = new MemoryStream((to - from) * width);
        var z = new ZLibStream(sink, CompressionLevel.Fastest, leaveOpen: true);
        fixed (byte* f = filtered)
        {
            for (var y = from; y < to; y++)
            {
                var row = (uint*)(pixels + (long)y * stride);
                f[0] = 1;
                byte pr = 0, pg = 0, pb = 0, pa = 0;
                var o = f + 1;
                for (var x = 0; x < width; x++)
                {
                    var w = row[x];
                    byte a = (byte)(w >> 24), r = (byte)(w >> 16), g = (byte)(w >> 8), b = (byte)w;
                    if (!opaque && a is not (0 or 255))
                    {
                        r = (byte)Math.Min(255, r * 255 / a); g = (byte)Math.Min(255, g * 255 / a); b = (byte)Math.Min(255, b * 255 / a);
                    }
                    // Sub filter: each byte minus the same channel of the pixel to its left.
                    o[0] = (byte)(r - pr); o[1] = (byte)(g - pg); o[2] = (byte)(b - pb);
                    if (!opaque) { o[3] = (byte)(a - pa); pa = a; }
                    pr = r; pg = g; pb = b;
                    o += bpp;
                }
                z.Write(filtered);
            }
        }
        var end = -1;
        if (!last) { z.Flush(); end = (int)sink.Length; }
        z.Dispose();
        var all = sink.GetBuffer();
        var total = (int)sink.Length;
        var adler = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(total - 4, 4));
        if (last) end = total - 4;
        return (all, 2, end - 2, adler, (long)(to - from) * filtered.Length);
    }

    const uint AdlerBase = 65521;

    /// <summary>The Adler-32 of A followed by B, from their sums and B's length (zlib's adler32_combine).</summary>
    static uint AdlerCombine(uint adlerA, uint adlerB, long lengthB)
    {
        var rem = (uint)(lengthB % AdlerBase);
        var sum1 = adlerA & 0xFFFF;
        var sum2 = (uint)((ulong)rem * sum1 % AdlerBase);
        sum1 += (adlerB & 0xFFFF) + AdlerBase - 1;
        sum2 += (adlerA >> 16) + (adlerB >> 16) + AdlerBase - rem;
        if (sum1 >= AdlerBase) sum1 -= AdlerBase;
        if (sum1 >= AdlerBase) sum1 -= AdlerBase;
        if (sum2 >= 2 * AdlerBase) sum2 -= 2 * AdlerBase;
        if (sum2 >= AdlerBase) sum2 -= AdlerBase;
        return (sum2 << 16) | sum1;
    }
}
