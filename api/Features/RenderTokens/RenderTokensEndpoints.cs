using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using Microsoft.AspNetCore.DataProtection;

namespace Exports.Features.RenderTokens;

public sealed record RenderTokenBody(string? Kind, string? Id, string? WidgetId, string? Format, int? TtlSeconds);

/// <summary>
/// Short-lived render tokens for background jobs, e-mails and scripts: a Data Protection time-limited payload bound
/// to the owner, the object and the format. <c>GET /render/{token}</c> draws it without a session. A token that was
/// tampered with is a 401 "not valid"; an expired one a 401 "expired".
/// </summary>
public static class RenderTokensEndpoints
{
    const string Purpose = "exports.render-tokens.v1";
    static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    sealed record Payload(Guid O, string K, string I, string? W, string F, DateTimeOffset E);

    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/render-tokens", async (RenderTokenBody body, ExportsDb db, SeriesExports series, IDataProtectionProvider dp, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var e = new Errors();
            if (body.Kind is not ("dashboard" or "widget" or "monitor" or "alert")) e.Add("kind", "kind is dashboard, widget, monitor or alert.");
            if (body.Format is not ("png" or "pdf")) e.Add("format", "format is png or pdf.");
            if (body.TtlSeconds is { } ttl && ttl is < 10 or > 3600) e.Add("ttlSeconds", "ttlSeconds is from 10 to 3600.");
            if (body.Kind == "widget" && string.IsNullOrEmpty(body.WidgetId)) e.Add("widgetId", "A widget token names the widget.");
            if (string.IsNullOrEmpty(body.Id)) e.Add("id", "id names the object to render.");
            if (e.Any) return Problems.Validation(e.ToDictionary());
            if (await LayoutSources.LoadAsync(db, series, owner, body.Kind!, body.Id!, body.WidgetId, clock.GetUtcNow(), ct) is null)
                return Problems.NotFound($"No {body.Kind} '{body.Id}'{(body.WidgetId is null ? "" : $" with widget '{body.WidgetId}'")}.");
            var expires = clock.GetUtcNow().AddSeconds(body.TtlSeconds ?? 300);
            var payload = JsonSerializer.Serialize(new Payload(owner, body.Kind!, body.Id!, body.WidgetId, body.Format!, expires));
            var token = dp.CreateProtector(Purpose).ToTimeLimitedDataProtector().Protect(payload, expires + Grace);
            return Results.Ok(new { token, url = $"/api/v1/render/{token}", expiresAt = expires });
        }).WithTags("Render tokens").WithSummary("A short-lived token to fetch a render without a session").ProducesProblem(400).ProducesProblem(404);

        g.MapGet("/render/{token}", async (string token, HttpContext http, ExportsDb db, SeriesExports series, IDataProtectionProvider dp, LayoutExports exports, ExportGate gate, TimeProvider clock, CancellationToken ct) =>
        {
            Payload? p;
            try { p = JsonSerializer.Deserialize<Payload>(dp.CreateProtector(Purpose).ToTimeLimitedDataProtector().Unprotect(token)); }
            catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
            {
                return Problems.Status(401, "The render token is not valid", "It was changed, or it expired more than a day ago. Ask for a new one.");
            }
            var now = clock.GetUtcNow();
            if (p is null) return Problems.Status(401, "The render token is not valid");
            if (p.E < now) return Problems.Status(401, "The render token has expired", $"It expired at {p.E:O}. Ask for a new one.");
            var layout = await LayoutSources.LoadAsync(db, series, p.O, p.K, p.I, p.W, now, ct);
            if (layout is null) return Problems.NotFound($"The {p.K} no longer exists.");
            return await gate.RenderAsync(exports, p.O, "Exports", layout with { Format = p.F }, http, ct);
        }).AllowAnonymous().WithTags("Render tokens").WithSummary("Render with a token (no sign-in)").ProducesProblem(401);
    }
}
