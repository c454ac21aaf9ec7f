using Microsoft.Extensions.FileProviders;

namespace Exports.Host;

/// <summary>Serves the built SPA (web/dist) from the API's own port; unknown non-API paths get index.html.</summary>
public static class Spa
{
    static string? Root(ExportsSettings settings)
    {
        var candidates = new[]
        {
            settings.SpaDir,
            Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            Path.Combine(Directory.GetCurrentDirectory(), "web", "dist"),
            Path.Combine(Directory.GetCurrentDirectory(), "..", "web", "dist"),
        };
        return candidates.FirstOrDefault(c => c is not null && File.Exists(Path.Combine(c, "index.html")));
    }

    public static void UseStaticSpa(WebApplication app, ExportsSettings settings)
    {
        if (Root(settings) is not { } root) return;
        var files = new PhysicalFileProvider(Path.GetFullPath(root));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }

    public static void MapFallback(WebApplication app, ExportsSettings settings)
    {
        if (Root(settings) is not { } root) return;
        var index = Path.Combine(Path.GetFullPath(root), "index.html");
        app.MapFallback(async ctx =>
        {
            ctx.Response.ContentType = "text/html; charset=utf-8";
            await ctx.Response.SendFileAsync(index);
        }).AllowAnonymous();
    }
}
