using Exports.Shared;
using Exports.Series;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Exports.Features.Sources;

public enum ReadStep { NeedMore, Flush, Done, Failed }

/// <summary>
/// Reads rows out of a JSON body as it arrives: a JSON array of row objects, an object holding that array under
/// "points" / "records", or NDJSON (one object per line). Token by token with <see cref="Utf8JsonReader"/> over
/// the bytes the pipe holds, so only the unread tail of the body is ever buffered; each complete row is handed to
/// the callback, which returns true when its batch is full and must be written before reading on.
/// </summary>
public sealed class JsonRowReader(string arrayName, bool tagObjects, bool ndjson, IngestRow row, IngestErrors errors)
{
    /// <summary>The longest single value (JSON array) or line (NDJSON) the reader buffers.</summary>
    public const int MaxTokenBytes = 1024 * 1024;

    enum Phase { Start, Wrapper, Rows, Row, Tags, Array, Done }

    JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });
    Phase _phase = Phase.Start;
    int _rowDepth, _skipDepth = -1, _index;
    int _nameStart, _nameLength;
    bool _nameInvalid, _expectArray, _arrayFound, _skipValue;
    long _line;

    // An array value of a record (tagObjects off): its scalar elements re-written as compact JSON, validated as they
    // arrive; a nested array or object, unclean text or a number jsonb cannot hold (JsonNumber) is a field error at
    // rows[N].name[k]. Once the array is refused (an error, or past MaxTokenBytes) the rest of it is only validated,
    // never written, so one huge array costs no more than MaxTokenBytes. Text is written as it came (non-ASCII
    // unescaped), so the limit measures the input, not \uXXXX escapes.
    readonly ArrayBufferWriter<byte> _arrayJson = new(256);
    readonly Utf8JsonWriter _arrayWriter = new(new ArrayBufferWriter<byte>(1),
        new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    char[] _scratch = new char[256];
    int _arrayDepth, _arrayIndex;
    bool _arrayBad;

    /// <summary>Rows read so far (the next row's index).</summary>
    public int Rows => _index;

    public ReadStep Read(ReadOnlySequence<byte> buffer, bool final, Func<IngestRow, bool> onRow, out SequencePosition consumed)
    {
        if (ndjson) return ReadLines(buffer, final, onRow, out consumed);
        var reader = new Utf8JsonReader(buffer, final, _state);
        try
        {
            while (reader.Read())
            {
                var flush = Token(ref reader, onRow, out var failed);
                if (failed) { consumed = reader.Position; return ReadStep.Failed; }
                if (flush) { _state = reader.CurrentState; consumed = reader.Position; return ReadStep.Flush; }
            }
        }
        catch (JsonException e)
        {
            Malformed(e, null);
            consumed = buffer.End;
            return ReadStep.Failed;
        }
        _state = reader.CurrentState;
        consumed = reader.Position;
        if (final) return ReadStep.Done;
        if (buffer.Length - reader.BytesConsumed > MaxTokenBytes)
        {
            errors.Add(RowPath(), $"{Where()}: a single JSON value is longer than {MaxTokenBytes / 1024:N0} KiB.");
            return ReadStep.Failed;
        }
        return ReadStep.NeedMore;
    }

    ReadStep ReadLines(ReadOnlySequence<byte> buffer, bool final, Func<IngestRow, bool> onRow, out SequencePosition consumed)
    {
        var seq = new SequenceReader<byte>(buffer);
        while (true)
        {
            ReadOnlySequence<byte> line;
            if (!seq.TryReadTo(out line, (byte)'\n'))
            {
                if (!final || seq.End)
                {
                    consumed = seq.Position;
                    if (!final && seq.Remaining > MaxTokenBytes)
                    {
                        errors.Add($"rows[{_index}]", $"Row {_index + 1} (line {_line + 1}) is longer than {MaxTokenBytes / 1024:N0} KiB.");
                        return ReadStep.Failed;
                    }
                    return final ? ReadStep.Done : ReadStep.NeedMore;
                }
                line = seq.UnreadSequence;
                seq.AdvanceToEnd();
            }
            _line++;
            if (IsBlank(line)) continue;
            if (line.Length > MaxTokenBytes)
            {
                errors.Add($"rows[{_index++}]", $"Row {_index} (line {_line}) is longer than {MaxTokenBytes / 1024:N0} KiB.");
                if (errors.Full) { consumed = seq.Position; return ReadStep.Failed; }
                continue;
            }
            _phase = Phase.Rows;
            _rowDepth = 0;
            _skipDepth = -1;
            var flush = false;
            var reader = new Utf8JsonReader(line, isFinalBlock: true, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
            try
            {
                while (reader.Read())
                {
                    flush |= Token(ref reader, onRow, out var failed);
                    if (failed) break;
                }
            }
            catch (JsonException e)
            {
                if (_phase is Phase.Row or Phase.Tags or Phase.Array) _index++;
                else if (_phase == Phase.Rows) _index++;
                Malformed(e, _line);
            }
            if (errors.Full) { consumed = seq.Position; return ReadStep.Failed; }
            if (flush) { consumed = seq.Position; return ReadStep.Flush; }
        }
    }

    static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var m in line)
            foreach (var b in m.Span)
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    /// <summary>One token. Returns true when a row was handed over and the batch is full.</summary>
    bool Token(ref Utf8JsonReader r, Func<IngestRow, bool> onRow, out bool failed)
    {
        failed = false;
        var t = r.TokenType;
        if (_skipDepth >= 0)
        {
            if (t is JsonTokenType.EndObject or JsonTokenType.EndArray && r.CurrentDepth == _skipDepth) _skipDepth = -1;
            return false;
        }
        switch (_phase)
        {
            case Phase.Start:
                if (t == JsonTokenType.StartArray) { _phase = Phase.Rows; _rowDepth = 1; }
                else if (t == JsonTokenType.StartObject) _phase = Phase.Wrapper;
                else { errors.Add("body", $"Expected a JSON array of rows, or {{\"{arrayName}\": [...]}}."); failed = true; }
                return false;

            case Phase.Wrapper:
                if (t == JsonTokenType.PropertyName)
                {
                    _expectArray = !_arrayFound && r.ValueTextEquals(arrayName);
                    _skipValue = !_expectArray;
                }
                else if (t == JsonTokenType.EndObject)
                {
                    if (!_arrayFound) { errors.Add("body", $"Expected a JSON array of rows, or {{\"{arrayName}\": [...]}}."); failed = true; }
                    _phase = Phase.Done;
                }
                else if (_expectArray)
                {
                    _expectArray = false;
                    if (t != JsonTokenType.StartArray) { errors.Add(arrayName, $"'{arrayName}' must be an array of rows."); failed = true; return false; }
                    _arrayFound = true;
                    _phase = Phase.Rows;
                    _rowDepth = 2;
                }
                else if (_skipValue && t is JsonTokenType.StartObject or JsonTokenType.StartArray) _skipDepth = r.CurrentDepth;
                return false;

            case Phase.Rows:
                if (t == JsonTokenType.StartObject)
                {
                    row.Reset(_index, ndjson ? _line : null);
                    _phase = Phase.Row;
                }
                else if (t == JsonTokenType.EndArray) _phase = _rowDepth == 2 ? Phase.Wrapper : Phase.Done;
                else
                {
                    var where = ndjson ? $"Row {_index + 1} (line {_line})" : $"Row {_index + 1}";
                    errors.Add($"rows[{_index++}]", $"{where} is not a JSON object.");
                    if (t is JsonTokenType.StartArray) _skipDepth = r.CurrentDepth;
                    failed = errors.Full;
                    if (ndjson) _phase = Phase.Done;
                }
                return false;

            case Phase.Row:
            case Phase.Tags:
                var inTags = _phase == Phase.Tags;
                if (t == JsonTokenType.PropertyName) { Name(ref r); return false; }
                if (t == JsonTokenType.EndObject)
                {
                    if (inTags) { _phase = Phase.Row; return false; }
                    _index++;
                    _phase = ndjson ? Phase.Done : Phase.Rows;
                    return onRow(row);
                }
                if (_nameInvalid) { row.Add(_nameStart, _nameLength, CellKind.Invalid, 0, 0, inTags); SkipIfContainer(ref r); return false; }
                switch (t)
                {
                    case JsonTokenType.String:
                    {
                        var max = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
                        var span = row.Reserve(max);
                        int n;
                        try { n = r.CopyString(span); }
                        catch (InvalidOperationException) { row.Add(_nameStart, _nameLength, CellKind.Invalid, 0, 0, inTags); return false; }
                        row.Add(_nameStart, _nameLength, CellKind.String, row.Commit(n), n, inTags);
                        return false;
                    }
                    case JsonTokenType.Number:
                    {
                        ReadOnlySpan<byte> raw = r.HasValueSequence ? r.ValueSequence.ToArray() : r.ValueSpan;
                        var span = row.Reserve(raw.Length);
                        var n = Encoding.UTF8.GetChars(raw, span);
                        row.Add(_nameStart, _nameLength, CellKind.Number, row.Commit(n), n, inTags);
                        return false;
                    }
                    case JsonTokenType.True: row.Add(_nameStart, _nameLength, CellKind.True, row.Append("true"), 4, inTags); return false;
                    case JsonTokenType.False: row.Add(_nameStart, _nameLength, CellKind.False, row.Append("false"), 5, inTags); return false;
                    case JsonTokenType.Null: row.Add(_nameStart, _nameLength, CellKind.Null, 0, 0, inTags); return false;
                    case JsonTokenType.StartObject:
                        row.Add(_nameStart, _nameLength, CellKind.Object, 0, 0, inTags);
                        var name = row.Name(row[row.Count - 1]);
                        if (!inTags && tagObjects && (name.SequenceEqual("tags") || name.SequenceEqual("dimensions"))) _phase = Phase.Tags;
                        else _skipDepth = r.CurrentDepth;
                        return false;
                    case JsonTokenType.StartArray:
                        if (tagObjects || inTags)
                        {
                            row.Add(_nameStart, _nameLength, CellKind.Array, 0, 0, inTags);
                            _skipDepth = r.CurrentDepth;
                            return false;
                        }
                        _arrayJson.ResetWrittenCount();
                        _arrayWriter.Reset(_arrayJson);
                        _arrayWriter.WriteStartArray();
                        _arrayDepth = r.CurrentDepth;
                        _arrayIndex = 0;
                        _arrayBad = false;
                        _phase = Phase.Array;
                        return false;
                }
                return false;

            case Phase.Array:
                ArrayToken(ref r);
                return false;

            default:
                return false;
        }
    }

    void ArrayToken(ref Utf8JsonReader r)
    {
        var t = r.TokenType;
        if (t == JsonTokenType.EndArray && r.CurrentDepth == _arrayDepth)
        {
            _arrayWriter.WriteEndArray();
            _arrayWriter.Flush();
            _phase = Phase.Row;
            if (_arrayBad) { row.Add(_nameStart, _nameLength, CellKind.Array, 0, 0, false); return; }
            var bytes = _arrayJson.WrittenSpan;
            var n = Encoding.UTF8.GetChars(bytes, row.Reserve(Encoding.UTF8.GetMaxCharCount(bytes.Length)));
            row.Add(_nameStart, _nameLength, CellKind.Array, row.Commit(n), n, false);
            return;
        }
        var at = _arrayIndex++;
        string Path() => $"rows[{_index}].{StorableText.Display(row.Chars(_nameStart, _nameLength))}[{at}]";
        switch (t)
        {
            case JsonTokenType.String:
            {
                var max = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
                if (_scratch.Length < max) _scratch = new char[Math.Max(max, _scratch.Length * 2)];
                int n;
                try { n = r.CopyString(_scratch); }
                catch (InvalidOperationException) { n = -1; }
                if (n < 0 || !IngestText.IsClean(_scratch.AsSpan(0, n)))
                { errors.Add(Path(), $"{Where()}: an element {IngestText.NotClean}."); _arrayBad = true; break; }
                if (!_arrayBad) _arrayWriter.WriteStringValue(_scratch.AsSpan(0, n));
                break;
            }
            case JsonTokenType.Number:
            {
                ReadOnlySpan<byte> raw = r.HasValueSequence ? r.ValueSequence.ToArray() : r.ValueSpan;
                if (!JsonNumber.IsStorable(raw))
                { errors.Add(Path(), $"{Where()}: an element must be {JsonNumber.Rule} (NaN, Infinity and numbers beyond ±1.7976931348623157E+308 are refused)."); _arrayBad = true; break; }
                if (!_arrayBad) _arrayWriter.WriteRawValue(raw, skipInputValidation: true);
                break;
            }
            case JsonTokenType.True: if (!_arrayBad) _arrayWriter.WriteBooleanValue(true); break;
            case JsonTokenType.False: if (!_arrayBad) _arrayWriter.WriteBooleanValue(false); break;
            case JsonTokenType.Null: if (!_arrayBad) _arrayWriter.WriteNullValue(); break;
            default: // StartObject / StartArray
                errors.Add(Path(), $"{Where()}: an array element must be a string, number, boolean or null; nested arrays and objects are refused (store them as separate fields, or as JSON text in a string field).");
                _arrayBad = true;
                _skipDepth = r.CurrentDepth;
                break;
        }
        if (!_arrayBad && _arrayJson.WrittenCount + _arrayWriter.BytesPending > MaxTokenBytes)
        {
            errors.Add($"rows[{_index}].{StorableText.Display(row.Chars(_nameStart, _nameLength))}", $"{Where()}: an array is longer than {MaxTokenBytes / 1024:N0} KiB.");
            _arrayBad = true;
        }
    }

    void Name(ref Utf8JsonReader r)
    {
        var max = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
        var span = row.Reserve(max);
        _nameInvalid = false;
        try { _nameLength = r.CopyString(span); }
        catch (InvalidOperationException)
        {
            // The name itself is not valid text: keep its bytes, decoded leniently, for the error path.
            ReadOnlySpan<byte> raw = r.HasValueSequence ? r.ValueSequence.ToArray() : r.ValueSpan;
            _nameLength = Encoding.UTF8.GetChars(raw, span);
            _nameInvalid = true;
        }
        _nameStart = row.Commit(_nameLength);
    }

    void SkipIfContainer(ref Utf8JsonReader r)
    {
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) _skipDepth = r.CurrentDepth;
    }

    string RowPath() => _phase switch
    {
        Phase.Row or Phase.Tags or Phase.Array => $"rows[{_index}]",
        Phase.Rows => $"rows[{_index}]",
        _ => "body",
    };

    string Where() => ndjson ? $"Row {_index + 1} (line {_line})" : _phase is Phase.Row or Phase.Tags or Phase.Array or Phase.Rows ? $"Row {_index + 1}" : "The body";

    void Malformed(JsonException e, long? line)
    {
        var message = JsonErrors.Reason(e.Message);
        var at = line is { } l
            ? $"line {l}, byte {(e.BytePositionInLine ?? 0) + 1}"
            : $"line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}";
        var path = ndjson ? $"rows[{_index - 1}]" : RowPath();
        errors.Add(path, $"The body is not valid JSON at {at}{(path == "body" ? "" : $" ({path})")}: {message}");
    }
}
