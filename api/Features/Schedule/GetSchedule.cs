using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Schedule;

/// <summary>GET /schedules/{id}: one of your schedules.</summary>
public sealed class GetSchedule(IQuerySession docs, TimeProvider clock) : Endpoint<ScheduleIdRequest, Results<Ok<ScheduleView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/schedules/{id:guid}");
        Description(d => d.WithTags("Schedules").WithSummary("One schedule").ProducesProblem(404));
    }

    public override async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> ExecuteAsync(ScheduleIdRequest req, CancellationToken ct) =>
        await ScheduleQueries.ReadAsync(docs, User.OwnerId(), req.Id, ct) is { } s
            ? TypedResults.Ok(ScheduleView.From(s, clock))
            : Problems.NotFound($"No schedule {req.Id}.");
}
