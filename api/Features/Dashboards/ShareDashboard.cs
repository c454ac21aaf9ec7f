using System.Security.Cryptography;
using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Dashboards;

/// <summary>The public link's two files; the token inside them is shown only here (stored as a hash).</summary>
public sealed record ShareLinkView(string Png, string Pdf, DateTimeOffset? SharedAt);

/// <summary>POST /dashboards/{id}/share: creates (or replaces) the dashboard's public link: a read-only PNG/PDF of its
/// saved range, revocable, kept only as a hash.</summary>
public sealed class ShareDashboard(IDocumentSession docs, TimeProvider clock) : Endpoint<DashboardIdRequest, Results<Ok<ShareLinkView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/dashboards/{id}/share");
        Description(d => d.WithTags("Dashboards").WithSummary("Create (or replace) the dashboard's public link").ProducesProblem(404));
    }

    public override async Task<Results<Ok<ShareLinkView>, ProblemHttpResult>> ExecuteAsync(DashboardIdRequest req, CancellationToken ct)
    {
        if (await DashboardQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{req.Id}'.");
        var token = "shr_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        d.ShareHash = Convert.ToHexString(Secrets.HashApiKey(token));
        d.SharedAt = clock.GetUtcNow();
        docs.Update(d);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Ok(new ShareLinkView($"/api/v1/public/dashboards/{token}/export.png", $"/api/v1/public/dashboards/{token}/export.pdf", d.SharedAt));
    }
}
