using System.Text;

namespace Exports.Formats.Parquet;

/// <summary>
/// The Thrift compact protocol, write side only, as Parquet's footer and page headers use it: field headers carry
/// the id delta and the type in one byte, integers are zigzag varints, booleans live in the field header.
/// </summary>
public sealed class ThriftCompactWriter(ByteBuffer o)
{
    public const byte TBool = 1, TByte = 3, TI16 = 4, TI32 = 5, TI64 = 6, TDouble = 7, TBinary = 8, TList = 9, TStruct = 12;

    readonly Stack<short> _outer = new();
    short _last;

    void Field(byte type, short id)
    {
        var delta = id - _last;
        if (delta is > 0 and <= 15) o.Byte((byte)((delta << 4) | type));
        else { o.Byte(type); o.Varint(ZigZag(id)); }
        _last = id;
    }

    static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    public void I16(short id, short v) { Field(TI16, id); o.Varint(ZigZag(v)); }
    public void I32(short id, int v) { Field(TI32, id); o.Varint(ZigZag(v)); }
    public void I64(short id, long v) { Field(TI64, id); o.Varint(ZigZag(v)); }
    public void I8(short id, sbyte v) { Field(TByte, id); o.Byte((byte)v); }
    public void Bool(short id, bool v) => Field(v ? (byte)1 : (byte)2, id);
    public void Binary(short id, ReadOnlySpan<byte> v) { Field(TBinary, id); o.Varint((ulong)v.Length); o.Bytes(v); }
    public void String(short id, string v) => Binary(id, Encoding.UTF8.GetBytes(v));

    /// <summary>A struct-valued field; close it with <see cref="End"/>.</summary>
    public void Struct(short id) { Field(TStruct, id); _outer.Push(_last); _last = 0; }

    /// <summary>An empty struct-valued field (the "unit" members of Parquet's unions).</summary>
    public void Empty(short id) { Struct(id); End(); }

    public void End() { o.Byte(0); _last = _outer.Pop(); }

    public void List(short id, byte elementType, int count)
    {
        Field(TList, id);
        if (count < 15) o.Byte((byte)((count << 4) | elementType));
        else { o.Byte((byte)(0xF0 | elementType)); o.Varint((ulong)count); }
    }

    /// <summary>A struct element of a list (no field header); close it with <see cref="End"/>.</summary>
    public void Element() { _outer.Push(_last); _last = 0; }

    public void ElementI32(int v) => o.Varint(ZigZag(v));
    public void ElementString(string v) { var b = Encoding.UTF8.GetBytes(v); o.Varint((ulong)b.Length); o.Bytes(b); }

    /// <summary>Starts a top-level struct (a page header or the file metadata).</summary>
    public void Begin() { _outer.Push(_last); _last = 0; }
}
