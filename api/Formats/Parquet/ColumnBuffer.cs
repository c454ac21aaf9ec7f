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

    static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public void Append(RowBuffer row)
    {
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
        Rows = Values = 0;
        StringBytes = 0;
    }
}
