using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Npgsql;

namespace Exports.Features.Schedule;

/// <summary>POST /schedules/{id}/run: runs the schedule's template now, as a "manual" run (202 with the run, its
/// export queued; Location lists the schedule's runs). A run already made for this instant is a 409.</summary>
public sealed class RunSchedule(IQuerySession docs, NpgsqlDataSource db, TemplateReader templates, TemplateRuns runs, JobRecords jobs, Exports.Delivery.DeliveryService deliveries, TimeProvider clock)
    : Endpoint<ScheduleIdRequest>
{
    public override void Configure()
    {
        Post("/schedules/{id:guid}/run");
        Description(d => d.WithTags("Schedules").WithSummary("Run a schedule's template now")
            .Produces<RunView>(202).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task HandleAsync(ScheduleIdRequest req, CancellationToken ct) => await Send.ResultAsync(await RunAsync(req, ct));

    async Task<IResult> RunAsync(ScheduleIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await ScheduleQueries.ReadAsync(docs, owner, req.Id, ct) is not { } s) return Problems.NotFound($"No schedule {req.Id}.");
        var run = await ScheduleJob.RunAsync(db, templates, runs, s, ScheduleTrigger.Manual, clock.GetUtcNow(), clock, ct);
        if (run is null) return Problems.Status(409, "This run was already made", "Try again in a moment.");
        return TypedResults.Accepted($"/api/v1/schedules/{req.Id}/runs", (await RunView.ManyAsync(jobs, deliveries, owner, [run], ct))[0]);
    }
}
