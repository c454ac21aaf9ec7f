using System.Text.Json;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;

namespace Exports.Jobs;

/// <summary>Which of the destinations an export names the owner does not have (implemented by Delivery).</summary>
public interface IDeliveryTargets
{
    Task<IReadOnlyList<Guid>> MissingAsync(Guid owner, IReadOnlyList<Guid> ids, CancellationToken ct);
}

/// <summary>Attempts, linear or exponential backoff from a base delay, capped, with or without jitter.</summary>
public sealed record JobRetry(int Attempts, string Backoff, int BaseDelayMs, int MaxDelayMs, bool Jitter)
{
    public TimeSpan Delay(int attempt)
    {
        var ms = Backoff == "linear" ? BaseDelayMs * (double)attempt : BaseDelayMs * Math.Pow(2, attempt - 1);
        ms = Math.Min(ms, MaxDelayMs);
        return TimeSpan.FromMilliseconds(Jitter ? ms / 2 + Random.Shared.NextDouble() * ms / 2 : ms);
    }
}

/// <summary>Any export in one shape: <c>{ "kind": "series" | "layout", "series": {...} | "layout": {...}, "format",
/// "options", "compression", "delivery" }</c>. The top-level format, options and compression win over the inner
/// request's own.</summary>
public sealed record ExportEnvelope
{
    public string? Kind { get; init; }
    public ExportRequest? Series { get; init; }
    public ExportLayout? Layout { get; init; }
    public string? Format { get; init; }
    public JsonElement? Options { get; init; }
    public string? Compression { get; init; }
    /// <summary>Where the finished file goes besides history (e-mail, webhook, S3, SFTP): kept with the job.</summary>
    public JsonElement? Delivery { get; init; }
    /// <summary>This export's own retry policy for transient failures (schedules set it); the node's otherwise.</summary>
    public JobRetry? Retry { get; init; }

    /// <summary>The envelope with the top-level settings folded into the inner request, so the stored request is
    /// the one that runs.</summary>
    public ExportEnvelope Normalized(Errors errors)
    {
        var kind = (Kind ?? (Layout is not null && Series is null ? "layout" : "series")).Trim().ToLowerInvariant();
        if (kind is not ("series" or "layout")) { errors.Add("kind", "kind must be series or layout."); return this; }
        if (Options is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
            errors.Add("options", "options must be an object.");
        if (Delivery is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
            errors.Add("delivery", "delivery must be an object.");
        if (kind == "series")
        {
            if (Series is null) { errors.Add("series", "A series export needs a series request."); return this; }
            var s = Series with
            {
                Format = Format ?? Series.Format,
                FormatOptions = Options is { ValueKind: JsonValueKind.Object } ? Options : Series.FormatOptions,
                Compression = Compression ?? Series.Compression,
            };
            return this with { Kind = kind, Series = s, Layout = null, Format = s.Format ?? "csv", Options = s.FormatOptions, Compression = s.Compression };
        }
        if (Layout is null) { errors.Add("layout", "A layout export needs a layout."); return this; }
        if (Compression is { Length: > 0 } c && c != "none") errors.Add("compression", "Layout exports (PNG, PDF) are not compressed.");
        var l = Layout with { Format = Format ?? Layout.Format };
        return this with { Kind = kind, Layout = l, Series = null, Format = l.Format ?? "png", Compression = null };
    }
}
