using System.Buffers;
using System.Buffers.Binary;

namespace Exports.Formats.Parquet;

/// <summary>A growable, pooled byte buffer with the little-endian and varint writes the Parquet encoders need.</summary>
public sealed class ByteBuffer : IDisposable
{
    byte[] _buf;
    int _len;

    public ByteBuffer(int capacity = 4096) => _buf = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length => _len;
    public ReadOnlySpan<byte> Span => _buf.AsSpan(0, _len);
    public ReadOnlyMemory<byte> Memory => _buf.AsMemory(0, _len);
    public void Clear() => _len = 0;
    public void Truncate(int length) => _len = Math.Min(_len, length);

    public Span<byte> Reserve(int n)
    {
        if (_len + n > _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _len + n));
            _buf.AsSpan(0, _len).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        return _buf.AsSpan(_len, n);
    }

    public void Advance(int n) => _len += n;
    public void Byte(byte b) { Reserve(1)[0] = b; _len++; }
    public void Bytes(ReadOnlySpan<byte> b) { b.CopyTo(Reserve(b.Length)); _len += b.Length; }
    public void Int32(int v) { BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v); _len += 4; }
    public void Int64(long v) { BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v); _len += 8; }
    public void Float(float v) { BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), v); _len += 4; }
    public void Double(double v) { BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), v); _len += 8; }

    /// <summary>Overwrites 4 bytes at <paramref name="at"/> (a length prefix reserved earlier).</summary>
    public void PatchInt32(int at, int v) => BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(at, 4), v);

    public void Varint(ulong v)
    {
        var s = Reserve(10);
        var i = 0;
        while (v >= 0x80) { s[i++] = (byte)(v | 0x80); v >>= 7; }
        s[i++] = (byte)v;
        _len += i;
    }

    public void Dispose()
    {
        var b = _buf;
        _buf = [];
        _len = 0;
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
