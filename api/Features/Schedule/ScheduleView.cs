using FastEndpoints;
using Marten;

namespace Exports.Features.Schedule;

/// <summary>A schedule as the API answers it: its Quartz cron and zone, the body it was saved from, and its next three
/// fire times (none while paused).</summary>
public sealed record ScheduleView(Guid Id, Guid TemplateId, string Name, string Cron, string Timezone, bool Active,
    ScheduleBody Spec, IReadOnlyList<DateTimeOffset> NextRuns, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ScheduleView From(ExportSchedule s, TimeProvider clock)
    {
        IReadOnlyList<DateTimeOffset> next = s.Active ? FireTimes(s, clock, 3) : [];
        return new(s.Id, s.TemplateId, s.Name, s.Cron, s.Timezone, s.Active, ScheduleRules.Spec(s), next, s.CreatedAt, s.UpdatedAt);
    }

    /// <summary>The schedule's next fire times; none for a row saved before its dates were checked (startAt in year
    /// 9999), instead of failing the list or the request.</summary>
    public static IReadOnlyList<DateTimeOffset> FireTimes(ExportSchedule s, TimeProvider clock, int count)
    {
        try
        {
            var spec = ScheduleRules.Spec(s);
            return ScheduleSpec.Next(s.Cron, TimeZoneInfo.FindSystemTimeZoneById(s.Timezone), clock.GetUtcNow(), count, spec.StartAt, spec.EndAt);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or TimeZoneNotFoundException or InvalidTimeZoneException) { return []; }
    }
}

/// <summary>A request naming one schedule by its id (the route's {id:guid}).</summary>
public sealed class ScheduleIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>The route constraint is the id's only rule: any GUID, the empty one included, is looked up (404 when it
/// is not one of the caller's schedules).</summary>
public sealed class ScheduleIdValidator : Validator<ScheduleIdRequest>;

static class ScheduleQueries
{
    /// <summary>The caller's schedule, or null (a stranger's reads as none: 404, not 403).</summary>
    public static async Task<ExportSchedule?> FindAsync(IQuerySession docs, Guid owner, Guid id, CancellationToken ct) =>
        await docs.LoadAsync<ExportSchedule>(id, ct) is { } s && s.OwnerId == owner ? s : null;

    /// <summary>The caller's schedule, or null.</summary>
    public static Task<ExportSchedule?> ReadAsync(IQuerySession docs, Guid owner, Guid id, CancellationToken ct) => FindAsync(docs, owner, id, ct);
}
