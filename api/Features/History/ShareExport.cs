using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

public sealed record ShareBody(int? ExpiresInMinutes);
public sealed record ShareLink(string Url, DateTimeOffset ExpiresAt);

/// <summary>POST /api/v1/exports/{id}/links: a signed download link that works without a session until it expires
/// (default 24 hours, never past the export's own expiry).</summary>
public static class ShareExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/{id:guid}/links", async (Guid id, ShareBody? body, JobRecords records, DownloadLinks links, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (body?.ExpiresInMinutes is < 1 or > 60 * 24 * 30)
                    return (IResult)Problems.Field("expiresInMinutes", "expiresInMinutes is from 1 to 43200 (30 days).");
                if (await records.GetAsync(user.OwnerId(), id, ct) is not { } job) return Problems.NotFound($"No export {id}.");
                if (job.Direct) return Problems.Status(409, "A direct download keeps no file", "It was streamed to the browser as it ran, so there is nothing to link to; run it in the background to get a file you can share.");
                if (job.Status != JobStatus.Completed) return Problems.Status(409, "The export is not ready", $"It is {job.Status}.");
                var expires = clock.GetUtcNow().AddMinutes(body?.ExpiresInMinutes ?? 24 * 60);
                if (job.ExpiresAt is { } end && expires > end) expires = end;
                var token = links.Create(id, expires);
                return TypedResults.Ok(new ShareLink($"/api/v1/exports/{id}/download?token={Uri.EscapeDataString(token)}", DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())));
            })
            .WithTags("History").WithSummary("A signed, expiring download link").Produces<ShareLink>().ProducesProblem(404).ProducesProblem(409);
}
