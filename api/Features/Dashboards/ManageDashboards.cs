using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Dashboards;

public sealed record DashboardBody(string? Slug, string? Title, string? Description, Layouts.ExportLayout? Layout);

/// <summary>List, read, create, replace and delete the caller's dashboards. A dashboard's layout is checked like
/// any layout export before it is stored.</summary>
public static partial class ManageDashboards
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")] private static partial Regex Slug();

    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/dashboards", async (ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var list = await db.Dashboards.Where(d => d.OwnerId == owner).OrderBy(d => d.Title).ToListAsync(ct);
            return TypedResults.Ok(new { dashboards = list.Select(DashboardQueries.Summary) });
        }).WithTags("Dashboards").WithSummary("List your dashboards");

        g.MapGet("/dashboards/{id}", async (string id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            await DashboardQueries.FindAsync(db, user.OwnerId(), id, ct) is { } d ? Results.Ok(DashboardQueries.Full(d)) : Problems.NotFound($"No dashboard '{id}'."))
            .WithTags("Dashboards").WithSummary("A dashboard with its layout").ProducesProblem(404);

        g.MapPost("/dashboards", async (DashboardBody body, ExportsDb db, ClaimsPrincipal user, TimeProvider clock, ExportsSettings settings, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var errors = Validate(body, settings.Layouts);
            if (errors.Any) return Problems.Validation(errors.ToDictionary());
            if (await db.Dashboards.AnyAsync(d => d.OwnerId == owner && d.Slug == body.Slug, ct))
                return Problems.Status(409, "A dashboard with this slug exists", $"You already have a dashboard '{body.Slug}'.");
            var now = clock.GetUtcNow();
            var d = new Dashboard
            {
                Id = Guid.NewGuid(), OwnerId = owner, Slug = body.Slug!, Title = body.Title!.Trim(), Description = body.Description ?? "",
                Layout = Store(body), CreatedAt = now, UpdatedAt = now,
            };
            db.Dashboards.Add(d);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/v1/dashboards/{d.Id}", DashboardQueries.Full(d));
        }).WithTags("Dashboards").WithSummary("Create a dashboard").ProducesProblem(400).ProducesProblem(409);

        g.MapPut("/dashboards/{id}", async (string id, DashboardBody body, ExportsDb db, ClaimsPrincipal user, TimeProvider clock, ExportsSettings settings, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await DashboardQueries.FindAsync(db, owner, id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            var errors = Validate(body with { Slug = body.Slug ?? d.Slug }, settings.Layouts);
            if (errors.Any) return Problems.Validation(errors.ToDictionary());
            if (body.Slug is { } slug && slug != d.Slug && await db.Dashboards.AnyAsync(x => x.OwnerId == owner && x.Slug == slug, ct))
                return Problems.Status(409, "A dashboard with this slug exists", $"You already have a dashboard '{slug}'.");
            d.Slug = body.Slug ?? d.Slug;
            d.Title = body.Title!.Trim();
            d.Description = body.Description ?? d.Description;
            d.Layout = Store(body);
            d.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            return Results.Ok(DashboardQueries.Full(d));
        }).WithTags("Dashboards").WithSummary("Replace a dashboard").ProducesProblem(400).ProducesProblem(404);

        g.MapDelete("/dashboards/{id}", async (string id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
        {
            if (await DashboardQueries.FindAsync(db, user.OwnerId(), id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            db.Dashboards.Remove(d);
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        }).WithTags("Dashboards").WithSummary("Delete a dashboard").ProducesProblem(404);
    }

    static string Store(DashboardBody b) => JsonSerializer.Serialize(b.Layout! with { Title = b.Title!.Trim(), Format = null }, Adapters.Json);

    static Errors Validate(DashboardBody b, LayoutLimits limits)
    {
        var e = new Errors();
        if (b.Slug is null || !Slug().IsMatch(b.Slug)) e.Add("slug", "A slug is 1 to 63 lower-case letters, digits or '-'.");
        if (string.IsNullOrWhiteSpace(b.Title) || b.Title.Length > 200) e.Add("title", "A title has 1 to 200 characters.");
        if (b.Description is { Length: > 2000 }) e.Add("description", "A description has at most 2000 characters.");
        if (b.Layout is null) e.Add("layout", "A dashboard needs a layout with widgets.");
        else
        {
            var inner = new Errors();
            LayoutValidator.Validate(b.Layout with { Format = "png" }, inner, limits);
            foreach (var (k, v) in inner.ToDictionary()) foreach (var m in v) e.Add($"layout.{k}", m);
        }
        return e;
    }
}
