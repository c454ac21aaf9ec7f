using System.Runtime.InteropServices;

namespace Exports.Formats.Compression;

/// <summary>A write-only zstd stream over the system's libzstd (streaming API, one frame, checksum on).</summary>
public sealed partial class ZstdStream : Exports.Shared.WriteOnlyStream
{
    const string Lib = "libzstd.so.1";
    [StructLayout(LayoutKind.Sequential)] unsafe struct InBuffer { public byte* Src; public nuint Size; public nuint Pos; }
    [StructLayout(LayoutKind.Sequential)] unsafe struct OutBuffer { public byte* Dst; public nuint Size; public nuint Pos; }

    [LibraryImport(Lib)] private static partial nint ZSTD_createCCtx();
    [LibraryImport(Lib)] private static partial nuint ZSTD_freeCCtx(nint cctx);
    [LibraryImport(Lib)] private static partial nuint ZSTD_CCtx_setParameter(nint cctx, int param, int value);
    [LibraryImport(Lib)] private static unsafe partial nuint ZSTD_compressStream2(nint cctx, OutBuffer* output, InBuffer* input, int endOp);
    [LibraryImport(Lib)] private static partial uint ZSTD_isError(nuint code);
    [LibraryImport(Lib)] private static partial nint ZSTD_getErrorName(nuint code);
    [LibraryImport(Lib)] private static partial nuint ZSTD_CStreamOutSize();

    const int CompressionLevel = 100, ChecksumFlag = 201;
    const int Continue = 0, End = 2;

    readonly Stream _inner;
    readonly bool _leaveOpen;
    readonly byte[] _out;
    nint _cctx;

    public ZstdStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        _inner = inner; _leaveOpen = leaveOpen;
        _cctx = ZSTD_createCCtx();
        if (_cctx == 0) throw new InvalidOperationException("libzstd could not create a compression context.");
        Check(ZSTD_CCtx_setParameter(_cctx, CompressionLevel, level));
        Check(ZSTD_CCtx_setParameter(_cctx, ChecksumFlag, 1));
        _out = new byte[(int)ZSTD_CStreamOutSize()];
    }

    static void Check(nuint code)
    {
        if (ZSTD_isError(code) != 0) throw new IOException("zstd: " + Marshal.PtrToStringAnsi(ZSTD_getErrorName(code)));
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Compress(buffer, Continue, null);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        // Compress into a staging list synchronously (no awaits across pinned pointers), then write it out.
        var chunks = new List<byte[]>();
        Compress(buffer.Span, Continue, chunks);
        foreach (var c in chunks) await _inner.WriteAsync(c, ct);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    unsafe void Compress(ReadOnlySpan<byte> data, int op, List<byte[]>? chunks)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        fixed (byte* src = data)
        fixed (byte* dst = _out)
        {
            var input = new InBuffer { Src = src, Size = (nuint)data.Length, Pos = 0 };
            while (true)
            {
                var output = new OutBuffer { Dst = dst, Size = (nuint)_out.Length, Pos = 0 };
                var remaining = ZSTD_compressStream2(_cctx, &output, &input, op);
                Check(remaining);
                if (output.Pos > 0)
                {
                    if (chunks is null) _inner.Write(_out, 0, (int)output.Pos);
                    else chunks.Add(_out.AsSpan(0, (int)output.Pos).ToArray());
                }
                var done = op == Continue ? input.Pos == input.Size : remaining == 0;
                if (done) break;
            }
        }
    }

    /// <summary>Ends the frame. Call before disposing, so a failed export never gets a valid-looking ending.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        var chunks = new List<byte[]>();
        Compress([], End, chunks);
        foreach (var c in chunks) await _inner.WriteAsync(c, ct);
        await _inner.FlushAsync(ct);
    }

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => _inner.FlushAsync(ct);

    protected override void Dispose(bool disposing)
    {
        if (_cctx != 0) { ZSTD_freeCCtx(_cctx); _cctx = 0; }
        if (disposing && !_leaveOpen) _inner.Dispose();
        base.Dispose(disposing);
    }

}
