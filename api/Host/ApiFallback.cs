using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;
using Exports.Shared;

namespace Exports.Host;

/// <summary>What an /api request that matched no route is told. Routing drops a JSON route for a request of another
/// media type, or of another method, as if the path did not exist; here the path is matched again to answer 415 or
/// 405 instead of a misleading 404.</summary>
public static class ApiFallback
{
    public static void Map(WebApplication app) => app.MapFallback("/api/{**path}", async (HttpContext ctx, EndpointDataSource endpoints) =>
    {
        var (pathMatches, methodMatches) = (false, false);
        foreach (var e in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (e.RoutePattern.RawText is null || e.RoutePattern.RawText.Contains("**", StringComparison.Ordinal)) continue;
            var matcher = new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary());
            if (!matcher.TryMatch(ctx.Request.Path, new RouteValueDictionary())) continue;
            pathMatches = true;
            if (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(ctx.Request.Method, StringComparer.OrdinalIgnoreCase) != true) continue;
            methodMatches = true;
            var given = ctx.Request.ContentType ?? "";
            if (e.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts && !accepts.ContentTypes.Contains("*/*")
                && !accepts.ContentTypes.Any(t => given.Length > 0 && given.StartsWith(t, StringComparison.OrdinalIgnoreCase)))
            {
                await Problems.Status(415, "Unsupported media type",
                    $"This route takes {string.Join(" or ", accepts.ContentTypes)} (got '{ctx.Request.ContentType ?? "none"}').").ExecuteAsync(ctx);
                return;
            }
        }
        if (pathMatches && !methodMatches)
        {
            await Problems.Status(405, "Method not allowed", $"{ctx.Request.Method} is not allowed on {ctx.Request.Path}.").ExecuteAsync(ctx);
            return;
        }
        await Problems.NotFound($"No endpoint at {ctx.Request.Path}.").ExecuteAsync(ctx);
    }).AllowAnonymous().ExcludeFromDescription();
}
