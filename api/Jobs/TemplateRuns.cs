using System.Text.Json;
using Exports.Series;
using Exports.Shared;

namespace Exports.Jobs;

/// <summary>Overrides for one run of a template: another time range, another format.</summary>
public sealed record RunOverrides(TimeframeSpec? Timeframe, string? Format);

/// <summary>Runs a saved template (the REST "run now" and every schedule tick): overrides applied, placeholders
/// filled in, then queued as an export job like any other.</summary>
public sealed class TemplateRuns(JobQueue queue, TimeProvider clock)
{
    public static ExportEnvelope Envelope(string requestJson) =>
        JsonSerializer.Deserialize<ExportEnvelope>(requestJson, JsonSerializerOptions.Web) ?? new ExportEnvelope();

    /// <summary>Checks a template's request: everything an export checks, a relative time range, placeholders.</summary>
    public async Task<Refusal?> ValidateAsync(Guid owner, ExportEnvelope envelope, CancellationToken ct)
    {
        var errors = new Errors();
        // The envelope's shape first; its delivery ids and retry limits are checked with the export (PlanAsync), after
        // the template's own rules, so a relative time range or a placeholder is reported whatever else is wrong.
        var e = envelope.Folded(errors);
        if (errors.Any) return Invalid(errors, "request.");
        if (e.Series?.Timeframe is { } tf && (tf.From is not null || tf.To is not null))
            errors.Add("request.series.timeframe", "A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run.");
        if (e.Layout?.Timeframe is { } lt && (lt.From is not null || lt.To is not null))
            errors.Add("request.layout.timeframe", "A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run.");
        Placeholders.Validate(e.Series?.Filename, "request.series.filename", errors);
        Placeholders.Validate(e.Layout?.Title, "request.layout.title", errors);
        if (errors.Any) return Invalid(errors);
        var (_, refused) = await queue.PlanAsync(owner, Expand(e, "template", clock.GetUtcNow()), ct);
        return refused is null ? null : refused with { Fields = refused.Fields?.ToDictionary(kv => "request." + kv.Key, kv => kv.Value) };
    }

    static Refusal Invalid(Errors errors, string prefix = "") =>
        new(400, "The template is not valid", null, errors.ToDictionary().ToDictionary(kv => prefix + kv.Key, kv => kv.Value));

    public Task<(Submitted? Ok, Refusal? Refused)> RunAsync(Guid owner, string templateName, string requestJson, RunOverrides? overrides,
        string? idempotencyKey, CancellationToken ct, Func<Npgsql.NpgsqlConnection, JobRecord, CancellationToken, Task>? recorded = null)
    {
        var e = Envelope(requestJson).Normalized(new Errors());
        if (overrides?.Format is { Length: > 0 } f) e = e with { Format = f, Series = e.Series is null ? null : e.Series with { Format = f }, Layout = e.Layout is null ? null : e.Layout with { Format = f } };
        if (overrides?.Timeframe is { } tf)
            e = e with { Series = e.Series is null ? null : e.Series with { Timeframe = tf }, Layout = e.Layout is null ? null : e.Layout with { Timeframe = tf } };
        return queue.SubmitAsync(owner, Expand(e, templateName, clock.GetUtcNow()), idempotencyKey, ct, recorded);
    }

    static ExportEnvelope Expand(ExportEnvelope e, string template, DateTimeOffset now)
    {
        TimeZoneInfo Zone(string? id) => TimeZones.TryIana(id, out var z) ? z : TimeZoneInfo.Utc;
        if (e.Series is { Filename: { } fn } s)
            e = e with { Series = s with { Filename = Placeholders.Expand(fn, s.Source, template, s.Timeframe?.Last, now, Zone(s.Timezone)) } };
        if (e.Layout is { Title: { } title } l)
            e = e with { Layout = l with { Title = Placeholders.Expand(title, null, template, l.Timeframe?.Last, now, Zone(l.Timezone)) } };
        return e;
    }
}
