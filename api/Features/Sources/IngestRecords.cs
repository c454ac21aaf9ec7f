using Exports.Shared;
using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Series;

namespace Exports.Features.Sources;

/// <summary>
/// Validates record rows against the source's declared fields and stages the good ones: timestamp (or time), an
/// optional id, and the fields as a JSON object with sorted keys. Without an id a record's key is a hash of its
/// time and content, so the same record ingested twice is stored once. Key and JSON land in a reusable character
/// arena; the only per-row allocations left are new distinct dimension values (kept for the catalog).
/// </summary>
public sealed class RecordsIngest(SourceCatalog src, int maxTagBytes, IngestErrors errors)
{
    public const int BatchSize = 1024;
    const int MaxDistinctValues = 10_000;

    readonly Dictionary<string, FieldInfo> _fields = src.Schema.Fields.ToDictionary(f => f.Name);
    readonly ArrayBufferWriter<byte> _json = new(1024);
    readonly Utf8JsonWriter _writer = new(new ArrayBufferWriter<byte>(1));
    readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    int[] _order = new int[16];
    char[] _arena = new char[64 * 1024];
    int _arenaUsed;

    public StagedRecord[] Batch { get; } = new StagedRecord[BatchSize];
    public int Pending { get; private set; }
    public char[] Arena => _arena;
    public Dictionary<string, HashSet<string>> Values { get; } = new();

    public void Flushed() { Pending = 0; _arenaUsed = 0; }

    public bool Accept(IngestRow row)
    {
        var before = errors.Count;
        var tsAt = row.Find("timestamp");
        if (tsAt < 0) tsAt = row.Find("time");
        var ts = default(DateTime);
        if (tsAt < 0) errors.Add($"rows[{row.Index}].timestamp", IngestText.TimeMessage(row.Where(), IngestText.TimeResult.Missing));
        else if (IngestText.TryTime(row[tsAt].Kind, row.Value(row[tsAt]), out ts) is var tr && tr != IngestText.TimeResult.Ok)
            errors.Add(row.Path(row[tsAt]), IngestText.TimeMessage(row.Where(), tr));

        var idAt = row.Find("id");
        if (idAt >= 0)
        {
            ref var c = ref row[idAt];
            if (c.Kind == CellKind.Invalid || (IngestText.IsText(c.Kind) && !IngestText.IsClean(row.Value(c))))
                errors.Add(row.Path(c), $"{row.Where()}: id {IngestText.NotClean}.");
            else if (!IngestText.IsText(c.Kind) || c.ValueLength is 0 or > 200)
                errors.Add(row.Path(c), $"{row.Where()}: id must be a string of 1 to 200 characters.");
        }

        // Fields in ordinal order of their names, as the stored JSON has them.
        var n = 0;
        for (var i = 0; i < row.Count; i++)
        {
            if (i == tsAt || i == idAt) continue;
            var name = row.Name(row[i]);
            if (name.SequenceEqual("timestamp") || name.SequenceEqual("time"))
            {
                if (name.SequenceEqual(row.Name(row[tsAt]))) errors.Add(row.Path(row[i]), $"{row.Where()}: '{name}' is given twice.");
                continue;
            }
            if (name.SequenceEqual("id")) { errors.Add(row.Path(row[i]), $"{row.Where()}: 'id' is given twice."); continue; }
            if (n == _order.Length) Array.Resize(ref _order, n * 2);
            _order[n++] = i;
        }
        for (var i = 1; i < n; i++)
        {
            var x = _order[i];
            var j = i - 1;
            while (j >= 0 && row.Name(row[_order[j]]).SequenceCompareTo(row.Name(row[x])) > 0) { _order[j + 1] = _order[j]; j--; }
            _order[j + 1] = x;
        }

        _json.ResetWrittenCount();
        _writer.Reset(_json);
        _writer.WriteStartObject();
        var fields = _fields.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var k = 0; k < n; k++)
        {
            ref var c = ref row[_order[k]];
            var name = row.Name(c);
            if (k > 0 && row.Name(row[_order[k - 1]]).SequenceEqual(name))
            { errors.Add(row.Path(c), $"{row.Where()}: '{StorableText.Display(name)}' is given twice."); continue; }
            if (!fields.TryGetValue(name, out var f))
            { errors.Add(row.Path(c), $"{row.Where()}: unknown field '{StorableText.Display(name)}'. Fields: {string.Join(", ", _fields.Keys)}."); continue; }
            if (c.Kind == CellKind.Null) continue;
            if (c.Kind == CellKind.Invalid || (IngestText.IsText(c.Kind) && !IngestText.IsClean(row.Value(c))))
            { errors.Add(row.Path(c), $"{row.Where()}: {f.Name} {IngestText.NotClean}."); continue; }
            var value = row.Value(c);
            switch (f.Type)
            {
                case "string":
                    if (!IngestText.IsText(c.Kind)) { errors.Add(row.Path(c), $"{row.Where()}: {f.Name} must be a string."); break; }
                    if (f.Role == "dimension" && IngestText.Utf8Bytes(value) > maxTagBytes)
                    { errors.Add(row.Path(c), $"{row.Where()}: {f.Name} is longer than the limit of {maxTagBytes:N0} bytes (UTF-8) for a dimension value (EXPORTS_INGEST_MAX_TAG_BYTES)."); break; }
                    _writer.WriteString(name, value);
                    if (f.Role == "dimension") Remember(f.Name, value);
                    break;
                case "integer":
                    if (IngestText.TryNumber(c.Kind, value, out var whole) && whole == Math.Floor(whole) && Math.Abs(whole) < 9e15) _writer.WriteNumber(name, (long)whole);
                    else errors.Add(row.Path(c), $"{row.Where()}: {f.Name} must be a whole number.");
                    break;
                case "array":
                    // The reader re-wrote the array as compact JSON of scalars (it refused nested values with their path).
                    if (c.Kind != CellKind.Array) { errors.Add(row.Path(c), $"{row.Where()}: {f.Name} must be an array of strings, numbers, booleans or null (CSV has no arrays: send JSON or NDJSON)."); break; }
                    if (value.Length == 0) break; // refused element: its error is recorded
                    _writer.WritePropertyName(name);
                    _writer.WriteRawValue(value, skipInputValidation: true);
                    break;
                default:
                    if (IngestText.TryNumber(c.Kind, value, out var d)) _writer.WriteNumber(name, d);
                    else errors.Add(row.Path(c), $"{row.Where()}: {f.Name} must be a finite number (NaN, Infinity and numbers beyond ±1.7976931348623157E+308 are refused).");
                    break;
            }
        }
        _writer.WriteEndObject();
        _writer.Flush();
        if (errors.Count > before || errors.Any) return false;

        var json = _json.WrittenSpan;
        var need = 2 + 200 + Encoding.UTF8.GetMaxCharCount(json.Length);
        if (_arena.Length - _arenaUsed < need) Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + need));
        var keyStart = _arenaUsed;
        int keyLength;
        if (idAt >= 0)
        {
            var id = row.Value(row[idAt]);
            id.CopyTo(_arena.AsSpan(keyStart));
            keyLength = id.Length;
        }
        else
        {
            // "h:" + the first 16 bytes (hex) of SHA-256 over the ISO time ("O") and the JSON: the key earlier
            // versions computed, so re-ingesting old batches stays idempotent.
            Span<char> iso = stackalloc char[40];
            ts.TryFormat(iso, out var isoLength, "O", CultureInfo.InvariantCulture);
            Span<byte> isoBytes = stackalloc byte[40];
            var isoByteLength = Encoding.UTF8.GetBytes(iso[..isoLength], isoBytes);
            _sha.AppendData(isoBytes[..isoByteLength]);
            _sha.AppendData(json);
            Span<byte> hash = stackalloc byte[32];
            _sha.GetHashAndReset(hash);
            _arena[keyStart] = 'h';
            _arena[keyStart + 1] = ':';
            Convert.TryToHexStringLower(hash[..16], _arena.AsSpan(keyStart + 2), out var hex);
            keyLength = 2 + hex;
        }
        var dataStart = keyStart + keyLength;
        var dataLength = Encoding.UTF8.GetChars(json, _arena.AsSpan(dataStart));
        _arenaUsed = dataStart + dataLength;
        Batch[Pending++] = new StagedRecord { Ts = ts, KeyStart = keyStart, KeyLength = keyLength, DataStart = dataStart, DataLength = dataLength };
        return Pending == Batch.Length || _arenaUsed > 1024 * 1024;
    }

    void Remember(string field, ReadOnlySpan<char> value)
    {
        if (!Values.TryGetValue(field, out var set)) Values[field] = set = new HashSet<string>(StringComparer.Ordinal);
        if (set.Count >= MaxDistinctValues) return;
        var lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.Contains(value)) lookup.Add(value);
    }
}
