using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Exports.Host;

/// <summary>Streams a file produced by <c>write</c>. Headers go out first; if writing fails after that, the
/// connection is aborted so that no client can mistake a truncated body for a complete file.</summary>
public sealed class FileResponse(string fileName, string mediaType, Func<Stream, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext ctx)
    {
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        ctx.Response.ContentType = mediaType;
        ctx.Response.Headers.ContentDisposition = ContentDisposition(fileName);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        var ct = ctx.RequestAborted;
        try
        {
            await write(ctx.Response.Body, ct);
            await ctx.Response.CompleteAsync();
        }
        catch (Exception e) when (ctx.Response.HasStarted || ct.IsCancellationRequested)
        {
            if (!ct.IsCancellationRequested)
                ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Exports.Stream")
                    .LogError(e, "Export {File} failed after streaming began; aborting the response", fileName);
            ctx.Abort();
        }
    }

    /// <summary>RFC 6266: an ASCII fallback name and the exact name as UTF-8 in filename*.</summary>
    public static string ContentDisposition(string fileName)
    {
        var ascii = new StringBuilder();
        foreach (var ch in fileName.Normalize(NormalizationForm.FormD))
        {
            if (ch is >= ' ' and < (char)127 && ch is not '"' and not '\\') ascii.Append(ch);
            else if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.NonSpacingMark) ascii.Append('_');
        }
        var encoded = Uri.EscapeDataString(fileName).Replace("'", "%27").Replace("(", "%28").Replace(")", "%29").Replace("*", "%2A");
        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}";
    }
}
