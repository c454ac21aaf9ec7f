using System.Text.Encodings.Web;
using System.Text.Json;

namespace Exports.Formats.Json;

/// <summary>
/// JSON documents (flat, nested, normalized) and JSON Lines, written with Utf8JsonWriter into the shared sink.
/// Nested output expects the rows of one series together (the planner orders them so) and starts a new series
/// object whenever the key columns change.
/// </summary>
public sealed class JsonRowWriter : IRowWriter
{
    readonly ExportSchema _schema;
    readonly JsonOptions _o;
    readonly bool _lines;
    readonly Utf8Sink _sink;
    readonly Utf8JsonWriter _json;
    readonly OutputColumn[] _cols;
    /// <summary>Indexes into <see cref="_cols"/> and <see cref="_names"/>: no lookups on the per-row path.</summary>
    readonly int[] _all, _keys, _values;
    readonly JsonEncodedText[] _names;
    readonly string?[] _lastKey;
    readonly Dictionary<string?[], int> _seriesIds = new(KeyComparer.Instance);
    bool _inSeries, _first = true;

    public JsonRowWriter(ExportSchema schema, Stream output, JsonOptions options, bool lines)
    {
        _schema = schema; _o = options; _lines = lines;
        _sink = new Utf8Sink(output);
        _json = new Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)_sink, new JsonWriterOptions
        {
            Indented = options.Pretty, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = lines,
        });
        _cols = schema.Columns.ToArray();
        _names = _cols.Select(c => JsonEncodedText.Encode(c.Name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)).ToArray();
        var grouped = !lines && options.Style != "flat";
        _all = Enumerable.Range(0, _cols.Length).ToArray();
        _keys = grouped ? _all.Where(i => _cols[i].IsKey).ToArray() : [];
        _values = grouped ? _all.Where(i => !_cols[i].IsKey).ToArray() : _all;
        _lastKey = new string?[_keys.Length];
    }

    public ValueTask BeginAsync(CancellationToken ct)
    {
        if (_lines) return ValueTask.CompletedTask;
        var wrap = _o.Metadata || _o.Style != "flat";
        if (wrap) _json.WriteStartObject();
        if (_o.Metadata)
        {
            _json.WritePropertyName("meta");
            JsonSerializer.Serialize(_json, _schema.Metadata, MetaJson);
        }
        switch (_o.Style)
        {
            case "nested": _json.WriteStartArray("series"); break;
            case "normalized":
                _json.WriteStartArray("columns");
                _json.WriteStringValue("series");
                foreach (var i in _values) _json.WriteStringValue(_cols[i].Name);
                _json.WriteEndArray();
                _json.WriteStartArray("points");
                break;
            default:
                if (wrap) _json.WriteStartArray("data"); else _json.WriteStartArray();
                break;
        }
        _json.Flush();
        return ValueTask.CompletedTask;
    }

    static readonly JsonSerializerOptions MetaJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public void Write(RowBuffer row)
    {
        if (_lines)
        {
            _json.WriteStartObject();
            foreach (var i in _all) Property(i, row);
            _json.WriteEndObject();
            _json.Flush();
            _sink.Byte((byte)'\n');
            _json.Reset();
            return;
        }
        switch (_o.Style)
        {
            case "nested":
                var changed = KeyChanged(row);
                if (_first || changed)
                {
                    if (_inSeries) { _json.WriteEndArray(); _json.WriteEndObject(); }
                    _json.WriteStartObject();
                    foreach (var i in _keys) Property(i, row);
                    _json.WriteStartArray("points");
                    _inSeries = true;
                }
                _json.WriteStartObject();
                foreach (var i in _values) Property(i, row);
                _json.WriteEndObject();
                break;
            case "normalized":
                KeyChanged(row);
                if (!_seriesIds.TryGetValue(_lastKey, out var id))
                {
                    id = _seriesIds.Count;
                    _seriesIds[(string?[])_lastKey.Clone()] = id;
                }
                _json.WriteStartArray();
                _json.WriteNumberValue(id);
                foreach (var i in _values) Value(_cols[i], row);
                _json.WriteEndArray();
                break;
            default:
                _json.WriteStartObject();
                foreach (var i in _all) Property(i, row);
                _json.WriteEndObject();
                break;
        }
        _first = false;
        _json.Flush();
    }

    bool KeyChanged(RowBuffer row)
    {
        var changed = false;
        for (var i = 0; i < _keys.Length; i++)
        {
            var slot = _cols[_keys[i]].Slot;
            var v = row.Nulls[slot] ? null : row.Strings[slot];
            if (!ReferenceEquals(v, _lastKey[i]) && v != _lastKey[i]) { _lastKey[i] = v; changed = true; }
        }
        return changed;
    }

    void Property(int i, RowBuffer row)
    {
        var c = _cols[i];
        if (row.Nulls[c.Slot] && _o.Nulls == "exclude") return;
        _json.WritePropertyName(_names[i]);
        Value(c, row);
    }

    void Value(OutputColumn c, RowBuffer row)
    {
        if (row.Nulls[c.Slot])
        {
            if (_o.Nulls == "empty") _json.WriteStringValue(""); else _json.WriteNullValue();
            return;
        }
        switch (c.Type)
        {
            case ColumnType.String when c.Json: _json.WriteRawValue(row.Strings[c.Slot]!, skipInputValidation: true); break;
            case ColumnType.String: _json.WriteStringValue(row.Strings[c.Slot]); break;
            case ColumnType.Long: _json.WriteNumberValue(row.Longs[c.Slot]); break;
            case ColumnType.Double:
                var d = row.Doubles[c.Slot];
                if (double.IsFinite(d)) _json.WriteNumberValue(_o.Values.Round(d)); else _json.WriteNullValue();
                break;
            default:
                var utc = row.Times[c.Slot];
                switch (_o.Values.DateFormat)
                {
                    case "unix": _json.WriteNumberValue((long)(utc - DateTime.UnixEpoch).TotalSeconds); break;
                    case "unix_ms": _json.WriteNumberValue((long)(utc - DateTime.UnixEpoch).TotalMilliseconds); break;
                    default:
                        Span<byte> buf = stackalloc byte[96];
                        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(utc, TimeSpan.Zero), _schema.Zone);
                        var pattern = _o.Values.IsIso ? ValueFormat.IsoPattern : _o.Values.DateFormat;
                        if (local.TryFormat(buf, out var n, pattern, System.Globalization.CultureInfo.InvariantCulture))
                            _json.WriteStringValue(buf[..n]);
                        else _json.WriteStringValue(local.ToString(pattern, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
                break;
        }
    }

    public ValueTask FlushIfFullAsync(CancellationToken ct) => _sink.FlushIfFullAsync(ct);

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (!_lines)
        {
            switch (_o.Style)
            {
                case "nested":
                    if (_inSeries) { _json.WriteEndArray(); _json.WriteEndObject(); }
                    _json.WriteEndArray();
                    break;
                case "normalized":
                    _json.WriteEndArray();
                    _json.WriteStartArray("series");
                    foreach (var (key, id) in _seriesIds.OrderBy(x => x.Value))
                    {
                        _json.WriteStartObject();
                        _json.WriteNumber("id", id);
                        for (var i = 0; i < _keys.Length; i++)
                        {
                            if (key[i] is null && _o.Nulls == "exclude") continue;
                            _json.WritePropertyName(_names[_keys[i]]);
                            if (key[i] is null) { if (_o.Nulls == "empty") _json.WriteStringValue(""); else _json.WriteNullValue(); }
                            else _json.WriteStringValue(key[i]);
                        }
                        _json.WriteEndObject();
                    }
                    _json.WriteEndArray();
                    break;
                default:
                    _json.WriteEndArray();
                    break;
            }
            if (_o.Metadata || _o.Style != "flat") _json.WriteEndObject();
            _json.Flush();
            _sink.Byte((byte)'\n');
        }
        await _sink.FlushAsync(ct);
        _sink.Release();
    }

    sealed class KeyComparer : IEqualityComparer<string?[]>
    {
        public static readonly KeyComparer Instance = new();
        public bool Equals(string?[]? a, string?[]? b) => a!.AsSpan().SequenceEqual(b!);
        public int GetHashCode(string?[] key)
        {
            var h = new HashCode();
            foreach (var s in key) h.Add(s);
            return h.ToHashCode();
        }
    }
}
