using System.Text.Json;
using System.Text.Json.Serialization;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Source = FastEndpoints.Source;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Schedule;

/// <summary>A schedule as the API takes it (POST /schedules, PUT /schedules/{id}, POST /schedules/preview) and as
/// its row stores it. Its fields come from the JSON body only: the preview reads its count from the query string,
/// which must not replace them.</summary>
public record ScheduleBody
{
    [DontBind(Source.QueryParam)] public Guid? TemplateId { get; init; }
    [DontBind(Source.QueryParam)] public string? Name { get; init; }
    /// <summary>Standard 5-field cron (translated) or Quartz 6/7-field cron (as is).</summary>
    [DontBind(Source.QueryParam)] public string? Cron { get; init; }
    [DontBind(Source.QueryParam)] public FrequencySpec? Frequency { get; init; }
    [DontBind(Source.QueryParam)] public string? Timezone { get; init; }
    [DontBind(Source.QueryParam)] public bool? Active { get; init; }
    /// <summary>HH:mm-HH:mm: a run due outside waits for the window to open.</summary>
    [DontBind(Source.QueryParam)] public string? Window { get; init; }
    [DontBind(Source.QueryParam)] public DateTimeOffset? StartAt { get; init; }
    [DontBind(Source.QueryParam)] public DateTimeOffset? EndAt { get; init; }
    /// <summary>Each run's retry policy (fields left out take <see cref="JobRetry.Default"/>'s).</summary>
    [DontBind(Source.QueryParam)] public JobRetry? Retry { get; init; }
    /// <summary>Destination ids: each run's export is delivered to them once it completes.</summary>
    [DontBind(Source.QueryParam), JsonPropertyName("destinations")] public JsonElement? Destinations { get; init; }

    /// <summary>This body as a schedule stores it: a plain body (not the update request deriving from it) in the zone
    /// it resolved to.</summary>
    public ScheduleBody Stored(string timezone) => new ScheduleBody(this) { Timezone = timezone };
}

/// <summary>The rules of a schedule body, in one place for the create and update validators (and the preview's,
/// which checks the timing only). Every error is keyed by its JSON path; all of a body's errors are one Problem
/// Details titled <see cref="Title"/>.</summary>
public static class ScheduleRules
{
    public const string Title = "The schedule is not valid";

    /// <summary>What a save checks before anything is written: its template (the caller's), name, destinations (the
    /// caller's), then <see cref="Timing"/>.</summary>
    public static async Task CheckAsync(ScheduleBody b, HttpContext http, Action<string, string> fail, CancellationToken ct)
    {
        var (owner, services) = (http.User.OwnerId(), http.RequestServices);
        var errors = new Errors();
        if (b.TemplateId is not { } tid) errors.Add("templateId", "templateId names the template to run.");
        else if (await services.GetRequiredService<TemplateReader>().OwnedAsync(owner, tid, ct) is null) errors.Add("templateId", $"No template {tid}.");
        if (b.Name is { Length: > 100 }) errors.Add("name", "The name has at most 100 characters.");
        if (b.Destinations is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } d)
        {
            var ids = DestinationIds(d);
            if (ids is null) errors.Add("destinations", "destinations is a list of destination ids.");
            else foreach (var missing in await services.GetRequiredService<IDeliveryTargets>().MissingAsync(owner, ids, ct))
                    errors.Add($"destinations[{ids.IndexOf(missing)}]", $"No destination {missing}.");
        }
        Timing(b, services, errors);
        Report(errors, fail);
    }

    /// <summary>When the schedule fires: frequency or cron (it must fire, and not more often than the minimum
    /// interval), zone, window, retry, startAt and endAt. Checked only while nothing before it failed.</summary>
    public static (string? Cron, TimeZoneInfo? Zone) Timing(ScheduleBody b, IServiceProvider services, Errors errors)
    {
        var (cron, zone) = ScheduleSpec.Translate(b, errors);
        if (cron is not null && zone is not null)
            ScheduleSpec.CheckTimes(b, cron, zone, services.GetRequiredService<TimeProvider>().GetUtcNow(),
                services.GetRequiredService<ExportsSettings>().Jobs.ScheduleMinInterval, errors);
        return (cron, zone);
    }

    /// <summary>The Quartz cron and IANA zone of a body the validator passed.</summary>
    public static (string Cron, TimeZoneInfo Zone) Translated(ScheduleBody b)
    {
        var (cron, zone) = ScheduleSpec.Translate(b, new Errors());
        return (cron!, zone!);
    }

    public static void Report(Errors errors, Action<string, string> fail)
    {
        foreach (var (field, messages) in errors.ToDictionary())
            foreach (var m in messages) fail(field, m);
    }

    /// <summary>A validator's failures as the schedule's one 400, fields in the order they were found.</summary>
    public static ProblemHttpResult Invalid(IEnumerable<ValidationFailure> failures) =>
        Problems.Validation(failures.GroupBy(f => f.PropertyName).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray()), Title);

    /// <summary>A body whose trigger would have no fire time left: a 400 on the field that decides it.</summary>
    public static ProblemHttpResult NeverFires(ScheduleBody b) =>
        Problems.Field(b.EndAt is not null ? "endAt" : b.Cron is not null ? "cron" : "frequency", "The schedule would never fire.");

    /// <summary>The body as the document stores it: its zone resolved, as a body whatever request carried it.</summary>
    public static ScheduleBody Store(ScheduleBody b, string timezone) => b.Stored(timezone);

    /// <summary>The stored body of a schedule.</summary>
    public static ScheduleBody Spec(ExportSchedule s) => s.Spec;

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
}
