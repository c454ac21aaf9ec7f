using Exports.Formats.Compression;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Formats;

public sealed class ZstdStreamTests
{
    [Fact]
    public async Task CompressedStream_IsDecodedByTheZstdTool_ByteForByte()
    {
        var data = new byte[3_000_000];
        new Random(1).NextBytes(data.AsSpan(0, 1_000_000)); // part random, part compressible
        var output = new MemoryStream();
        var z = new ZstdStream(output, leaveOpen: true);
        for (var i = 0; i < data.Length; i += 70_000) await z.WriteAsync(data.AsMemory(i, Math.Min(70_000, data.Length - i)));
        await z.FinishAsync(default);
        await z.DisposeAsync();
        Assert.True(output.Length < 1_100_000);
        Assert.Equal(data, Files.Decompress(output.ToArray(), "zstd"));
    }

    [Fact]
    public async Task UnfinishedStream_IsRejectedByTheDecoder()
    {
        var output = new MemoryStream();
        var z = new ZstdStream(output, leaveOpen: true);
        await z.WriteAsync(new byte[200_000]);
        z.Dispose(); // no FinishAsync: the frame is never closed, as when an export fails mid-way
        Assert.Throws<InvalidDataException>(() => Files.Decompress(output.ToArray(), "zstd"));
    }
}
