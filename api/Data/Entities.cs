namespace Exports.Data;

public sealed class Dashboard
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Slug { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    /// <summary>The ExportLayout as JSON (jsonb).</summary>
    public string Layout { get; set; } = "{}";
    /// <summary>SHA-256 of the public link's token; null when the dashboard is not shared.</summary>
    public string? ShareHash { get; set; }
    public DateTimeOffset? SharedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ThresholdMonitor
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The metric query (an export request) as JSON.</summary>
    public string Query { get; set; } = "{}";
    /// <summary>above or below.</summary>
    public string Condition { get; set; } = "above";
    public double Threshold { get; set; }
    /// <summary>ok, alerting or no-data.</summary>
    public string State { get; set; } = "ok";
    public double? Value { get; set; }
    public DateTimeOffset Since { get; set; }
    public Guid? DashboardId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Alert
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Title { get; set; } = "";
    public string Severity { get; set; } = "warning";
    public DateTimeOffset FiredAt { get; set; }
    public Guid? MonitorId { get; set; }
    /// <summary>The alert's targets as JSON: [{ "title", "query", "threshold"? }].</summary>
    public string Targets { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ScheduleRun
{
    public Guid Id { get; set; }
    public Guid ScheduleId { get; set; }
    public Guid OwnerId { get; set; }
    public Guid? ExportId { get; set; }
    /// <summary>What started the run (stored as cron, manual or window).</summary>
    public ScheduleTrigger Trigger { get; set; } = ScheduleTrigger.Cron;
    public DateTimeOffset ScheduledFor { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>What became of it (stored as queued, refused or waiting).</summary>
    public ScheduleRunStatus Status { get; set; } = ScheduleRunStatus.Queued;
    public string? Error { get; set; }
    /// <summary>Later ticks refused in a row and folded into this refused run instead of a row each.</summary>
    public int Repeats { get; set; }
    /// <summary>The last of those folded ticks.</summary>
    public DateTimeOffset? LastScheduledFor { get; set; }
}

/// <summary>What started a schedule's run: its cron, a "run now", or a tick that waited for the window to open. Its
/// name (<see cref="ScheduleRunNames"/>) is what schedule_runs, the API and the runs' idempotency keys hold.</summary>
public enum ScheduleTrigger { Cron, Manual, Window }

/// <summary>What became of a run: its export job was queued, it was refused (quota, a template that no longer
/// works), or it waits for the window to open.</summary>
public enum ScheduleRunStatus { Queued, Refused, Waiting }

/// <summary>The names runs' triggers and statuses had as strings, kept in the table and the API.</summary>
public static class ScheduleRunNames
{
    public static string Name(this ScheduleTrigger t) => t switch
    {
        ScheduleTrigger.Cron => "cron", ScheduleTrigger.Manual => "manual", ScheduleTrigger.Window => "window",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static string Name(this ScheduleRunStatus s) => s switch
    {
        ScheduleRunStatus.Queued => "queued", ScheduleRunStatus.Refused => "refused", ScheduleRunStatus.Waiting => "waiting",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static ScheduleTrigger Trigger(string name) => name switch
    {
        "cron" => ScheduleTrigger.Cron, "manual" => ScheduleTrigger.Manual, "window" => ScheduleTrigger.Window,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a schedule trigger."),
    };

    public static ScheduleRunStatus Status(string name) => name switch
    {
        "queued" => ScheduleRunStatus.Queued, "refused" => ScheduleRunStatus.Refused, "waiting" => ScheduleRunStatus.Waiting,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a schedule run status."),
    };
}
