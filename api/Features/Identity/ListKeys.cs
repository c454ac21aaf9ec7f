using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

/// <summary>GET /keys: your keys, oldest first, without their secrets.</summary>
public sealed class ListKeys(ExportsDb db) : EndpointWithoutRequest<KeyList>
{
    public override void Configure()
    {
        Get("/keys");
        Description(d => d.WithTags("Identity").WithSummary("List the caller's API keys"));
    }

    public override async Task<KeyList> ExecuteAsync(CancellationToken ct)
    {
        var owner = User.OwnerId();
        return new KeyList(await db.ApiKeys.Where(k => k.OwnerId == owner).OrderBy(k => k.CreatedAt)
            .Select(k => new KeyResponse(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToListAsync(ct));
    }
}

