using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Source = FastEndpoints.Source;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using Npgsql;

namespace Exports.Features.Schedule;

/// <summary>The schedule (route) and how many of its latest runs to list (query: 1 to 500, 50 when left out; a
/// number outside is brought inside).</summary>
public sealed class ListScheduleRunsRequest : IQueryBound
{
    [DontBind(Source.QueryParam)] public Guid Id { get; set; }
    [BindFrom("limit")] public int? Limit { get; set; }
}

/// <summary>The limit is clamped, never refused: no rule beyond the query value being a number.</summary>
public sealed class ListScheduleRunsValidator : Validator<ListScheduleRunsRequest>;

/// <summary>GET /schedules/{id}/runs?limit=50: a schedule's runs, latest first, each with its export's state.</summary>
public sealed class ListScheduleRuns(IQuerySession docs, NpgsqlDataSource db, JobRecords jobs, Exports.Delivery.DeliveryService deliveries)
    : Endpoint<ListScheduleRunsRequest, Results<Ok<List<RunView>>, ProblemHttpResult>>
{
    public const int DefaultLimit = 50, MaxLimit = 500;

    public override void Configure()
    {
        Get("/schedules/{id:guid}/runs");
        Description(d => d.WithTags("Schedules").WithSummary("A schedule's runs, each linked to its export").ProducesProblem(400).ProducesProblem(404));
    }

    public override async Task<Results<Ok<List<RunView>>, ProblemHttpResult>> ExecuteAsync(ListScheduleRunsRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await ScheduleQueries.ReadAsync(docs, owner, req.Id, ct) is null) return Problems.NotFound($"No schedule {req.Id}.");
        var list = await ScheduleRunStore.LatestAsync(db, owner, req.Id, Math.Clamp(req.Limit ?? DefaultLimit, 1, MaxLimit), ct);
        return TypedResults.Ok(await RunView.ManyAsync(jobs, deliveries, owner, list, ct));
    }
}
