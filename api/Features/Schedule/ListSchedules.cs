using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Marten;

namespace Exports.Features.Schedule;

/// <summary>GET /schedules: your schedules by name, each with its next three fire times.</summary>
public sealed class ListSchedules(IQuerySession docs, TimeProvider clock) : EndpointWithoutRequest<List<ScheduleView>>
{
    public override void Configure()
    {
        Get("/schedules");
        Description(d => d.WithTags("Schedules").WithSummary("Your schedules"));
    }

    public override async Task<List<ScheduleView>> ExecuteAsync(CancellationToken ct)
    {
        var owner = User.OwnerId();
        var list = await docs.Query<ExportSchedule>().Where(s => s.OwnerId == owner).OrderBy(s => s.Name).ToListAsync(ct);
        return list.Select(s => ScheduleView.From(s, clock)).ToList();
    }
}
