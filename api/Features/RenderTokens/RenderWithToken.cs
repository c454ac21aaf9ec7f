using System.Security.Cryptography;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.DataProtection;

namespace Exports.Features.RenderTokens;

public sealed class RenderWithTokenRequest
{
    public string Token { get; set; } = "";
}

public sealed class RenderWithTokenValidator : Validator<RenderWithTokenRequest>
{
    public RenderWithTokenValidator() =>
        RuleFor(r => r.Token).MaximumLength(8192).WithMessage("A render token is at most 8,192 characters.").OverridePropertyName("token");
}

/// <summary>GET /render/{token}: draws what the token names, with no session (the token is the credential).</summary>
public sealed class RenderWithToken(Marten.IDocumentSession docs, SeriesExports series, IDataProtectionProvider dp, LayoutExports exports, ExportGate gate, TimeProvider clock)
    : Endpoint<RenderWithTokenRequest>
{
    public override void Configure()
    {
        Get("/render/{token}");
        AllowAnonymous();
        Description(d => d.WithTags("Render tokens").WithSummary("Render with a token (no sign-in)").ProducesProblem(401));
    }

    public override async Task HandleAsync(RenderWithTokenRequest req, CancellationToken ct) => await Send.ResultAsync(await RenderAsync(req.Token, ct));

    async Task<IResult> RenderAsync(string token, CancellationToken ct)
    {
        RenderTokenPayload? p;
        try { p = JsonSerializer.Deserialize<RenderTokenPayload>(RenderTokenPayload.Protector(dp).Unprotect(token)); }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
        {
            return Problems.Status(401, "The render token is not valid", "It was changed, or it expired more than a day ago. Ask for a new one.");
        }
        var now = clock.GetUtcNow();
        if (p is null) return Problems.Status(401, "The render token is not valid");
        if (p.E < now) return Problems.Status(401, "The render token has expired", $"It expired at {p.E:O}. Ask for a new one.");
        var layout = await LayoutSources.LoadAsync(docs, series, p.O, p.K, p.I, p.W, now, ct);
        if (layout is null) return Problems.NotFound($"The {p.K} no longer exists.");
        return await gate.RenderAsync(exports, p.O, "Exports", layout with { Format = p.F }, HttpContext, ct);
    }
}
