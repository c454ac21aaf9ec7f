using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Templates;

/// <summary>What one run may change (another relative range, another format), all optional: a POST without a body
/// runs the template as saved. An <c>Idempotency-Key</c> header makes a retried request return the first run
/// (checked by the job queue like every export's).</summary>
public sealed class RunTemplateRequest
{
    public Guid Id { get; set; }
    public TimeframeSpec? Timeframe { get; set; }
    public string? Format { get; set; }
}

public sealed class RunTemplateValidator : Validator<RunTemplateRequest>
{
    public RunTemplateValidator() =>
        RuleFor(r => r.Format).Must(f => f is null || f.Trim().Length > 0).WithMessage("format names a format, or is left out to keep the template's.")
            .OverridePropertyName("format");
}

/// <summary>POST /templates/{id}/run: runs it now as a background export; placeholders in the file name are filled in.</summary>
public sealed class RunTemplate(IQuerySession docs, TemplateRuns runs) : Endpoint<RunTemplateRequest>
{
    public override void Configure()
    {
        Post("/templates/{id:guid}/run");
        // The body is optional (a POST without one runs the template as saved): also without a Content-Type at all.
        Description(d => d.ClearDefaultAccepts().Accepts<RunTemplateRequest>(isOptional: true, "application/json").WithTags("Templates").WithSummary("Run a template now (optionally with another range or format)")
            .Produces<JobRecord>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429));
    }

    public override async Task HandleAsync(RunTemplateRequest req, CancellationToken ct) => await Send.ResultAsync(await RunAsync(req, ct));

    async Task<IResult> RunAsync(RunTemplateRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner) return Problems.NotFound($"No template {req.Id}.");
        var overrides = req.Timeframe is null && req.Format is null ? null : new RunOverrides(req.Timeframe, req.Format);
        var key = HttpContext.Request.Headers["Idempotency-Key"].FirstOrDefault();
        var (ok, refused) = await runs.RunAsync(owner, t.Name, t.Request, overrides, key, ct);
        return refused is not null ? JobResults.Refused(refused, HttpContext) : JobResults.Accepted(ok!.Job);
    }
}
