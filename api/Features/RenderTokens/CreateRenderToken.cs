using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.RenderTokens;

/// <summary>What a token may draw: a dashboard, one widget of it, a monitor or an alert, as PNG or PDF, for
/// <c>ttlSeconds</c> (10 to 3600, default 300).</summary>
public sealed class CreateRenderTokenRequest
{
    public string? Kind { get; set; }
    public string? Id { get; set; }
    public string? WidgetId { get; set; }
    public string? Format { get; set; }
    public int? TtlSeconds { get; set; }
}

public sealed record RenderTokenView(string Token, string Url, DateTimeOffset ExpiresAt);

public sealed class CreateRenderTokenValidator : Validator<CreateRenderTokenRequest>
{
    public CreateRenderTokenValidator()
    {
        RuleFor(r => r.Kind).Must(k => k is "dashboard" or "widget" or "monitor" or "alert")
            .WithMessage("kind is dashboard, widget, monitor or alert.").OverridePropertyName("kind");
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
        RuleFor(r => r.TtlSeconds).Must(t => t is null or (>= 10 and <= 3600)).WithMessage("ttlSeconds is from 10 to 3600.").OverridePropertyName("ttlSeconds");
        RuleFor(r => r.WidgetId).Must((r, w) => r.Kind != "widget" || !string.IsNullOrEmpty(w))
            .WithMessage("A widget token names the widget.").OverridePropertyName("widgetId");
        RuleFor(r => r.Id).NotEmpty().WithMessage("id names the object to render.").OverridePropertyName("id");
    }
}

/// <summary>POST /render-tokens: a short-lived token to fetch a render without a session; the object must be yours.</summary>
public sealed class CreateRenderToken(Marten.IDocumentSession docs, SeriesExports series, IDataProtectionProvider dp, TimeProvider clock)
    : Endpoint<CreateRenderTokenRequest, Results<Ok<RenderTokenView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/render-tokens");
        Description(d => d.WithTags("Render tokens").WithSummary("A short-lived token to fetch a render without a session").ProducesProblem(400).ProducesProblem(404));
    }

    public override async Task<Results<Ok<RenderTokenView>, ProblemHttpResult>> ExecuteAsync(CreateRenderTokenRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await LayoutSources.LoadAsync(docs, series, owner, req.Kind!, req.Id!, req.WidgetId, clock.GetUtcNow(), ct) is null)
            return Problems.NotFound($"No {req.Kind} '{req.Id}'{(req.WidgetId is null ? "" : $" with widget '{req.WidgetId}'")}.");
        var expires = clock.GetUtcNow().AddSeconds(req.TtlSeconds ?? 300);
        var payload = JsonSerializer.Serialize(new RenderTokenPayload(owner, req.Kind!, req.Id!, req.WidgetId, req.Format!.ToLowerInvariant(), expires));
        var token = RenderTokenPayload.Protector(dp).Protect(payload, expires + RenderTokenPayload.Grace);
        return TypedResults.Ok(new RenderTokenView(token, $"/api/v1/render/{token}", expires));
    }
}
