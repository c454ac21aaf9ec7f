using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Source = FastEndpoints.Source;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Schedule;

/// <summary>The schedule (route) and how many fire times to list (query: 1 to 100, 5 when left out).</summary>
public sealed class NextScheduleRunsRequest : IQueryBound
{
    [DontBind(Source.QueryParam)] public Guid Id { get; set; }
    [BindFrom("count")] public int? Count { get; set; }
}

public sealed class NextScheduleRunsValidator : Validator<NextScheduleRunsRequest>
{
    public const int MaxCount = 100;

    public NextScheduleRunsValidator() =>
        RuleFor(r => r.Count).InclusiveBetween(1, MaxCount).WithMessage($"count is from 1 to {MaxCount}.").OverridePropertyName("count");
}

/// <summary>GET /schedules/{id}/next?count=5: the next fire times, with the schedule's zone's offset.</summary>
public sealed class NextScheduleRuns(IQuerySession docs, TimeProvider clock)
    : Endpoint<NextScheduleRunsRequest, Results<Ok<IReadOnlyList<DateTimeOffset>>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/schedules/{id:guid}/next");
        Description(d => d.WithTags("Schedules").WithSummary("The next fire times, in the schedule's time zone").ProducesProblem(400).ProducesProblem(404));
    }

    public override async Task<Results<Ok<IReadOnlyList<DateTimeOffset>>, ProblemHttpResult>> ExecuteAsync(NextScheduleRunsRequest req, CancellationToken ct) =>
        await ScheduleQueries.ReadAsync(docs, User.OwnerId(), req.Id, ct) is { } s
            ? TypedResults.Ok(ScheduleView.FireTimes(s, clock, req.Count ?? 5))
            : Problems.NotFound($"No schedule {req.Id}.");
}
