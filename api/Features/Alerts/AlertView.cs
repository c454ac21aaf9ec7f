using System.Text.Json;
using Exports.Data;
using Exports.Layouts;

namespace Exports.Features.Alerts;

/// <summary>An alert as the API shows it: what fired, when, from which monitor, and the queries to draw around it.</summary>
public sealed record AlertView(Guid Id, string Title, string Severity, DateTimeOffset FiredAt, Guid? MonitorId, List<Adapters.AlertTarget> Targets)
{
    public static AlertView Of(Alert a) => new(a.Id, a.Title, a.Severity, a.FiredAt, a.MonitorId,
        JsonSerializer.Deserialize<List<Adapters.AlertTarget>>(a.Targets, Adapters.Json) ?? []);
}

/// <summary>A request naming one alert by its id.</summary>
public sealed class AlertIdRequest
{
    public Guid Id { get; set; }
}
