using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using Npgsql;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>POST /schedules/{id}/pause: no more ticks until it is resumed; its trigger is removed with the change.</summary>
public sealed class PauseSchedule(IDocumentStore store, IQuerySession docs, NpgsqlDataSource db, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : SetScheduleActive(store, docs, db, schedulers, clock, log)
{
    public override void Configure() => ConfigureRoute("pause", "Pause a schedule");

    protected override bool Active => false;
}

/// <summary>POST /schedules/{id}/resume: ticks again from now (409 when its endAt has passed or its cron has no later
/// fire time).</summary>
public sealed class ResumeSchedule(IDocumentStore store, IQuerySession docs, NpgsqlDataSource db, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : SetScheduleActive(store, docs, db, schedulers, clock, log)
{
    public override void Configure() => ConfigureRoute("resume", "Resume a schedule");

    protected override bool Active => true;
}

/// <summary>Pause and resume: one handler. The row and its trigger change as one, or nothing changes (503).</summary>
public abstract class SetScheduleActive(IDocumentStore store, IQuerySession docs, NpgsqlDataSource db, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : Endpoint<ScheduleIdRequest, Results<Ok<ScheduleView>, ProblemHttpResult>>
{
    protected abstract bool Active { get; }

    protected void ConfigureRoute(string verb, string summary)
    {
        Post($"/schedules/{{id:guid}}/{verb}");
        Description(d => d.WithTags("Schedules").WithSummary(summary).ProducesProblem(404).ProducesProblem(409).ProducesProblem(503));
    }

    public override async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> ExecuteAsync(ScheduleIdRequest req, CancellationToken ct)
    {
        if (await ScheduleQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is not { } s) return Problems.NotFound($"No schedule {req.Id}.");
        var spec = ScheduleRules.Spec(s);
        var previous = ScheduleTriggers.Plan(s, spec, clock);
        (s.Active, s.UpdatedAt) = (Active, clock.GetUtcNow().ToMicroseconds());
        var plan = ScheduleTriggers.Plan(s, spec, clock);
        if (plan.NeverFires)
            return Problems.Status(409, "This schedule will not fire again",
                "Its endAt has passed or its cron has no later fire time; change it with PUT /api/v1/schedules/{id}. Nothing was changed.");
        if (!await ScheduleTriggers.SaveAsync(store, db, await schedulers.GetScheduler(ct), req.Id, plan, previous, session => session.Store(s), log, ct)) return ScheduleTriggers.Unavailable(HttpContext);
        return TypedResults.Ok(ScheduleView.From(s, clock));
    }
}
