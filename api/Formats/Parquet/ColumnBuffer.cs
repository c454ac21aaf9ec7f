namespace Exports.Formats.Parquet;

/// <summary>The values of one column for the row group being filled: definition levels for every row and the
/// non-null values densely, in the physical representation. Arrays grow on demand up to the row group size.</summary>
public sealed class ColumnBuffer(ParquetField field, TimeZoneInfo zone)
{
    public readonly ParquetField Field = field;
    public int[] Defs = new int[256];
    public long[] Longs = field.Physical is PhysicalType.Int32 or PhysicalType.Int64 or PhysicalType.Boolean ? new long[256] : [];
    public double[] Doubles = field.Physical is PhysicalType.Double or PhysicalType.Float ? new double[256] : [];
    public string[] Strings = field.Physical is PhysicalType.ByteArray ? new string[256] : [];
    public int Rows, Values;
    public long StringBytes;

    // A LIST column: one level entry per element (or per null / empty list), its repetition level (0: a row starts,
    // 1: the next element), and where each row's entries start (pages split on row boundaries).
    // Definition levels: 0 null list, 1 empty list, 2 null element, 3 element.
    public int Entries;
    public int[] Reps = field.List ? new int[256] : [];
    public int[] RowStarts = field.List ? new int[256] : [];
    byte[] _utf8 = field.List ? new byte[256] : [];
    public const int ListMaxDef = 3;

    /// <summary>The level entries of rows [from, from + count).</summary>
    public (int Start, int Length) EntriesOf(int from, int count)
    {
        if (!Field.List) return (from, count);
        var end = from + count < Rows ? RowStarts[from + count] : Entries;
        return (RowStarts[from], end - RowStarts[from]);
    }

    static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public void Append(RowBuffer row)
    {
        if (Field.List) { AppendList(row); return; }
        if (Rows == Defs.Length) Grow();
        var slot = Field.Slot;
        if (row.Nulls[slot] || (Field.Source == ColumnType.String && row.Strings[slot] is null))
        {
            if (Field.Required) throw new ExportDataException($"formatOptions.schema.{Field.Name}", $"Column '{Field.Name}' is required but row {Rows + 1} of this row group has no value.");
            Defs[Rows++] = 0;
            return;
        }
        Defs[Rows++] = 1;
        var v = Values++;
        switch (Field.Physical)
        {
            case PhysicalType.ByteArray:
                var s = row.Strings[slot]!;
                Strings[v] = s;
                StringBytes += s.Length;
                break;
            case PhysicalType.Double:
            case PhysicalType.Float:
                Doubles[v] = Field.Source == ColumnType.Long ? row.Longs[slot] : row.Doubles[slot];
                break;
            default:
                Longs[v] = Convert(row, slot);
                break;
        }
    }

    void AppendList(RowBuffer row)
    {
        if (Rows == RowStarts.Length) Array.Resize(ref RowStarts, Rows * 2);
        RowStarts[Rows++] = Entries;
        var slot = Field.Slot;
        if (row.Nulls[slot] || row.Strings[slot] is not { } text) { Entry(0, 0); return; }
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_utf8.Length < max) _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        var n = System.Text.Encoding.UTF8.GetBytes(text, _utf8);
        var r = new System.Text.Json.Utf8JsonReader(_utf8.AsSpan(0, n));
        if (!r.Read() || r.TokenType != System.Text.Json.JsonTokenType.StartArray)
            throw new ExportDataException($"formatOptions.schema.{Field.Name}", $"Column '{Field.Name}' is written as a LIST but row {Rows} holds no array.");
        var rep = 0;
        while (r.Read() && r.TokenType != System.Text.Json.JsonTokenType.EndArray)
        {
            // Elements are scalars (ingest refuses nested values); each is written as its text.
            string? s = r.TokenType switch
            {
                System.Text.Json.JsonTokenType.Null => null,
                System.Text.Json.JsonTokenType.String => r.GetString(),
                System.Text.Json.JsonTokenType.True => "true",
                System.Text.Json.JsonTokenType.False => "false",
                _ => System.Text.Encoding.UTF8.GetString(r.ValueSpan),
            };
            if (s is null) Entry(rep, 2);
            else
            {
                Entry(rep, ListMaxDef);
                if (Values == Strings.Length) Array.Resize(ref Strings, Values * 2);
                Strings[Values++] = s;
                StringBytes += s.Length;
            }
            rep = 1;
        }
        if (rep == 0) Entry(0, 1); // an empty list
    }

    void Entry(int rep, int def)
    {
        if (Entries == Defs.Length) { Array.Resize(ref Defs, Entries * 2); Array.Resize(ref Reps, Entries * 2); }
        Reps[Entries] = rep;
        Defs[Entries++] = def;
    }

    long Convert(RowBuffer row, int slot)
    {
        switch (Field.Source)
        {
            case ColumnType.Time:
                var t = row.Times[slot];
                return Field.Logical switch
                {
                    LogicalKind.TimestampMillis => (t.Ticks - EpochTicks) / TimeSpan.TicksPerMillisecond,
                    LogicalKind.Date => (TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(t, DateTimeKind.Utc), zone).Date.Ticks - EpochTicks) / TimeSpan.TicksPerDay,
                    _ => (t.Ticks - EpochTicks) / 10,
                };
            case ColumnType.Long:
                var l = row.Longs[slot];
                if (Field.Physical == PhysicalType.Boolean) return l != 0 ? 1 : 0;
                if (Field.Physical == PhysicalType.Int32 && l is < int.MinValue or > int.MaxValue)
                    throw new ExportDataException($"formatOptions.schema.{Field.Name}", $"Column '{Field.Name}' is written as int32 but holds {l}.");
                return l;
            default:
                var d = row.Doubles[slot];
                if (Field.Physical == PhysicalType.Boolean) return d != 0 ? 1 : 0;
                var r = Math.Round(d, MidpointRounding.AwayFromZero);
                var (min, max) = Field.Physical == PhysicalType.Int32 ? (int.MinValue, (double)int.MaxValue) : (long.MinValue, 9.2233720368547748E+18);
                if (!double.IsFinite(r) || r < min || r >= max)
                    throw new ExportDataException($"formatOptions.schema.{Field.Name}", $"Column '{Field.Name}' is written as {Field.TypeName} but holds {d}.");
                return (long)r;
        }
    }

    void Grow()
    {
        var n = Defs.Length * 2;
        Array.Resize(ref Defs, n);
        if (Longs.Length > 0) Array.Resize(ref Longs, n);
        if (Doubles.Length > 0) Array.Resize(ref Doubles, n);
        if (Strings.Length > 0) Array.Resize(ref Strings, n);
    }

    public void Reset()
    {
        if (Strings.Length > 0) Array.Clear(Strings, 0, Values);
        Rows = Values = Entries = 0;
        StringBytes = 0;
    }
}
