using System.IO.Compression;

namespace Exports.Formats.Compression;

/// <summary>Whole-file compression around any format. <see cref="FinishAsync"/> writes the trailer only when the
/// export completed; a failed export is never closed into a valid-looking archive.</summary>
public static class Compressions
{
    public static readonly IReadOnlyList<string> Names = ["none", "gzip", "brotli", "zstd"];

    public static string Extension(string name) => name switch { "gzip" => ".gz", "brotli" => ".br", "zstd" => ".zst", _ => "" };

    public static string? MediaType(string name) => name switch
    {
        "gzip" => "application/gzip", "brotli" => "application/x-brotli", "zstd" => "application/zstd", _ => null,
    };

    public static Stream Wrap(string name, Stream output) => name switch
    {
        "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        "brotli" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
        "zstd" => new ZstdStream(output, level: 3, leaveOpen: true),
        _ => output,
    };

    public static async Task FinishAsync(Stream wrapped, Stream output, CancellationToken ct)
    {
        if (ReferenceEquals(wrapped, output)) return;
        if (wrapped is ZstdStream z) await z.FinishAsync(ct);
        await wrapped.DisposeAsync(); // gzip and brotli write their trailer on dispose
    }
}
