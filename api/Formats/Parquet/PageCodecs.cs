using System.IO.Compression;
using System.Runtime.InteropServices;
using K4os.Compression.LZ4;

namespace Exports.Formats.Parquet;

/// <summary>Parquet's page compression codecs (CompressionCodec in parquet.thrift) and their block compressors.</summary>
public static partial class PageCodecs
{
    /// <summary>Codec numbers as parquet.thrift spells them. <see cref="Lz4Raw"/> (7) is the plain LZ4 block format; the
    /// Hadoop-framed LZ4 (5) and LZO (3) are deprecated by the format and never written.</summary>
    public const int Uncompressed = 0, Snappy = 1, Gzip = 2, Brotli = 4, Zstd = 6, Lz4Raw = 7;

    /// <summary>The names the <c>compression</c> option accepts, canonical names first (<c>lz4_raw</c>, Parquet's own
    /// name for the codec, is an alias that <see cref="Canonical"/> turns into <c>lz4</c>).</summary>
    public static readonly IReadOnlyDictionary<string, int> ByName = new Dictionary<string, int>
    {
        ["none"] = Uncompressed, ["snappy"] = Snappy, ["gzip"] = Gzip, ["brotli"] = Brotli, ["zstd"] = Zstd, ["lz4"] = Lz4Raw,
        ["lz4_raw"] = Lz4Raw,
    };

    /// <summary>The canonical names, as listed to users.</summary>
    public static readonly IReadOnlyList<string> Names = ["none", "snappy", "gzip", "brotli", "zstd", "lz4"];

    /// <summary>The canonical name of a codec name in any letter case (lower case; an alias becomes the name it stands
    /// for), or null when it is not one we write.</summary>
    public static string? Canonical(string name)
    {
        var lower = name.ToLowerInvariant();
        return !ByName.ContainsKey(lower) ? null : lower == "lz4_raw" ? "lz4" : lower;
    }

    /// <summary>Codecs Parquet knows but we refuse to write, with the reason given to the user.</summary>
    public static readonly IReadOnlyDictionary<string, string> Refused = new Dictionary<string, string>
    {
        ["lzo"] = "LZO is deprecated by the Parquet format and most readers (DuckDB and hyparquet among them) cannot open it; use zstd, snappy or lz4.",
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
            case Lz4Raw: Lz4Block(data, o); break;
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

    /// <summary>LZ4_RAW: one LZ4 block, no frame and no size prefix (the page header carries both sizes), written
    /// straight into the pooled page buffer. An incompressible page comes out as literals, slightly larger than it went
    /// in, within <see cref="LZ4Codec.MaximumOutputSize"/>. A block always ends with a token, so an empty page is the
    /// single token 0x00 (no literals, no match), which K4os does not write for an empty input.</summary>
    static void Lz4Block(ReadOnlySpan<byte> data, ByteBuffer o)
    {
        if (data.IsEmpty) { o.Byte(0); return; }
        var dst = o.Reserve(LZ4Codec.MaximumOutputSize(data.Length));
        var n = LZ4Codec.Encode(data, dst, LZ4Level.L00_FAST);
        if (n < 0) throw new IOException("lz4: the page did not compress.");
        o.Advance(n);
    }
}
