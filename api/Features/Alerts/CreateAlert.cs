using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Alerts;

/// <summary>A fired alert to record: its title, severity, fire time, the monitor it came from (optional) and the
/// queries to draw around it.</summary>
public sealed class CreateAlertRequest
{
    public string? Title { get; set; }
    public string? Severity { get; set; }
    public DateTimeOffset? FiredAt { get; set; }
    public Guid? MonitorId { get; set; }
    public List<Adapters.AlertTarget>? Targets { get; set; }
}

public sealed class CreateAlertValidator : Validator<CreateAlertRequest>
{
    public const int MaxTargets = 20;

    public CreateAlertValidator()
    {
        RuleFor(r => r.Title).Must(t => !string.IsNullOrWhiteSpace(t) && t.Length <= 200)
            .WithMessage("A title has 1 to 200 characters.").OverridePropertyName("title");
        RuleFor(r => r.Severity).Must(s => s is "info" or "warning" or "critical")
            .WithMessage("severity is info, warning or critical.").OverridePropertyName("severity");
        RuleFor(r => r.FiredAt).NotNull().WithMessage("firedAt is the time the alert fired.").OverridePropertyName("firedAt");
        RuleFor(r => r.Targets).Must(t => t is { Count: > 0 and <= MaxTargets })
            .WithMessage($"An alert has 1 to {MaxTargets} targets.").OverridePropertyName("targets");
        RuleFor(r => r).Custom((r, ctx) =>
        {
            for (var i = 0; i < (r.Targets?.Count ?? 0); i++)
                if (r.Targets![i].Query?.Source is null) ctx.AddFailure($"targets[{i}].query", "Each target has a query with a source.");
        });
    }
}

/// <summary>POST /alerts: records a fired alert. A monitor is referenced only when it is the caller's own: another
/// owner's id is "no such monitor".</summary>
public sealed class CreateAlert(IDocumentSession docs, TimeProvider clock) : Endpoint<CreateAlertRequest, Results<Created<AlertView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/alerts");
        Description(d => d.WithTags("Alerts").WithSummary("Record a fired alert").ProducesProblem(400));
    }

    public override async Task<Results<Created<AlertView>, ProblemHttpResult>> ExecuteAsync(CreateAlertRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (req.MonitorId is { } mid && (await docs.LoadAsync<ThresholdMonitor>(mid, ct))?.OwnerId != owner)
            return Problems.Field("monitorId", "No such monitor.");
        var a = new Alert
        {
            Id = Guid.NewGuid(), OwnerId = owner, Title = req.Title!.Trim(), Severity = req.Severity!, FiredAt = req.FiredAt!.Value,
            MonitorId = req.MonitorId, Targets = JsonSerializer.Serialize(req.Targets, Adapters.Json), CreatedAt = clock.GetUtcNow(),
        };
        docs.Insert(a);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/alerts/{a.Id}", AlertView.Of(a));
    }
}
