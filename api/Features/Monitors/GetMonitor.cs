using Exports.Data;
using Exports.Host;
using Exports.Series;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Monitors;

public sealed class GetMonitorValidator : Validator<MonitorIdRequest>
{
    public GetMonitorValidator() => RuleFor(r => r.Id).NotEmpty().WithMessage("No monitor has the empty id.").OverridePropertyName("id");
}

/// <summary>GET /monitors/{id}: one of your monitors, evaluated now; another owner's is "not found".</summary>
public sealed class GetMonitor(ExportsDb db, SeriesExports exports, TimeProvider clock) : Endpoint<MonitorIdRequest, Results<Ok<MonitorView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/monitors/{id:guid}");
        Description(d => d.WithTags("Monitors").WithSummary("A monitor, evaluated now").ProducesProblem(404));
    }

    public override async Task<Results<Ok<MonitorView>, ProblemHttpResult>> ExecuteAsync(MonitorIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await db.Monitors.FirstOrDefaultAsync(m => m.OwnerId == owner && m.Id == req.Id, ct) is not { } m)
            return Problems.NotFound($"No monitor '{req.Id}'.");
        var state = await Evaluate.NowAsync(exports, m, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(MonitorView.Of(m, state));
    }
}
