using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Exports.Formats.Parquet;

/// <summary>
/// The Parquet format as a row writer: one file straight onto the output, or, with <c>partitionBy</c>, one file
/// per partition value in Hive layout (<c>server=web-01/part-00000.parquet</c>) collected into a zip. Partition
/// files are written to a private temporary folder as their row groups fill and removed when the export ends,
/// however it ends.
/// </summary>
public sealed class ParquetRowWriter : IRowWriter, IAsyncDisposable
{
    readonly ExportSchema _schema;
    readonly Stream _output;
    readonly ParquetOptions _o;
    readonly IReadOnlyList<ParquetField> _fields;
    readonly List<KeyValuePair<string, string>> _kv;
    readonly ParquetFileWriter? _single;
    readonly OutputColumn[] _partitionColumns;
    readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    readonly List<Partition> _full = [];
    readonly StringBuilder _key = new();
    string? _dir;

    sealed record Partition(string Path, FileStream File, ParquetFileWriter Writer);

    /// <summary>The private folder of partition files while the export runs (null before the first partition).</summary>
    internal string? TempDirectory => _dir;

    public ParquetRowWriter(ExportSchema schema, Stream output, ParquetOptions options)
    {
        _schema = schema;
        _output = output;
        _o = options;
        _fields = options.Fields(schema);
        _kv = KeyValues(schema, options);
        _partitionColumns = options.PartitionBy.Select(p => schema.Columns.First(c => c.Name == p)).ToArray();
        if (_partitionColumns.Length == 0) _single = new ParquetFileWriter(output, _fields, schema.Zone, options, _kv);
    }

    public static List<KeyValuePair<string, string>> KeyValues(ExportSchema schema, ParquetOptions o)
    {
        var kv = new List<KeyValuePair<string, string>>();
        foreach (var (k, v) in schema.Metadata)
        {
            if (v is null) continue;
            var text = v switch
            {
                string s => s,
                DateTimeOffset d => d.ToString("O"),
                _ => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
            };
            kv.Add(new("exports." + k, text));
        }
        if (o.PartitionBy.Count > 0) kv.Add(new("exports.partitionBy", string.Join(",", o.PartitionBy)));
        foreach (var (k, v) in o.Metadata) kv.Add(new(k, v));
        return kv;
    }

    public ValueTask BeginAsync(CancellationToken ct) => ValueTask.CompletedTask;

    public void Write(RowBuffer row)
    {
        if (_single is not null) { _single.Append(row); return; }
        var p = PartitionOf(row);
        p.Writer.Append(row);
        if (p.Writer.Full && !_full.Contains(p)) _full.Add(p);
    }

    Partition PartitionOf(RowBuffer row)
    {
        string key;
        if (_partitionColumns.Length == 1 && _partitionColumns[0].Type == ColumnType.String)
            key = row.Nulls[_partitionColumns[0].Slot] ? "\0" : row.Strings[_partitionColumns[0].Slot] ?? "\0";
        else
        {
            _key.Clear();
            foreach (var c in _partitionColumns)
            {
                if (row.Nulls[c.Slot]) _key.Append('\0');
                else if (c.Type == ColumnType.Long) _key.Append(row.Longs[c.Slot]);
                else _key.Append(row.Strings[c.Slot]);
                _key.Append('\u0001');
            }
            key = _key.ToString();
        }
        if (_partitions.TryGetValue(key, out var p)) return p;
        if (_partitions.Count >= ParquetOptions.MaxPartitions)
            throw new ExportDataException("formatOptions.partitionBy", $"More than {ParquetOptions.MaxPartitions} partitions: partition by a column with fewer distinct values.");
        var path = PathOf(row);
        _dir ??= Directory.CreateTempSubdirectory("exports-parquet-").FullName;
        var file = new FileStream(System.IO.Path.Combine(_dir, $"{_partitions.Count:D5}.parquet"), FileMode.CreateNew, FileAccess.Write,
            FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        p = new Partition(path, file, new ParquetFileWriter(file, _fields, _schema.Zone, _o, _kv));
        _partitions.Add(key, p);
        return p;
    }

    // Its own method: a lambda over the row inside PartitionOf would allocate a closure for every row.
    string PathOf(RowBuffer row) => string.Join("/", _partitionColumns.Select(c => $"{HiveEscape(c.Name)}={HiveValue(row, c)}")) + "/part-00000.parquet";

    const string DefaultPartition = "__HIVE_DEFAULT_PARTITION__";

    static string HiveValue(RowBuffer row, OutputColumn c)
    {
        if (row.Nulls[c.Slot]) return DefaultPartition;
        var v = c.Type == ColumnType.Long ? row.Longs[c.Slot].ToString(System.Globalization.CultureInfo.InvariantCulture) : row.Strings[c.Slot];
        return string.IsNullOrEmpty(v) ? DefaultPartition : HiveEscape(v);
    }

    /// <summary>Hive's path escaping: characters that mean something in a path or to Hive become %XX, so a value
    /// can never climb out of its folder or split into two.</summary>
    public static string HiveEscape(string v)
    {
        var sb = new StringBuilder(v.Length);
        foreach (var b in Encoding.UTF8.GetBytes(v))
        {
            var ch = (char)b;
            var plain = b >= 0x80 ? false : char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or ' ' or ',' or '+' or '@' or '(' or ')';
            if (plain) sb.Append(ch);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    public async ValueTask FlushIfFullAsync(CancellationToken ct)
    {
        if (_single is not null)
        {
            if (_single.Full) await _single.FlushRowGroupAsync(ct);
            return;
        }
        if (_full.Count == 0) return;
        foreach (var p in _full) await p.Writer.FlushRowGroupAsync(ct);
        _full.Clear();
    }

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (_single is not null) { await _single.FinishAsync(ct); return; }
        foreach (var p in _partitions.Values)
        {
            await p.Writer.FinishAsync(ct);
            await p.File.FlushAsync(ct);
        }
        // Parquet pages are compressed already: the zip stores them as they are.
        _dir ??= Directory.CreateTempSubdirectory("exports-parquet-").FullName;
        var zipPath = System.IO.Path.Combine(_dir, "all.zip");
        await using (var zipFile = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            using (var zip = new ZipArchive(zipFile, ZipArchiveMode.Create, leaveOpen: true))
                foreach (var p in _partitions.Values.OrderBy(p => p.Path, StringComparer.Ordinal))
                {
                    var entry = zip.CreateEntry(p.Path, CompressionLevel.NoCompression);
                    await using var es = entry.Open();
                    await using var read = new FileStream(p.File.Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous);
                    await read.CopyToAsync(es, ct);
                }
            zipFile.Position = 0;
            await zipFile.CopyToAsync(_output, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _single?.Dispose();
        foreach (var p in _partitions.Values)
        {
            p.Writer.Dispose();
            await p.File.DisposeAsync();
        }
        _partitions.Clear();
        if (_dir is not null)
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
            _dir = null;
        }
    }
}
