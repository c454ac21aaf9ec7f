using System.Buffers;
using System.Text;

namespace Exports.Formats;

/// <summary>A growable UTF-8 buffer in front of a stream: writers append bytes synchronously and the caller
/// flushes asynchronously once it holds more than the flush threshold.</summary>
public sealed class Utf8Sink(Stream output, int flushAt = 64 * 1024) : IBufferWriter<byte>
{
    byte[] _buf = ArrayPool<byte>.Shared.Rent(flushAt * 2);
    int _pos;

    public int Length => _pos;
    public bool Full => _pos >= flushAt;

    /// <summary>The bytes written since the last flush, for writers that measure or move what they wrote.</summary>
    public Span<byte> Written => _buf.AsSpan(0, _pos);

    /// <summary>Drops what was written after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _pos = Math.Clamp(length, 0, _pos);

    public Span<byte> Reserve(int size)
    {
        if (_pos + size > _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _pos + size));
            _buf.AsSpan(0, _pos).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        return _buf.AsSpan(_pos);
    }

    public void Advance(int n) => _pos += n;

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(Math.Max(sizeHint, 256));
    public Memory<byte> GetMemory(int sizeHint = 0) { Reserve(Math.Max(sizeHint, 256)); return _buf.AsMemory(_pos); }

    public void Byte(byte b) { Reserve(1)[0] = b; _pos++; }

    public void Bytes(ReadOnlySpan<byte> bytes) { bytes.CopyTo(Reserve(bytes.Length)); _pos += bytes.Length; }

    public void Text(ReadOnlySpan<char> text)
    {
        var span = Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        _pos += Encoding.UTF8.GetBytes(text, span);
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (_pos == 0) return;
        await output.WriteAsync(_buf.AsMemory(0, _pos), ct);
        _pos = 0;
    }

    /// <summary>Synchronous flush, for outputs that are memory (a ZIP entry over pending bytes).</summary>
    public void Flush()
    {
        if (_pos == 0) return;
        output.Write(_buf, 0, _pos);
        _pos = 0;
    }

    public void FlushIfFull() { if (Full) Flush(); }

    public ValueTask FlushIfFullAsync(CancellationToken ct) => Full ? FlushAsync(ct) : ValueTask.CompletedTask;

    public void Release()
    {
        var b = _buf;
        _buf = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
