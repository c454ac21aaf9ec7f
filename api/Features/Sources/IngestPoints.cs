using Exports.Shared;
using System.Text.Json;
using Exports.Series;

namespace Exports.Features.Sources;

/// <summary>
/// Validates point rows and stages the good ones in a reusable batch: timestamp (or time, ts), metric, value
/// (a finite number, or null / empty for a gap) and tags (the "tags" / "dimensions" object and every other
/// top-level string, number or boolean). A row's series is found by its canonical key in a dictionary looked up by
/// span, so a row of a known series allocates nothing; each new series is kept once for the commit.
/// </summary>
public sealed class PointsIngest(int maxTagBytes, IngestErrors errors)
{
    public const int BatchSize = 4096;
    public const int MaxMetricLength = 200;
    /// <summary>The series index holds source, metric and tags key in one btree entry (PostgreSQL: at most 2,704
    /// bytes); metric plus tags are held below that with room for the entry's own overhead.</summary>
    public const int MaxSeriesKeyBytes = 2048;

    readonly Dictionary<string, int> _series = new(StringComparer.Ordinal);
    readonly List<SeriesKey> _keys = [];
    char[] _key = new char[256];
    int[] _tags = new int[16];

    public StagedPoint[] Batch { get; } = new StagedPoint[BatchSize];
    public int Pending { get; private set; }
    public IReadOnlyList<SeriesKey> Series => _keys;
    public void Flushed() => Pending = 0;

    /// <summary>Validates one row; stages it when good. Returns true when the batch is full.</summary>
    public bool Accept(IngestRow row)
    {
        var before = errors.Count;
        var tsAt = row.Find("timestamp");
        if (tsAt < 0) tsAt = row.Find("time");
        if (tsAt < 0) tsAt = row.Find("ts");
        var ts = default(DateTime);
        if (tsAt < 0) errors.Add($"rows[{row.Index}].timestamp", IngestText.TimeMessage(row.Where(), IngestText.TimeResult.Missing));
        else if (IngestText.TryTime(row[tsAt].Kind, row.Value(row[tsAt]), out ts) is var tr && tr != IngestText.TimeResult.Ok)
            errors.Add(row.Path(row[tsAt]), IngestText.TimeMessage(row.Where(), tr));

        var metricAt = row.Find("metric");
        if (metricAt < 0 || row[metricAt].Kind == CellKind.Null || (IngestText.IsText(row[metricAt].Kind) && row[metricAt].ValueLength == 0))
            errors.Add($"rows[{row.Index}].metric", $"{row.Where()}: metric is missing.");
        else if (row[metricAt].Kind == CellKind.Invalid || (IngestText.IsText(row[metricAt].Kind) && !IngestText.IsClean(row.Value(row[metricAt]))))
            errors.Add($"rows[{row.Index}].metric", $"{row.Where()}: metric {IngestText.NotClean}.");
        else if (!IngestText.IsText(row[metricAt].Kind))
            errors.Add($"rows[{row.Index}].metric", $"{row.Where()}: metric must be a string.");
        else if (row[metricAt].ValueLength > MaxMetricLength)
            errors.Add($"rows[{row.Index}].metric", $"{row.Where()}: metric is longer than {MaxMetricLength} characters.");

        var valueAt = row.Find("value");
        double value = 0;
        var hasValue = false;
        if (valueAt >= 0 && row[valueAt].Kind != CellKind.Null && !(row[valueAt].Kind == CellKind.String && row[valueAt].ValueLength == 0))
        {
            if (IngestText.TryNumber(row[valueAt].Kind, row.Value(row[valueAt]), out value)) hasValue = true;
            else errors.Add(row.Path(row[valueAt]), $"{row.Where()}: value is not a finite number (NaN, Infinity and numbers beyond ±1.7976931348623157E+308 are refused).");
        }

        var tagCount = 0;
        for (var i = 0; i < row.Count; i++)
        {
            ref var c = ref row[i];
            var name = row.Name(c);
            if (!c.InTags)
            {
                if (i == tsAt || i == metricAt || i == valueAt) continue;
                if (name.SequenceEqual("timestamp") || name.SequenceEqual("time") || name.SequenceEqual("ts"))
                {
                    // The first of timestamp, time, ts is the time; the others are ignored, a repeat is an error.
                    if (name.SequenceEqual(row.Name(row[tsAt]))) Duplicate(row, c);
                    continue;
                }
                if (name.SequenceEqual("metric") || name.SequenceEqual("value")) { Duplicate(row, c); continue; }
                if (name.SequenceEqual("tags") || name.SequenceEqual("dimensions"))
                {
                    if (c.Kind != CellKind.Object) errors.Add(row.Path(c), $"{row.Where()}: {name} must be an object of strings.");
                    continue;
                }
                if (c.Kind == CellKind.Null) continue; // an empty CSV cell or a JSON null: no tag
            }
            if (c.Kind == CellKind.Invalid || !IngestText.IsClean(name) || (IngestText.IsText(c.Kind) && !IngestText.IsClean(row.Value(c))))
            { errors.Add(row.Path(c), $"{row.Where()}: tag '{StorableText.Display(name)}' {IngestText.NotClean}."); continue; }
            if (!IngestText.IsText(c.Kind))
            { errors.Add(row.Path(c), $"{row.Where()}: tag '{StorableText.Display(name)}' must be a string."); continue; }
            if (IngestText.Utf8Bytes(name) > maxTagBytes || IngestText.Utf8Bytes(row.Value(c)) > maxTagBytes)
            {
                errors.Add(row.Path(c), $"{row.Where()}: tag '{Shorten(name)}' is longer than the limit of {maxTagBytes:N0} bytes (UTF-8) for a tag key or value (EXPORTS_INGEST_MAX_TAG_BYTES).");
                continue;
            }
            var dup = false;
            for (var k = 0; k < tagCount && !dup; k++) dup = row.Name(row[_tags[k]]).SequenceEqual(name);
            if (dup) { errors.Add(row.Path(c), $"{row.Where()}: tag '{StorableText.Display(name)}' is given twice."); continue; }
            if (tagCount == _tags.Length) Array.Resize(ref _tags, _tags.Length * 2);
            _tags[tagCount++] = i;
        }
        if (errors.Count > before) return false;

        // Canonical series key: metric, U+001E, then SeriesStore.TagsKey (k=v sorted by key, joined by U+001F).
        for (var i = 1; i < tagCount; i++)
        {
            var x = _tags[i];
            var j = i - 1;
            while (j >= 0 && row.Name(row[_tags[j]]).SequenceCompareTo(row.Name(row[x])) > 0) { _tags[j + 1] = _tags[j]; j--; }
            _tags[j + 1] = x;
        }
        var metric = row.Value(row[metricAt]);
        var length = metric.Length + 1;
        for (var i = 0; i < tagCount; i++) length += row[_tags[i]].NameLength + row[_tags[i]].ValueLength + 2;
        if (_key.Length < length) _key = new char[Math.Max(length, _key.Length * 2)];
        var at = 0;
        metric.CopyTo(_key); at += metric.Length;
        _key[at++] = '\u001e';
        var tagsStart = at;
        for (var i = 0; i < tagCount; i++)
        {
            if (i > 0) _key[at++] = '\u001f';
            ref var c = ref row[_tags[i]];
            row.Name(c).CopyTo(_key.AsSpan(at)); at += c.NameLength;
            _key[at++] = '=';
            row.Value(c).CopyTo(_key.AsSpan(at)); at += c.ValueLength;
        }
        var key = _key.AsSpan(0, at);
        var lookup = _series.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(key, out var series))
        {
            var bytes = IngestText.Utf8Bytes(metric) + IngestText.Utf8Bytes(key[tagsStart..]);
            if (bytes > MaxSeriesKeyBytes)
            {
                errors.Add($"rows[{row.Index}].tags", $"{row.Where()}: the metric and tags together take {bytes:N0} bytes (UTF-8); a series is at most {MaxSeriesKeyBytes:N0} bytes.");
                return false;
            }
            series = _keys.Count;
            _keys.Add(new SeriesKey(metric.ToString(), key[tagsStart..].ToString(), TagsJson(row, tagCount)));
            lookup[key] = series;
        }
        if (errors.Any) return false; // an earlier row was refused: keep validating, stop staging
        Batch[Pending++] = new StagedPoint { Series = series, Ts = ts, Value = value, HasValue = hasValue };
        return Pending == Batch.Length;
    }

    void Duplicate(IngestRow row, in Cell c) =>
        errors.Add(row.Path(c), $"{row.Where()}: '{StorableText.Display(row.Name(c))}' is given twice.");

    static string Shorten(ReadOnlySpan<char> name) => StorableText.Display(name.Length > 40 ? name[..40] : name) + (name.Length > 40 ? "…" : "");

    string TagsJson(IngestRow row, int tagCount)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            for (var i = 0; i < tagCount; i++) w.WriteString(row.Name(row[_tags[i]]), row.Value(row[_tags[i]]));
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
