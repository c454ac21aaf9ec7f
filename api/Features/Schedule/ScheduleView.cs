using System.Text.Json;
using Exports.Data;
using Exports.Jobs;
using Exports.Shared;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Schedule;

public sealed record ScheduleView(Guid Id, Guid TemplateId, string Name, string Cron, string Timezone, bool Active,
    JsonElement Spec, IReadOnlyList<DateTimeOffset> NextRuns, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ScheduleView From(ExportSchedule s, TimeProvider clock)
    {
        IReadOnlyList<DateTimeOffset> next = s.Active ? FireTimes(s, clock, 3) : [];
        return new(s.Id, s.TemplateId, s.Name, s.Cron, s.Timezone, s.Active, JsonDocument.Parse(s.Spec).RootElement.Clone(), next, s.CreatedAt, s.UpdatedAt);
    }

    /// <summary>The schedule's next fire times; none for a row saved before its dates were checked (startAt in year
    /// 9999), instead of failing the list or the request.</summary>
    public static IReadOnlyList<DateTimeOffset> FireTimes(ExportSchedule s, TimeProvider clock, int count)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<ScheduleBody>(s.Spec, JsonSerializerOptions.Web)!;
            return ScheduleSpec.Next(s.Cron, TimeZoneInfo.FindSystemTimeZoneById(s.Timezone), clock.GetUtcNow(), count, spec.StartAt, spec.EndAt);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or TimeZoneNotFoundException or InvalidTimeZoneException or JsonException) { return []; }
    }

    /// <summary>Checks a schedule body before anything is written: its template (the caller's), frequency or cron
    /// (it must fire, and not more often than the minimum interval), zone, window, dates, retry.</summary>
    public static async Task<(string? Cron, string? Timezone, Refusal? Refused)> CheckAsync(ScheduleBody b, Guid owner, ExportsDb db, IDeliveryTargets targets,
        Exports.Host.ExportsSettings settings, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Errors();
        if (b.TemplateId is not { } tid) errors.Add("templateId", "templateId names the template to run.");
        else if (!await db.Templates.AnyAsync(t => t.Id == tid && t.OwnerId == owner, ct)) errors.Add("templateId", $"No template {tid}.");
        if (b.Name is { Length: > 100 }) errors.Add("name", "The name has at most 100 characters.");
        if (b.Destinations is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } d)
        {
            var ids = DestinationIds(d);
            if (ids is null) errors.Add("destinations", "destinations is a list of destination ids.");
            else foreach (var missing in await targets.MissingAsync(owner, ids, ct)) errors.Add($"destinations[{ids.IndexOf(missing)}]", $"No destination {missing}.");
        }
        var (cron, zone) = ScheduleSpec.Translate(b, errors);
        if (cron is not null && zone is not null) ScheduleSpec.CheckTimes(b, cron, zone, clock.GetUtcNow(), settings.Jobs.ScheduleMinInterval, errors);
        return errors.Any ? (null, null, new Refusal(400, "The schedule is not valid", null, errors.ToDictionary())) : (cron, zone!.Id, null);
    }

    public static List<Guid>? DestinationIds(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Array) return null;
        var ids = new List<Guid>();
        foreach (var x in d.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.String || !x.TryGetGuid(out var g)) return null;
            ids.Add(g);
        }
        return ids;
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
