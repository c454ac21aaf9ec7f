using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Exports.Formats.Parquet;

/// <summary>Parquet's page compression codecs (CompressionCodec in parquet.thrift) and their block compressors.</summary>
public static partial class PageCodecs
{
    public const int Uncompressed = 0, Snappy = 1, Gzip = 2, Brotli = 4, Zstd = 6;

    public static readonly IReadOnlyDictionary<string, int> ByName = new Dictionary<string, int>
    {
        ["none"] = Uncompressed, ["snappy"] = Snappy, ["gzip"] = Gzip, ["brotli"] = Brotli, ["zstd"] = Zstd,
    };

    /// <summary>Compresses one page body into <paramref name="o"/>.</summary>
    public static void Compress(int codec, ReadOnlySpan<byte> data, ByteBuffer o)
    {
        switch (codec)
        {
            case Uncompressed: o.Bytes(data); break;
            case Snappy: o.Bytes(IronSnappy.Snappy.Encode(data)); break;
            case Gzip:
            {
                using var ms = new MemoryStream();
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
                o.Bytes(ms.GetBuffer().AsSpan(0, (int)ms.Length));
                break;
            }
            case Brotli:
            {
                var dst = o.Reserve(BrotliEncoder.GetMaxCompressedLength(data.Length));
                if (!BrotliEncoder.TryCompress(data, dst, out var written, quality: 4, window: 22))
                    throw new IOException("brotli: the page did not compress.");
                o.Advance(written);
                break;
            }
            case Zstd: ZstdBlock(data, o); break;
            default: throw new ArgumentOutOfRangeException(nameof(codec));
        }
    }

    [LibraryImport("libzstd.so.1")] private static partial nuint ZSTD_compressBound(nuint size);
    [LibraryImport("libzstd.so.1")] private static unsafe partial nuint ZSTD_compress(byte* dst, nuint cap, byte* src, nuint size, int level);
    [LibraryImport("libzstd.so.1")] private static partial uint ZSTD_isError(nuint code);

    static unsafe void ZstdBlock(ReadOnlySpan<byte> data, ByteBuffer o)
    {
        var bound = (int)ZSTD_compressBound((nuint)data.Length);
        var dst = o.Reserve(bound);
        nuint n;
        fixed (byte* s = data)
        fixed (byte* d = dst)
            n = ZSTD_compress(d, (nuint)bound, s, (nuint)data.Length, 3);
        if (ZSTD_isError(n) != 0) throw new IOException("zstd: the page did not compress.");
        o.Advance((int)n);
    }
}
