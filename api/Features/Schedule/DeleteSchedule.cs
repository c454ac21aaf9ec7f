using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using Npgsql;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>DELETE /schedules/{id}: the schedule, its runs and its Quartz job go together, or nothing goes (503). The
/// runs are deleted with the document, in its transaction (schedule_runs has no foreign key on a document).</summary>
public sealed class DeleteSchedule(IDocumentStore store, IQuerySession docs, NpgsqlDataSource db, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : Endpoint<ScheduleIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/schedules/{id:guid}");
        Description(d => d.WithTags("Schedules").WithSummary("Delete a schedule and its runs").ProducesProblem(404).ProducesProblem(503));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(ScheduleIdRequest req, CancellationToken ct)
    {
        if (await ScheduleQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is not { } s) return Problems.NotFound($"No schedule {req.Id}.");
        var previous = ScheduleTriggers.Plan(s, ScheduleRules.Spec(s), clock);
        if (!await ScheduleTriggers.SaveAsync(store, db, await schedulers.GetScheduler(ct), req.Id, previous with { Trigger = null, Active = false }, previous, session =>
            {
                session.Delete<ExportSchedule>(s.Id);
                session.QueueSqlCommand("DELETE FROM public.schedule_runs WHERE schedule_id = ?", s.Id);
            }, log, ct))
            return ScheduleTriggers.Unavailable(HttpContext);
        return TypedResults.NoContent();
    }
}
