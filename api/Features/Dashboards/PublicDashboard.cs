using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Dashboards;

public sealed class PublicDashboardRequest
{
    public string Token { get; set; } = "";
    public string Format { get; set; } = "";
}

public sealed class PublicDashboardValidator : Validator<PublicDashboardRequest>
{
    public PublicDashboardValidator() =>
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
}

/// <summary>GET /public/dashboards/{token}/export.{png|pdf}: a shared dashboard with no sign-in. It is never the route
/// internal exports use, and it cannot widen the time range (range overrides are ignored; theme, page and scale are
/// honoured).</summary>
public sealed class PublicDashboard(IQuerySession docs, LayoutExports exports, ExportGate gate) : Endpoint<PublicDashboardRequest>
{
    public override void Configure()
    {
        Get("/public/dashboards/{token}/export.{format:regex(^(png|pdf)$)}");
        AllowAnonymous();
        Description(d => d.WithTags("Dashboards").WithSummary("A shared dashboard (no sign-in)").ProducesProblem(404));
    }

    public override async Task HandleAsync(PublicDashboardRequest req, CancellationToken ct)
    {
        var hash = Convert.ToHexString(Secrets.HashApiKey(req.Token));
        var d = await docs.Query<Dashboard>().FirstOrDefaultAsync(x => x.ShareHash == hash, ct);
        if (d is null)
        {
            await Send.ResultAsync(Problems.NotFound("This link does not exist or was revoked."));
            return;
        }
        var q = LayoutOverrides.Parse(HttpContext.Request.Query) with { From = null, To = null, Last = null };
        await Send.ResultAsync(await gate.RenderAsync(exports, d.OwnerId, "Exports", q.Apply(Adapters.Dashboard(d), req.Format), HttpContext, ct, q));
    }
}
