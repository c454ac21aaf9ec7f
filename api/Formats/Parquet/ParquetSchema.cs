namespace Exports.Formats.Parquet;

/// <summary>Physical types of parquet.thrift (Type).</summary>
public enum PhysicalType { Boolean = 0, Int32 = 1, Int64 = 2, Float = 4, Double = 5, ByteArray = 6 }

/// <summary>What a column holds for readers: the logical (or converted) type written next to the physical one.</summary>
public enum LogicalKind { None, String, Date, TimestampMillis, TimestampMicros }

/// <summary>One column of a Parquet file and how it is filled from the row buffer. <paramref name="List"/>: a LIST of
/// optional UTF-8 elements (three-level layout: optional group name (LIST) / repeated group list / optional element),
/// filled from a column holding a JSON array of scalars (<see cref="OutputColumn.Json"/>).</summary>
public sealed record ParquetField(
    string Name, PhysicalType Physical, LogicalKind Logical, bool Required, int Slot, ColumnType Source, bool List = false)
{
    /// <summary>The leaf's path in the schema (path_in_schema).</summary>
    public string[] Path => List ? [Name, "list", "element"] : [Name];

    /// <summary>The user-facing type name used in options, errors and the About text.</summary>
    public string TypeName => (Physical, Logical) switch
    {
        (_, LogicalKind.String) => "string",
        (_, LogicalKind.Date) => "date",
        (_, LogicalKind.TimestampMillis or LogicalKind.TimestampMicros) => "timestamp",
        (PhysicalType.Int32, _) => "int32",
        (PhysicalType.Int64, _) => "int64",
        (PhysicalType.Float, _) => "float",
        (PhysicalType.Double, _) => "double",
        (PhysicalType.Boolean, _) => "boolean",
        _ => "binary",
    };

    /// <summary>Which override types a source column can be written as.</summary>
    public static IReadOnlyList<string> AllowedTypes(ColumnType source) => source switch
    {
        ColumnType.Time => ["timestamp", "date"],
        ColumnType.String => ["string"],
        ColumnType.Long => ["int64", "int32", "double", "boolean"],
        _ => ["double", "float", "int64", "int32", "boolean"],
    };

    public static ParquetField For(OutputColumn c, string? name, string? type, bool? required, string timestampUnit)
    {
        if (c.Json && c.Type == ColumnType.String)
            return new ParquetField(name ?? c.Name, PhysicalType.ByteArray, LogicalKind.String, false, c.Slot, c.Type, List: true);
        var ts = timestampUnit == "millis" ? LogicalKind.TimestampMillis : LogicalKind.TimestampMicros;
        var t = type ?? c.Type switch
        {
            ColumnType.Time => "timestamp", ColumnType.String => "string", ColumnType.Long => "int64", _ => "double",
        };
        var (physical, logical) = t switch
        {
            "timestamp" => (PhysicalType.Int64, ts),
            "date" => (PhysicalType.Int32, LogicalKind.Date),
            "string" => (PhysicalType.ByteArray, LogicalKind.String),
            "int64" => (PhysicalType.Int64, LogicalKind.None),
            "int32" => (PhysicalType.Int32, LogicalKind.None),
            "float" => (PhysicalType.Float, LogicalKind.None),
            "boolean" => (PhysicalType.Boolean, LogicalKind.None),
            _ => (PhysicalType.Double, LogicalKind.None),
        };
        // Time keys are never missing; everything else may have gaps unless the caller says otherwise.
        var req = required ?? (c.IsKey && c.Type == ColumnType.Time);
        return new ParquetField(name ?? c.Name, physical, logical, req, c.Slot, c.Type);
    }
}
