using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>How long the link works, optional: an empty body (or one without <c>expiresInMinutes</c>) gets the default,
/// 24 hours.</summary>
public sealed class ShareExportRequest
{
    public Guid Id { get; set; }
    public int? ExpiresInMinutes { get; set; }
}

public sealed record ShareLink(string Url, DateTimeOffset ExpiresAt);

public sealed class ShareExportValidator : Validator<ShareExportRequest>
{
    public ShareExportValidator() =>
        RuleFor(r => r.ExpiresInMinutes).Must(m => m is null or (>= 1 and <= 60 * 24 * 30))
            .WithMessage("expiresInMinutes is from 1 to 43200 (30 days).").OverridePropertyName("expiresInMinutes");
}

/// <summary>POST /exports/{id}/links: a signed download link that works without a session until it expires (default
/// 24 hours, never past the export's own expiry).</summary>
public sealed class ShareExport(JobRecords records, DownloadLinks links, TimeProvider clock)
    : Endpoint<ShareExportRequest, Results<Ok<ShareLink>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/exports/{id:guid}/links");
        // The body is optional, as it was: without one the route alone binds (the default expiry), and the document
        // says so (its requestBody is not required).
        Description(d => d.ClearDefaultAccepts().Accepts<ShareExportRequest>(isOptional: true, "application/json")
            .WithTags("History").WithSummary("A signed, expiring download link")
            .Produces<ShareLink>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Ok<ShareLink>, ProblemHttpResult>> ExecuteAsync(ShareExportRequest req, CancellationToken ct)
    {
        if (await records.GetAsync(User.OwnerId(), req.Id, ct) is not { } job) return Problems.NotFound($"No export {req.Id}.");
        if (job.Direct) return Problems.Status(409, "A direct download keeps no file", "It was streamed to the browser as it ran, so there is nothing to link to; run it in the background to get a file you can share.");
        if (job.Status != JobStatus.Completed) return Problems.Status(409, "The export is not ready", $"It is {job.Status}.");
        var expires = clock.GetUtcNow().AddMinutes(req.ExpiresInMinutes ?? 24 * 60);
        if (job.ExpiresAt is { } end && expires > end) expires = end;
        var token = links.Create(req.Id, expires);
        return TypedResults.Ok(new ShareLink($"/api/v1/exports/{req.Id}/download?token={Uri.EscapeDataString(token)}",
            DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())));
    }
}
