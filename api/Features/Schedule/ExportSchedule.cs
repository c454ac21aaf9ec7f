namespace Exports.Features.Schedule;

/// <summary>Runs a template on a cron in a time zone: a Marten document (Host/Documents.cs; owner and template as
/// duplicated columns). Its spec is kept typed, as the body it was saved from (zone resolved), so nothing re-reads a
/// JSON string. Its runs are rows of schedule_runs (their UNIQUE (schedule_id, scheduled_for, trigger) makes each tick
/// run once); its trigger lives in Quartz.</summary>
public sealed class ExportSchedule
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public Guid TemplateId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The schedule as the user gave it (frequency, window, retry, dates, destinations), its zone resolved.</summary>
    public ScheduleBody Spec { get; set; } = new();
    /// <summary>The Quartz cron the spec translates to.</summary>
    public string Cron { get; set; } = "";
    public string Timezone { get; set; } = "UTC";
    public bool Active { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
