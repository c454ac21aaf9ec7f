using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Layouts;
using Exports.Shared;
using Exports.Storage;

namespace Exports.Jobs;

/// <summary>Who submits which job when, and where its file will be stored: what the planner needs besides the export.</summary>
public readonly record struct JobSlot(Guid Owner, Guid Id, DateTimeOffset Now, string Storage);

/// <summary>What preparing and sizing a series export found (the submit handler's queries), as plain values.</summary>
public sealed record SeriesFacts(string Format, string Source, string FileName, string MediaType, long Rows, long Bytes,
    string Tier, IReadOnlyList<string> Approximate, string Approximation);

/// <summary>Plans an export job: the pending record (title, file name, media type, storage key, estimate, request
/// hash) and the size limit, from a validated envelope and what the handler found. Pure: no I/O, no clock.</summary>
public static class JobPlanner
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public const string InvalidTitle = "The request is not valid";

    public static (JobRecord? Job, Refusal? Refused) Series(JobSlot slot, ExportEnvelope e, SeriesFacts s, long maxBytes) =>
        Limit(NewRecord(slot, e, s.Format, s.Source, s.FileName, s.FileName, s.MediaType, s.Rows, s.Bytes, s.Tier) with
            { Approximate = s.Approximate, Approximation = s.Approximation }, maxBytes);

    /// <summary>A layout export: the layout checked against <paramref name="limits"/> (errors under <c>layout.</c>),
    /// its title and file name (the title, sanitized, and the day), PNG or PDF.</summary>
    public static (JobRecord? Job, Refusal? Refused) Layout(JobSlot slot, ExportEnvelope e, LayoutLimits limits, long maxBytes)
    {
        var errors = new Errors();
        if (LayoutValidator.Validate(e.Layout!, errors, limits, slot.Now) is not { } layout) return (null, Invalid(errors, "layout."));
        var title = e.Layout!.Title is { Length: > 0 } t ? t : "Layout";
        var baseName = FileNames.Sanitize(title) is { Length: > 0 } n ? n : "export";
        var file = $"{baseName}-{slot.Now:yyyy-MM-dd}.{layout.Format}";
        return Limit(NewRecord(slot, e, layout.Format, null, title, file, layout.Format == "pdf" ? "application/pdf" : "image/png", null, null, null), maxBytes);
    }

    static (JobRecord?, Refusal?) Limit(JobRecord job, long maxBytes) =>
        job.EstimatedBytes > maxBytes
            ? (null, new Refusal(413, "The export would be too large",
                $"It is estimated at {job.EstimatedBytes:N0} bytes; one file may have at most {maxBytes:N0}. Narrow the range, pick fewer columns or a coarser resolution, or compress it."))
            : (job, null);

    /// <summary>A 400 with the field errors, each key under <paramref name="prefix"/>.</summary>
    public static Refusal Invalid(Errors errors, string prefix = "") =>
        new(400, InvalidTitle, null, errors.ToDictionary().ToDictionary(kv => prefix + kv.Key, kv => kv.Value));

    /// <summary>The request as stored (nulls left out) and its hash, which an Idempotency-Key replay compares.</summary>
    public static (JsonElement Request, string Hash) Stored(ExportEnvelope e)
    {
        var request = JsonSerializer.SerializeToElement(e, Json);
        return (request, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.GetRawText()))));
    }

    /// <summary>Whether a stored request is <paramref name="request"/> (stored with <paramref name="hash"/>), read
    /// through today's types: a row written before the typed envelope was hashed over its delivery as sent (ids in
    /// upper case, other properties, an explicit null), which reads back as the same delivery. Compared by hash, then
    /// as JSON values (the database keeps an object's properties in its own order). Unreadable JSON is not the same.</summary>
    public static bool SameRequest(JsonElement stored, JsonElement request, string hash)
    {
        if (stored.ValueKind != JsonValueKind.Object) return false;
        try
        {
            if (stored.Deserialize<ExportEnvelope>(Json) is not { } e) return false;
            var (again, againHash) = Stored(e);
            return againHash == hash || JsonElement.DeepEquals(again, request);
        }
        catch (JsonException) { return false; }
    }

    static JobRecord NewRecord(JobSlot slot, ExportEnvelope e, string format, string? source, string title, string file,
        string media, long? rows, long? bytes, string? tier)
    {
        var (request, hash) = Stored(e);
        return new JobRecord
        {
            Id = slot.Id, OwnerId = slot.Owner, Kind = e.Kind!, Format = format, Source = source, Title = title,
            Status = JobStatus.Pending, Phase = "queued", Request = request, RequestHash = hash, FileName = file,
            MediaType = media, Storage = slot.Storage, StorageKey = ArtifactKeys.For(slot.Owner, slot.Id, file),
            EstimatedRows = rows, EstimatedBytes = bytes, Tier = tier, CreatedAt = slot.Now, UpdatedAt = slot.Now,
        };
    }
}
