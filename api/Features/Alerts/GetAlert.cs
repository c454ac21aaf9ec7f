using Exports.Data;
using Exports.Host;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Alerts;

public sealed class GetAlertValidator : Validator<AlertIdRequest>
{
    public GetAlertValidator() => RuleFor(r => r.Id).NotEmpty().WithMessage("No alert has the empty id.").OverridePropertyName("id");
}

/// <summary>GET /alerts/{id}: one of your alerts; another owner's is "not found".</summary>
public sealed class GetAlert(ExportsDb db) : Endpoint<AlertIdRequest, Results<Ok<AlertView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/alerts/{id:guid}");
        Description(d => d.WithTags("Alerts").WithSummary("An alert").ProducesProblem(404));
    }

    public override async Task<Results<Ok<AlertView>, ProblemHttpResult>> ExecuteAsync(AlertIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        return await db.Alerts.FirstOrDefaultAsync(a => a.OwnerId == owner && a.Id == req.Id, ct) is { } a
            ? TypedResults.Ok(AlertView.Of(a))
            : Problems.NotFound($"No alert '{req.Id}'.");
    }
}
