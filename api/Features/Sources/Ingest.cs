using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Series;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Sources;

/// <summary>
/// Ingest of points and records as JSON, NDJSON or CSV. Every row is validated before anything is written; one
/// bad row rejects the batch with its row number and reason. Writes are idempotent on the natural key
/// (series + timestamp for points; the record's id, or a hash of its content, for records).
/// </summary>
public sealed class Ingest(NpgsqlDataSource db)
{
    public const int MaxRows = 500_000;
    const int MaxErrors = 50;

    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/sources/{source}/points", (string source, HttpRequest req, Ingest h, ClaimsPrincipal user) =>
                h.HandleAsync(user.OwnerId(), source, "timeseries", req))
            .WithTags("Sources").WithSummary("Ingest points (JSON array, NDJSON or CSV: timestamp, metric, value, tags)")
            .Accepts<object>("application/json", "application/x-ndjson", "text/csv").ProducesProblem(400).ProducesProblem(404);
        g.MapPost("/sources/{source}/records", (string source, HttpRequest req, Ingest h, ClaimsPrincipal user) =>
                h.HandleAsync(user.OwnerId(), source, "records", req))
            .WithTags("Sources").WithSummary("Ingest records (JSON array, NDJSON or CSV: timestamp, optional id, fields)")
            .Accepts<object>("application/json", "application/x-ndjson", "text/csv").ProducesProblem(400).ProducesProblem(404);
    }

    public async Task<Results<Ok<IngestResult>, ProblemHttpResult>> HandleAsync(Guid owner, string sourceName, string kind, HttpRequest req)
    {
        var ct = req.HttpContext.RequestAborted;
        var src = await SourceCatalog.LoadAsync(db, owner, sourceName, ct);
        if (src is null) return Problems.NotFound($"No source named '{sourceName}'.");
        if (src.Kind != kind)
            return Problems.Field("source", $"'{sourceName}' is a {src.Kind} source: send {(src.IsTimeseries ? "points" : "records")}.");
        string body;
        using (var reader = new StreamReader(req.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync(ct);
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (errors.Count >= MaxErrors) return;
            if (!errors.TryGetValue(field, out var l)) errors[field] = l = [];
            l.Add(message);
        }
        var rows = IngestParsing.Parse(body, req.ContentType ?? "application/json", src.IsTimeseries ? "points" : "records", Error);
        if (rows is not null && rows.Count > MaxRows) Error("body", $"At most {MaxRows:N0} rows per request; split the batch.");
        if (rows is null || errors.Count > 0) return Invalid(errors);
        if (rows.Count == 0) return Problems.Field("body", "The batch holds no rows.");

        int written;
        if (src.IsTimeseries)
        {
            var points = Points(rows, Error);
            if (errors.Count > 0) return Invalid(errors);
            written = await SeriesStore.UpsertPointsAsync(db, src.Id, points, ct);
        }
        else
        {
            var (records, values) = Records(src, rows, Error);
            if (errors.Count > 0) return Invalid(errors);
            written = await SeriesStore.UpsertRecordsAsync(db, src.Id, records, async conn =>
            {
                var merged = src.Schema with { Values = MergeValues(src.Schema.Values, values) };
                await using var cmd = new NpgsqlCommand("UPDATE sources SET schema = $1::jsonb WHERE id = $2", conn);
                cmd.Parameters.Add(new() { Value = merged.ToJson() });
                cmd.Parameters.Add(new() { Value = src.Id });
                await cmd.ExecuteNonQueryAsync(ct);
            }, ct);
        }
        return TypedResults.Ok(new IngestResult(src.Name, src.Kind, written));
    }

    static ProblemHttpResult Invalid(Dictionary<string, List<string>> errors) =>
        Problems.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), "The batch was rejected; nothing was written");

    static List<PointRow> Points(List<Dictionary<string, JsonElement>> rows, Action<string, string> error)
    {
        var result = new List<PointRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var at = $"rows[{i}]";
            var row = $"Row {i + 1}";
            if (!(r.TryGetValue("timestamp", out var t) || r.TryGetValue("time", out t) || r.TryGetValue("ts", out t)) || !IngestParsing.TryTime(t, out var ts))
            { error(at + ".timestamp", $"{row}: timestamp is missing or not ISO-8601 / unix time."); continue; }
            if (!r.TryGetValue("metric", out var m) || IngestParsing.Text(m) is not { Length: > 0 and <= 200 } metric)
            { error(at + ".metric", $"{row}: metric is missing."); continue; }
            double? value = null;
            if (r.TryGetValue("value", out var v) && v.ValueKind != JsonValueKind.Null && !(v.ValueKind == JsonValueKind.String && v.GetString() == ""))
            {
                if (!IngestParsing.TryNumber(v, out var d)) { error(at + ".value", $"{row}: value is not a finite number."); continue; }
                value = d;
            }
            var tags = new Dictionary<string, string>();
            if (r.TryGetValue("tags", out var tg) || r.TryGetValue("dimensions", out tg))
            {
                if (tg.ValueKind != JsonValueKind.Object) { error(at + ".tags", $"{row}: tags must be an object of strings."); continue; }
                foreach (var p in tg.EnumerateObject())
                    if (IngestParsing.Text(p.Value) is { } s) tags[p.Name] = s;
                    else error($"{at}.tags.{p.Name}", $"{row}: tag '{p.Name}' must be a string.");
            }
            foreach (var (k, val) in r)
                if (k is not ("timestamp" or "time" or "ts" or "metric" or "value" or "tags" or "dimensions"))
                    if (IngestParsing.Text(val) is { } s) tags[k] = s;
            result.Add(new PointRow(metric, tags, ts, value));
        }
        return result;
    }

    static (List<RecordRow>, Dictionary<string, HashSet<string>>) Records(SourceCatalog src, List<Dictionary<string, JsonElement>> rows, Action<string, string> error)
    {
        var result = new List<RecordRow>(rows.Count);
        var values = new Dictionary<string, HashSet<string>>();
        var fields = src.Schema.Fields.ToDictionary(f => f.Name);
        var buffer = new MemoryStream();
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var at = $"rows[{i}]";
            var row = $"Row {i + 1}";
            if (!(r.TryGetValue("timestamp", out var t) || r.TryGetValue("time", out t)) || !IngestParsing.TryTime(t, out var ts))
            { error(at + ".timestamp", $"{row}: timestamp is missing or not ISO-8601 / unix time."); continue; }
            string? id = null;
            if (r.TryGetValue("id", out var idv) && (id = IngestParsing.Text(idv)) is not { Length: > 0 and <= 200 })
            { error(at + ".id", $"{row}: id must be a string of 1 to 200 characters."); continue; }
            buffer.SetLength(0);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach (var (k, v) in r.OrderBy(x => x.Key, StringComparer.Ordinal))
                {
                    if (k is "timestamp" or "time" or "id") continue;
                    if (!fields.TryGetValue(k, out var f)) { error($"{at}.{k}", $"{row}: unknown field '{k}'. Fields: {string.Join(", ", fields.Keys)}."); continue; }
                    if (v.ValueKind == JsonValueKind.Null) continue;
                    switch (f.Type)
                    {
                        case "string":
                            if (IngestParsing.Text(v) is { } s)
                            {
                                w.WriteString(k, s);
                                if (f.Role == "dimension") (values.TryGetValue(k, out var set) ? set : values[k] = []).Add(s);
                            }
                            else error($"{at}.{k}", $"{row}: {k} must be a string.");
                            break;
                        case "integer":
                            if (IngestParsing.TryNumber(v, out var n) && n == Math.Floor(n) && Math.Abs(n) < 9e15) w.WriteNumber(k, (long)n);
                            else error($"{at}.{k}", $"{row}: {k} must be a whole number.");
                            break;
                        default:
                            if (IngestParsing.TryNumber(v, out var d)) w.WriteNumber(k, d);
                            else error($"{at}.{k}", $"{row}: {k} must be a number.");
                            break;
                    }
                }
                w.WriteEndObject();
            }
            var json = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            id ??= "h:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ts.ToString("O", CultureInfo.InvariantCulture) + json)))[..32].ToLowerInvariant();
            result.Add(new RecordRow(id, ts, json));
        }
        return (result, values);
    }

    static Dictionary<string, List<string>> MergeValues(Dictionary<string, List<string>> old, Dictionary<string, HashSet<string>> seen)
    {
        var merged = old.ToDictionary(e => e.Key, e => e.Value.ToList());
        foreach (var (k, set) in seen)
        {
            var list = merged.TryGetValue(k, out var l) ? l : merged[k] = [];
            foreach (var v in set.Order(StringComparer.Ordinal))
                if (list.Count < 1000 && !list.Contains(v)) list.Add(v);
            list.Sort(StringComparer.Ordinal);
        }
        return merged;
    }
}

public sealed record IngestResult(string Source, string Kind, int Accepted);
