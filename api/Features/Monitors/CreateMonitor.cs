using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Monitors;

/// <summary>A threshold monitor on one metric: alerting while any series' latest point is above (or below) the
/// threshold; optionally linked to a dashboard drawn under its status.</summary>
public sealed class CreateMonitorRequest
{
    public string? Name { get; set; }
    public ExportRequest? Query { get; set; }
    public string? Condition { get; set; }
    public double? Threshold { get; set; }
    public Guid? DashboardId { get; set; }
}

public sealed class CreateMonitorValidator : Validator<CreateMonitorRequest>
{
    public CreateMonitorValidator()
    {
        RuleFor(r => r.Name).Must(n => !string.IsNullOrWhiteSpace(n) && n.Length <= 200)
            .WithMessage("A name has 1 to 200 characters.").OverridePropertyName("name");
        RuleFor(r => r.Condition).Must(c => c is "above" or "below").WithMessage("condition is above or below.").OverridePropertyName("condition");
        RuleFor(r => r.Threshold).Must(t => t is { } v && double.IsFinite(v)).WithMessage("threshold is a number.").OverridePropertyName("threshold");
        RuleFor(r => r.Query).Must(q => q?.Source is not null && q.Metrics is { Count: 1 })
            .WithMessage("A monitor watches one metric: a query with a source and one metric.").OverridePropertyName("query");
        RuleFor(r => r.Query).Must(q => q?.Aggregations is not { Count: > 1 })
            .WithMessage("A monitor watches one value: give at most one aggregation.").OverridePropertyName("query.aggregations");
    }
}

/// <summary>POST /monitors: creates a monitor and evaluates it at once. Its query is planned as the evaluation will
/// run it (the last 24 h), so an unknown metric is a 400 here, not an error state later.</summary>
public sealed class CreateMonitor(IDocumentSession docs, SeriesExports exports, TimeProvider clock)
    : Endpoint<CreateMonitorRequest, Results<Created<MonitorView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/monitors");
        Description(d => d.WithTags("Monitors").WithSummary("Create a threshold monitor (evaluated at once)").ProducesProblem(400));
    }

    public override async Task<Results<Created<MonitorView>, ProblemHttpResult>> ExecuteAsync(CreateMonitorRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (req.DashboardId is { } dash && (await docs.LoadAsync<Dashboard>(dash, ct))?.OwnerId != owner)
            return Problems.Field("dashboardId", "No such dashboard.");
        var now = clock.GetUtcNow();
        var query = req.Query! with { Timeframe = null };
        var (outcome, _, errors) = await exports.PrepareAsync(owner, MonitorEvaluation.WindowQuery(query, now - MonitorEvaluation.Window, now), ct);
        if (outcome != PrepareOutcome.Ok)
            return Problems.Validation(errors.Any ? errors.ToDictionary(k => "query." + k) : new() { ["query.source"] = ["No such source."] });
        var m = new ThresholdMonitor
        {
            Id = Guid.NewGuid(), OwnerId = owner, Name = req.Name!.Trim(), Query = JsonSerializer.Serialize(query, Adapters.Json),
            Condition = req.Condition!, Threshold = req.Threshold!.Value, DashboardId = req.DashboardId, CreatedAt = now,
        };
        var state = await Evaluate.NowAsync(exports, m, now, ct);
        docs.Insert(m);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/monitors/{m.Id}", MonitorView.Of(m, state, m.DashboardId is { } linked ? new HashSet<Guid> { linked } : []));
    }
}
