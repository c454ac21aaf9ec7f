using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Exports.Formats.Parquet;

/// <summary>
/// One Parquet file, written front to back onto any stream: magic, then each row group as soon as it fills
/// (column chunks of pages, compressed), then the Thrift footer. Memory is one row group of values plus its
/// encoded bytes. Written from the public specification (apache/parquet-format: parquet.thrift, Encodings.md).
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    public const string CreatedBy = "exports version 0.1.0 (build parquet-writer)";
    static readonly byte[] Magic = "PAR1"u8.ToArray();

    readonly Stream _out;
    readonly ParquetOptions _o;
    readonly ColumnBuffer[] _cols;
    readonly IReadOnlyList<KeyValuePair<string, string>> _kv;
    readonly int _codec;
    readonly List<RowGroupMeta> _groups = [];
    readonly ByteBuffer _group = new(1 << 16), _page = new(1 << 16), _packed = new(1 << 16), _header = new(256);
    long _written, _rows;
    bool _started;

    public ParquetFileWriter(Stream output, IReadOnlyList<ParquetField> fields, TimeZoneInfo zone, ParquetOptions options,
        IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        _out = output;
        _o = options;
        _cols = fields.Select(f => new ColumnBuffer(f, zone)).ToArray();
        _kv = metadata;
        _codec = PageCodecs.ByName[options.Compression];
    }

    public long Rows => _rows;
    public long BytesWritten => _written;

    /// <summary>True when the current row group should be flushed: by rows, or by 64 MiB of text.</summary>
    public bool Full
    {
        get
        {
            if (_cols.Length == 0) return false;
            if (_cols[0].Rows >= _o.RowGroupSize) return true;
            long text = 0;
            foreach (var c in _cols) text += c.StringBytes;
            return text > 64L << 20;
        }
    }

    public void Append(RowBuffer row)
    {
        foreach (var c in _cols) c.Append(row);
        _rows++;
    }

    public async ValueTask FlushRowGroupAsync(CancellationToken ct)
    {
        if (!_started) { _group.Bytes(Magic); _started = true; }
        if (_cols.Length > 0 && _cols[0].Rows > 0) EncodeRowGroup();
        if (_group.Length == 0) return;
        await _out.WriteAsync(_group.Memory, ct);
        _written += _group.Length;
        _group.Clear();
    }

    public async ValueTask FinishAsync(CancellationToken ct)
    {
        await FlushRowGroupAsync(ct);
        var t = new ThriftCompactWriter(_group);
        WriteFileMetaData(t);
        var footerLength = _group.Length;
        _group.Int32(footerLength);
        _group.Bytes(Magic);
        await _out.WriteAsync(_group.Memory, ct);
        _written += _group.Length;
        _group.Clear();
    }

    // ---- row groups -------------------------------------------------------------------------------------------

    sealed record ChunkMeta(
        PhysicalType Type, List<int> Encodings, string[] Path, int Codec, long NumValues, long Uncompressed, long Compressed,
        long DataPageOffset, long? DictionaryPageOffset, byte[]? Min, byte[]? Max, long Nulls);

    sealed record RowGroupMeta(List<ChunkMeta> Columns, long Rows, long Offset);

    void EncodeRowGroup()
    {
        var start = _written + _group.Length;
        var chunks = new List<ChunkMeta>(_cols.Length);
        foreach (var c in _cols) chunks.Add(EncodeChunk(c));
        _groups.Add(new RowGroupMeta(chunks, _cols[0].Rows, start));
        foreach (var c in _cols) c.Reset();
    }

    ChunkMeta EncodeChunk(ColumnBuffer c)
    {
        var f = c.Field;
        var chunkStart = _written + _group.Length;
        long uncompressed = 0, compressed = 0;
        long? dictOffset = null;
        var encodings = new List<int>();
        var (min, max) = Statistics(c);

        Dictionary<string, int>? dict = null;
        int[]? indices = null;
        if (f.Physical == PhysicalType.ByteArray && _o.Dictionary && c.Values > 0) (dict, indices) = BuildDictionary(c);
        try
        {
            if (dict is not null)
            {
                dictOffset = chunkStart;
                _page.Clear();
                foreach (var key in dict.Keys) PlainString(_page, key);
                var (u, z) = WritePage(PageType.Dictionary, dict.Count, 0, _page.Span);
                uncompressed += u; compressed += z;
                encodings.Add(EncPlain);
            }
            var dataOffset = _written + _group.Length;
            var bitWidth = dict is null ? 0 : Math.Max(1, Encodings.BitWidth((ulong)(dict.Count - 1)));
            var perValue = f.Physical switch
            {
                PhysicalType.ByteArray when dict is not null => Math.Max(1.0, bitWidth / 8.0),
                PhysicalType.ByteArray => 4.0 + (double)c.StringBytes / Math.Max(1, c.Values),
                PhysicalType.Int32 or PhysicalType.Float => 4.0,
                PhysicalType.Boolean => 0.125,
                _ => 8.0,
            };
            var rowsPerPage = (int)Math.Clamp(_o.PageSize / perValue, 1, int.MaxValue);
            var value = 0;
            for (var row = 0; row < c.Rows; row += rowsPerPage)
            {
                var rows = Math.Min(rowsPerPage, c.Rows - row);
                var (entry, entries) = c.EntriesOf(row, rows);
                var defs = c.Defs.AsSpan(entry, entries);
                var present = f.Required ? rows : Count(defs, f.List ? ColumnBuffer.ListMaxDef : 1);
                _page.Clear();
                if (f.List)
                {
                    Encodings.Levels(_page, c.Reps.AsSpan(entry, entries), 1);
                    Encodings.Levels(_page, defs, 2);
                }
                else if (!f.Required) Encodings.DefinitionLevels(_page, defs);
                var encoding = EncodeValues(c, value, present, indices, bitWidth);
                if (!encodings.Contains(encoding)) encodings.Add(encoding);
                var (u, z) = WritePage(PageType.Data, entries, encoding, _page.Span);
                uncompressed += u; compressed += z;
                value += present;
            }
            if (!f.Required || c.Rows == 0) encodings.Add(EncRle);
            var levelEntries = f.List ? c.Entries : c.Rows;
            return new ChunkMeta(f.Physical, encodings.Distinct().ToList(), f.Path, _codec, levelEntries, uncompressed, compressed,
                dataOffset, dictOffset, min, max, levelEntries - c.Values);
        }
        finally
        {
            if (indices is not null) ArrayPool<int>.Shared.Return(indices);
        }
    }

    static int Count(ReadOnlySpan<int> defs, int max)
    {
        var n = 0;
        foreach (var d in defs) if (d == max) n++;
        return n;
    }

    const int EncPlain = 0, EncRle = 3, EncDelta = 5, EncRleDictionary = 8;
    enum PageType { Data = 0, Dictionary = 2 }

    (Dictionary<string, int>?, int[]?) BuildDictionary(ColumnBuffer c)
    {
        const int MaxEntries = 1 << 16;
        var limit = Math.Min(_o.PageSize, 1 << 20);
        var dict = new Dictionary<string, int>(StringComparer.Ordinal);
        var indices = ArrayPool<int>.Shared.Rent(c.Values);
        long dictBytes = 0;
        for (var i = 0; i < c.Values; i++)
        {
            var s = c.Strings[i];
            if (!dict.TryGetValue(s, out var id))
            {
                id = dict.Count;
                dict.Add(s, id);
                dictBytes += 4 + Encoding.UTF8.GetByteCount(s);
                // The dictionary must stay one page and pay for itself; otherwise the chunk falls back to PLAIN.
                if (dict.Count > MaxEntries || dictBytes > limit || dict.Count > c.Values / 2 + 16)
                {
                    ArrayPool<int>.Shared.Return(indices);
                    return (null, null);
                }
            }
            indices[i] = id;
        }
        return (dict, indices);
    }

    int EncodeValues(ColumnBuffer c, int from, int count, int[]? indices, int bitWidth)
    {
        var f = c.Field;
        if (indices is not null)
        {
            _page.Byte((byte)bitWidth);
            Encodings.RleHybrid(_page, indices.AsSpan(from, count), bitWidth);
            return EncRleDictionary;
        }
        switch (f.Physical)
        {
            case PhysicalType.ByteArray:
                for (var i = from; i < from + count; i++) PlainString(_page, c.Strings[i]);
                return EncPlain;
            case PhysicalType.Double:
                for (var i = from; i < from + count; i++) _page.Double(c.Doubles[i]);
                return EncPlain;
            case PhysicalType.Float:
                for (var i = from; i < from + count; i++) _page.Float((float)c.Doubles[i]);
                return EncPlain;
            case PhysicalType.Boolean:
            {
                var bits = new ulong[8];
                for (var i = 0; i < count; i += 8)
                {
                    var n = Math.Min(8, count - i);
                    Array.Clear(bits);
                    for (var k = 0; k < n; k++) bits[k] = (ulong)c.Longs[from + i + k];
                    Encodings.BitPack(_page, bits, n == 8 ? 8 : n, 1);
                }
                return EncPlain;
            }
            default:
            {
                var values = c.Longs.AsSpan(from, count);
                var width = f.Physical == PhysicalType.Int32 ? 4 : 8;
                if (_o.DeltaEncoding != "never" && count > 0)
                {
                    var mark = _page.Length;
                    Encodings.DeltaBinaryPacked(_page, values);
                    if (_o.DeltaEncoding == "always" || _page.Length - mark < (long)count * width) return EncDelta;
                    _page.Truncate(mark);
                }
                foreach (var v in values)
                    if (width == 4) _page.Int32((int)v); else _page.Int64(v);
                return EncPlain;
            }
        }
    }

    static void PlainString(ByteBuffer o, string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        var span = o.Reserve(4 + max);
        var n = Encoding.UTF8.GetBytes(s, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        o.Advance(4 + n);
    }

    (long Uncompressed, long Compressed) WritePage(PageType type, int numValues, int encoding, ReadOnlySpan<byte> body)
    {
        _packed.Clear();
        PageCodecs.Compress(_codec, body, _packed);
        _header.Clear();
        var t = new ThriftCompactWriter(_header);
        t.Begin();
        t.I32(1, (int)type);
        t.I32(2, body.Length);
        t.I32(3, _packed.Length);
        if (type == PageType.Data)
        {
            t.Struct(5);
            t.I32(1, numValues);
            t.I32(2, encoding);
            t.I32(3, EncRle);
            t.I32(4, EncRle);
            t.End();
        }
        else
        {
            t.Struct(7);
            t.I32(1, numValues);
            t.I32(2, EncPlain);
            t.End();
        }
        t.End();
        _group.Bytes(_header.Span);
        _group.Bytes(_packed.Span);
        return (_header.Length + body.Length, _header.Length + _packed.Length);
    }

    // ---- statistics -------------------------------------------------------------------------------------------

    static (byte[]? Min, byte[]? Max) Statistics(ColumnBuffer c)
    {
        if (c.Values == 0) return (null, null);
        switch (c.Field.Physical)
        {
            case PhysicalType.ByteArray:
            {
                string min = c.Strings[0], max = c.Strings[0];
                for (var i = 1; i < c.Values; i++)
                {
                    var s = c.Strings[i];
                    if (ReferenceEquals(s, min) || ReferenceEquals(s, max)) continue;
                    if (CodePointOrder(s, min) < 0) min = s;
                    else if (CodePointOrder(s, max) > 0) max = s;
                }
                var (a, b) = (Encoding.UTF8.GetBytes(min), Encoding.UTF8.GetBytes(max));
                return a.Length > 1024 || b.Length > 1024 ? (null, null) : (a, b);
            }
            case PhysicalType.Double or PhysicalType.Float:
            {
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                var any = false;
                for (var i = 0; i < c.Values; i++)
                {
                    var d = c.Doubles[i];
                    if (double.IsNaN(d)) continue;
                    any = true;
                    if (d < min) min = d;
                    if (d > max) max = d;
                }
                if (!any) return (null, null);
                if (min == 0) min = -0.0;
                if (max == 0) max = 0.0;
                return c.Field.Physical == PhysicalType.Float
                    ? (BitConverter.GetBytes((float)min), BitConverter.GetBytes((float)max))
                    : (BitConverter.GetBytes(min), BitConverter.GetBytes(max));
            }
            default:
            {
                long min = long.MaxValue, max = long.MinValue;
                for (var i = 0; i < c.Values; i++)
                {
                    var v = c.Longs[i];
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
                return c.Field.Physical switch
                {
                    PhysicalType.Int32 => (BitConverter.GetBytes((int)min), BitConverter.GetBytes((int)max)),
                    PhysicalType.Boolean => ([(byte)min], [(byte)max]),
                    _ => (BitConverter.GetBytes(min), BitConverter.GetBytes(max)),
                };
            }
        }
    }

    /// <summary>Orders strings as their UTF-8 bytes compare (unsigned), which is Parquet's order for STRING.</summary>
    static int CodePointOrder(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] == b[i]) continue;
            return Fix(a[i]) - Fix(b[i]);
        }
        return a.Length - b.Length;
        static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    // ---- footer -----------------------------------------------------------------------------------------------

    void WriteFileMetaData(ThriftCompactWriter t)
    {
        t.Begin();
        t.I32(1, 2);
        t.List(2, ThriftCompactWriter.TStruct, _cols.Sum(c => c.Field.Path.Length) + 1);
        t.Element();
        t.String(4, "schema");
        t.I32(5, _cols.Length);
        t.End();
        foreach (var c in _cols) WriteSchemaElement(t, c.Field);
        t.I64(3, _rows);
        t.List(4, ThriftCompactWriter.TStruct, _groups.Count);
        for (var g = 0; g < _groups.Count; g++) WriteRowGroup(t, _groups[g], g);
        t.List(5, ThriftCompactWriter.TStruct, _kv.Count);
        foreach (var (k, v) in _kv)
        {
            t.Element();
            t.String(1, k);
            t.String(2, v);
            t.End();
        }
        t.String(6, CreatedBy);
        t.List(7, ThriftCompactWriter.TStruct, _cols.Length);
        foreach (var _ in _cols)
        {
            t.Element();
            t.Empty(1); // TYPE_ORDER: min and max follow the type's natural order
            t.End();
        }
        t.End();
    }

    static void WriteSchemaElement(ThriftCompactWriter t, ParquetField f)
    {
        if (f.List)
        {
            // optional group <name> (LIST) { repeated group list { optional binary element (STRING) } }
            t.Element();
            t.I32(3, 1);
            t.String(4, f.Name);
            t.I32(5, 1);
            t.I32(6, 3); // converted type LIST
            t.Struct(10); t.Empty(3); t.End(); // logical type LIST
            t.End();
            t.Element();
            t.I32(3, 2);
            t.String(4, "list");
            t.I32(5, 1);
            t.End();
            t.Element();
            t.I32(1, (int)PhysicalType.ByteArray);
            t.I32(3, 1);
            t.String(4, "element");
            t.I32(6, 0);
            t.Struct(10); t.Empty(1); t.End();
            t.End();
            return;
        }
        t.Element();
        t.I32(1, (int)f.Physical);
        t.I32(3, f.Required ? 0 : 1);
        t.String(4, f.Name);
        switch (f.Logical)
        {
            case LogicalKind.String:
                t.I32(6, 0); // UTF8
                t.Struct(10); t.Empty(1); t.End();
                break;
            case LogicalKind.Date:
                t.I32(6, 6);
                t.Struct(10); t.Empty(6); t.End();
                break;
            case LogicalKind.TimestampMillis or LogicalKind.TimestampMicros:
                var micros = f.Logical == LogicalKind.TimestampMicros;
                t.I32(6, micros ? 10 : 9);
                t.Struct(10);
                t.Struct(8);
                t.Bool(1, true);
                t.Struct(2); t.Empty(micros ? (short)2 : (short)1); t.End();
                t.End();
                t.End();
                break;
        }
        t.End();
    }

    static void WriteRowGroup(ThriftCompactWriter t, RowGroupMeta g, int ordinal)
    {
        t.Element();
        t.List(1, ThriftCompactWriter.TStruct, g.Columns.Count);
        foreach (var c in g.Columns)
        {
            t.Element();
            t.I64(2, c.DictionaryPageOffset ?? c.DataPageOffset);
            t.Struct(3);
            t.I32(1, (int)c.Type);
            t.List(2, ThriftCompactWriter.TI32, c.Encodings.Count);
            foreach (var e in c.Encodings) t.ElementI32(e);
            t.List(3, ThriftCompactWriter.TBinary, c.Path.Length);
            foreach (var part in c.Path) t.ElementString(part);
            t.I32(4, c.Codec);
            t.I64(5, c.NumValues);
            t.I64(6, c.Uncompressed);
            t.I64(7, c.Compressed);
            t.I64(9, c.DataPageOffset);
            if (c.DictionaryPageOffset is { } d) t.I64(11, d);
            t.Struct(12);
            t.I64(3, c.Nulls);
            if (c.Max is not null) t.Binary(5, c.Max);
            if (c.Min is not null) t.Binary(6, c.Min);
            t.End();
            t.End();
            t.End();
        }
        t.I64(2, g.Columns.Sum(c => c.Uncompressed));
        t.I64(3, g.Rows);
        t.I64(5, g.Offset);
        t.I64(6, g.Columns.Sum(c => c.Compressed));
        t.I16(7, (short)ordinal);
        t.End();
    }

    public void Dispose()
    {
        _group.Dispose(); _page.Dispose(); _packed.Dispose(); _header.Dispose();
    }
}
