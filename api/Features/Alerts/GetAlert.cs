using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Alerts;

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class GetAlertValidator : Validator<AlertIdRequest>;

/// <summary>GET /alerts/{id}: one of your alerts; another owner's is "not found".</summary>
public sealed class GetAlert(IQuerySession docs) : Endpoint<AlertIdRequest, Results<Ok<AlertView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/alerts/{id:guid}");
        Description(d => d.WithTags("Alerts").WithSummary("An alert").ProducesProblem(404));
    }

    public override async Task<Results<Ok<AlertView>, ProblemHttpResult>> ExecuteAsync(AlertIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        return await docs.LoadAsync<Alert>(req.Id, ct) is { } a && a.OwnerId == owner
            ? TypedResults.Ok(AlertView.Of(a))
            : Problems.NotFound($"No alert '{req.Id}'.");
    }
}
