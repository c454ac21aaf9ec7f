using Exports.Shared;
using FastEndpoints;
using Npgsql;

namespace Exports.Features.Live;

/// <summary>OPTIONS /sources/{source}/stream?token=…: the CORS preflight of the stream, answered as the stream answers
/// CORS: <c>Access-Control-Allow-Origin</c> is exactly the request's Origin when the token lists it, never <c>*</c>,
/// with <c>Vary: Origin</c>; anything else (no live token of this source, an origin it does not list, a method other
/// than GET) is a 403 without it. It binds no request (a preflight has no body): the route's source and the query's
/// token are read as they are.</summary>
public sealed class PreflightStream(NpgsqlDataSource db) : EndpointWithoutRequest
{
    public static readonly string[] AllowedHeaders = ["last-event-id", "cache-control", "accept"];

    public override void Configure()
    {
        Verbs(Http.OPTIONS);
        Routes("/sources/{source}/stream");
        AllowAnonymous();
        Description(d => d.WithTags("Live").WithSummary("CORS preflight of a source's live stream").Produces(204).ProducesProblem(403));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        HttpContext.Response.Headers.Vary = "Origin";
        var source = Route<string>("source", isRequired: false);
        if (!StreamTokens.CanNameSource(source))
        {
            await Send.ResultAsync(Problems.NotFound($"No source named '{StorableText.Display(source)}'."));
            return;
        }
        var grant = await StreamGrant.FindAsync(db, Query<string>("token", isRequired: false), ct);
        var allowed = grant is not null && string.Equals(grant.SourceName, source, StringComparison.Ordinal)
            ? grant.AllowedOrigin(HttpContext.Request.Headers.Origin.ToString()) : null;
        var method = HttpContext.Request.Headers.AccessControlRequestMethod.ToString();
        if (allowed is null || (method.Length > 0 && method != "GET"))
        {
            await Send.ResultAsync(Problems.Status(403, "This origin may not read the stream",
                "The preflight names no live token of this source, or an origin the token does not list, or a method other than GET."));
            return;
        }
        var h = HttpContext.Response.Headers;
        h.AccessControlAllowOrigin = allowed;
        h.AccessControlAllowMethods = "GET";
        var asked = HttpContext.Request.Headers.AccessControlRequestHeaders.ToString();
        var headers = asked.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(x => AllowedHeaders.Contains(x.ToLowerInvariant())).ToArray();
        if (headers.Length > 0) h.AccessControlAllowHeaders = string.Join(", ", headers);
        h.AccessControlMaxAge = "600";
        await Send.NoContentAsync(ct);
    }
}
