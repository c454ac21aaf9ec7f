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

    /// <summary>Cairo ARGB32 is native-endian premultiplied 0xAARRGGBB words: on little-endian, bytes B G R A.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> argb, int width, int height, int stride)
    {
        var opaque = true;
        for (var y = 0; y < height && opaque; y++)
        {
            var row = argb.Slice(y * stride, width * 4);
            for (var x = 3; x < row.Length; x += 4) if (row[x] != 255) { opaque = false; break; }
        }
        var bpp = opaque ? 3 : 4;
        var output = new MemoryStream(width * height / 2);
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> ihdr = stackalloc byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8; ihdr[9] = (byte)(opaque ? 2 : 6); ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
        Chunk(output, "IHDR", ihdr);

        var idat = new MemoryStream(width * height / 2);
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            var raw = new byte[1 + width * bpp];
            var filtered = new byte[1 + width * bpp];
            for (var y = 0; y < height; y++)
            {
                var src = argb.Slice(y * stride, width * 4);
                for (int x = 0, i = 1; x < width; x++, i += bpp)
                {
                    byte b = src[x * 4], g = src[x * 4 + 1], r = src[x * 4 + 2], a = src[x * 4 + 3];
                    if (opaque) { raw[i] = r; raw[i + 1] = g; raw[i + 2] = b; continue; }
                    if (a is not (0 or 255)) { r = (byte)Math.Min(255, r * 255 / a); g = (byte)Math.Min(255, g * 255 / a); b = (byte)Math.Min(255, b * 255 / a); }
                    raw[i] = r; raw[i + 1] = g; raw[i + 2] = b; raw[i + 3] = a;
                }
                // Sub filter: each byte minus the same channel of the pixel to its left.
                filtered[0] = 1;
                for (var i = 1; i < raw.Length; i++) filtered[i] = (byte)(raw[i] - (i > bpp ? raw[i - bpp] : 0));
                z.Write(filtered);
            }
        }
        var compressed = idat.GetBuffer().AsSpan(0, (int)idat.Length);
        for (var at = 0; at < compressed.Length; at += 1 << 20)
            Chunk(output, "IDAT", compressed.Slice(at, Math.Min(1 << 20, compressed.Length - at)));
        Chunk(output, "IEND", []);
        return output.ToArray();
    }
}
