using System.Text.Json;
using Exports.Data;
using Exports.Layouts;
using Exports.Series;

namespace Exports.Features.Monitors;

/// <summary>The window a monitor was evaluated over.</summary>
public sealed record MonitorWindow(DateTimeOffset From, DateTimeOffset To);

/// <summary>A monitor as the API shows it, with the evaluation made for this response.</summary>
public sealed record MonitorView(Guid Id, string Name, ExportRequest Query, string Condition, double Threshold, string State,
    double? Value, string? Series, DateTimeOffset? ValueAt, DateTimeOffset Since, bool SinceAtLeast, DateTimeOffset EvaluatedAt,
    MonitorWindow Window, string? Error, Guid? DashboardId)
{
    /// <param name="dashboards">The owner's dashboards among those monitors link to (<see cref="LayoutSources.ExistingDashboardsAsync"/>):
    /// a link to any other (deleted meanwhile) is shown as no link.</param>
    public static MonitorView Of(ThresholdMonitor m, MonitorState s, IReadOnlySet<Guid> dashboards) => new(m.Id, m.Name,
        JsonSerializer.Deserialize<ExportRequest>(m.Query, Adapters.Json)!, m.Condition, m.Threshold, s.State, s.Value, s.Series,
        s.ValueAt, s.Since, s.SinceAtLeast, s.EvaluatedAt, new MonitorWindow(s.WindowFrom, s.EvaluatedAt), s.Error,
        m.DashboardId is { } d && dashboards.Contains(d) ? d : null);
}

/// <summary>A request naming one monitor by its id.</summary>
public sealed class MonitorIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>Every response and export evaluates the monitor at that moment (<see cref="MonitorEvaluation"/>) and stores
/// the result; nothing notifies anyone, so there is no schedule.</summary>
static class Evaluate
{
    public static async Task<MonitorState> NowAsync(SeriesExports exports, ThresholdMonitor m, DateTimeOffset now, CancellationToken ct)
    {
        var state = await MonitorEvaluation.RunAsync(exports, m.OwnerId, m, now, ct);
        MonitorEvaluation.Store(m, state);
        return state;
    }
}
