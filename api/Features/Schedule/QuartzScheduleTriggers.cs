using Exports.Data;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>Removes schedules' Quartz jobs (and with them every trigger) for another part of the app, by id: what a
/// template's delete does for the schedules it deleted (<see cref="TemplateCascade"/>).</summary>
public sealed class QuartzScheduleTriggers(ISchedulerFactory schedulers) : IScheduleTriggers
{
    public async Task RemoveAsync(IReadOnlyList<Guid> scheduleIds, CancellationToken ct)
    {
        if (scheduleIds.Count == 0) return;
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.DeleteJobs(scheduleIds.Select(ScheduleTriggers.Job).ToList(), ct);
    }
}
