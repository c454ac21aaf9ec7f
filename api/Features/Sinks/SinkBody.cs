using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>A sink as a request sends it (create and update): where to POST, the signing secret (write-only), which
/// metrics (points sources) and which rows (the exports' filter language), and how rows are batched.</summary>
public class SinkBody
{
    public string Source { get; set; } = "";
    public string? Url { get; set; }
    public string? Secret { get; set; }
    public List<string>? Metrics { get; set; }
    public JsonElement? Filter { get; set; }
    public int? BatchMs { get; set; }
    public int? MaxBatch { get; set; }
}

/// <summary>The rules of a sink body, answered as Problem Details 400 with field errors: an https URL (http only to
/// this machine, for testing) outside private networks unless EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS, a secret of 16
/// to 256 characters (required on create), metrics only on points sources, a filter that compiles against the
/// source's fields, batchMs 0 to 60000 (default 1000) and maxBatch 1 to 10000 (default 500).</summary>
public static class SinkRules
{
    public const string Title = "The sink is not valid";
    public const int DefaultBatchMs = 1000, MaxBatchMs = 60_000, DefaultMaxBatch = 500, MaxMaxBatch = 10_000, MaxMetrics = 100;

    public static ProblemHttpResult Invalid(Errors e) => Problems.Validation(e.ToDictionary(), Title);

    /// <summary>Checks the body against the source it is for; the spec to save, or null with <paramref name="e"/> filled.</summary>
    public static async Task<SinkSpec?> CheckAsync(SinkBody b, SourceCatalog src, bool isNew, ExportsSettings settings, Errors e, CancellationToken ct)
    {
        var url = b.Url?.Trim();
        Uri? u = null;
        if (url is null || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out u) || !(u.Scheme == "https" || (u.Scheme == "http" && u.IsLoopback)))
            e.Add("url", "url is an https:// address of at most 2048 characters (http only to this machine, for testing).");
        else if (u.UserInfo.Length > 0)
            e.Add("url", "url cannot carry a user name or password (https://user:password@…): receivers check the signature instead.");
        else if (NetworkGuard.TooLong(u.IdnHost) is { } tooLong)
            e.Add("url", tooLong);
        if (b.Secret is null) { if (isNew) e.Add("secret", "secret is required: the key receivers check the Exports-Signature with."); }
        else if (b.Secret.Length is < 16 or > 256) e.Add("secret", "The secret has 16 to 256 characters.");
        else if (b.Secret.Any(char.IsControl)) e.Add("secret", "The secret cannot hold control characters.");
        string[]? metrics = null;
        if (b.Metrics is { } m)
        {
            if (!src.IsTimeseries) e.Add("metrics", $"'{src.Name}' is a records source: metrics choose points; use filter to choose records.");
            else if (m.Count is 0 or > MaxMetrics) e.Add("metrics", $"metrics is a list of 1 to {MaxMetrics} metric names (leave it out for every metric).");
            else
            {
                for (var i = 0; i < m.Count; i++)
                    if (m[i] is not { Length: > 0 and <= 200 } name || name.Any(char.IsControl)) e.Add($"metrics[{i}]", "A metric name has 1 to 200 characters.");
                metrics = m.Distinct(StringComparer.Ordinal).ToArray();
            }
        }
        JsonElement? filter = b.Filter is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } f ? f : null;
        if (filter is { } fe) SinkFilter.Compile(src, fe, new SqlParams(), e);
        var batchMs = b.BatchMs ?? DefaultBatchMs;
        if (batchMs is < 0 or > MaxBatchMs) e.Add("batchMs", $"batchMs is from 0 to {MaxBatchMs} (milliseconds a batch waits for more rows after its first).");
        var maxBatch = b.MaxBatch ?? DefaultMaxBatch;
        if (maxBatch is < 1 or > MaxMaxBatch) e.Add("maxBatch", $"maxBatch is from 1 to {MaxMaxBatch} rows.");
        if (e.Any) return null;
        if (await NetworkGuard.RefusalAsync(u!.Host, settings.DeliveryAllowPrivateNetworks, ct) is { } refused) { e.Add("url", refused); return null; }
        return new SinkSpec(u.AbsoluteUri, b.Secret, metrics, filter?.Clone(), batchMs, maxBatch);
    }
}

/// <summary>A sink's filter over the rows of the live log (each a jsonb value named <c>lr</c>): the exports' filter
/// language (<see cref="FilterCompiler"/>). Points: <c>metric</c>, <c>value</c> and any tag (a tag no point has yet
/// matches nothing); records: the source's fields, typed as exports type them.</summary>
public static class SinkFilter
{
    public static string? Compile(SourceCatalog src, JsonElement filter, SqlParams ps, Errors e) =>
        new FilterCompiler(name => Resolve(src, name), ps, e).Compile(filter);

    static FieldExpr? Resolve(SourceCatalog src, string name)
    {
        var key = SqlText.Literal(name);
        if (src.IsTimeseries)
            return name switch
            {
                "metric" => new("(lr->>'metric')", "string"),
                "value" => new("(lr->>'value')::float8", "double"),
                "ts" => null,
                _ => new($"(lr->'tags'->>{key})", "string"),
            };
        return src.Field(name) is { } f
            ? f.Type switch
            {
                "double" => new($"(lr->>{key})::float8", "double"),
                "integer" => new($"(lr->>{key})::bigint", "integer"),
                "array" => new($"(lr->{key})", "array"),
                _ => new($"(lr->>{key})", "string"),
            }
            : null;
    }
}
