using System.Text.Json.Serialization;
using Exports.Data;
using Exports.Features.Identity;
using Exports.Features.Sources;
using Exports.Series;
using Exports.Demo;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Exports.Host;

/// <summary>Wiring: configuration, database, auth, OpenAPI, problems, slices and the SPA.</summary>
public static class AppHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var settings = ExportsSettings.Load(builder.Configuration);
        builder.WebHost.UseUrls($"http://127.0.0.1:{settings.Port}");
        var s = builder.Services;
        s.AddSingleton(settings);
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton(new PlannerLimits(settings.RawMaxDays, settings.BucketsFromRawMaxDays));
        Timeframes.MaxRangeDays = settings.MaxRangeDays;
        // One pool of EXPORTS_DB_POOL_SIZE connections (set in the connection string) for Npgsql and Marten alike, so
        // that the reserve streaming exports leave (ExportGate) is really there for sign-in, health and the rest.
        s.AddSingleton(_ => new NpgsqlDataSourceBuilder(settings.ConnectionString).Build());
        s.AddExportsDocuments();
        s.AddSingleton(settings.Layouts);
        s.AddSingleton<ExportGate>();
        s.AddSingleton<SeriesExports>();
        s.AddSingleton<Exports.Layouts.LayoutResolver>();
        s.AddSingleton<Exports.Layouts.LayoutExports>();
        s.AddDataProtection().SetApplicationName("exports")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDir, "keys")));
        s.AddExportsAuth();
        s.AddExportJobs(settings);
        builder.AddExportsMessaging(settings);
        s.AddProblemDetails();
        s.AddExceptionHandler<BadRequests>();
        s.AddExportsEndpoints();
        s.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.Converters.Add(new UtcInstants());
        });
        s.AddSingleton<LoginThrottle>();
        s.AddSingleton<Exports.Delivery.TestSendThrottle>();
        s.AddScoped<Ingest>();
        s.AddSingleton<Exports.Features.Live.LiveStreamLimits>();
        // Last, so every logger provider registered above (and by the caller's configure) is wrapped.
        Exports.Shared.LogScrub.Wrap(s);
        return builder.Build();
    }

    public static async Task PrepareAsync(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<ExportsSettings>();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var clock = app.Services.GetRequiredService<TimeProvider>();
            await Migrator.RunAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Logger, CancellationToken.None);
            // Documents after the migrations: the importer reads the tables they made (Documents.PrepareAsync).
            await Documents.PrepareAsync(app.Services, app.Logger, CancellationToken.None);
            // The retention sweep was a Quartz cron job before it became a Wolverine message: a database from then still
            // holds its job and trigger, which Quartz could no longer load.
            var quartz = await app.Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
            await quartz.DeleteJob(new Quartz.JobKey("retention", Exports.Jobs.JobQueue.Group));
            if (settings.Seed)
                await DemoSeed.RunAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), settings,
                    app.Logger, clock.GetUtcNow(), CancellationToken.None);
            if (settings.Seed) await DemoVisuals.EnsureAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Services.GetRequiredService<Marten.IDocumentStore>(), clock.GetUtcNow(), CancellationToken.None);
        }
        Messaging.MoveQuartzJobsOnStart(app);
        Health.Ready = true;

        // Behind a reverse proxy on this machine (the API listens on 127.0.0.1 only), the client's address is the one
        // the proxy forwards: the per-address login throttle counts clients, not the proxy.
        app.UseForwardedHeaders(new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        Spa.UseStaticSpa(app, settings);
        app.UseEmptyBodiesAsJson();
        app.UseRouting();
        app.UseExportsOpenApi();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<RequestGuard>();

        app.UseSwaggerUI(o => { o.SwaggerEndpoint("/openapi/v1.json", "Exports API"); o.RoutePrefix = "docs"; });
        Health.Map(app);

        app.MapExportsEndpoints();
        ApiFallback.Map(app);
        Spa.MapFallback(app, settings);
    }
}

public static class Health
{
    public static volatile bool Ready;

    public static void Map(WebApplication app) => app.MapGet("/health", async (NpgsqlDataSource db, CancellationToken ct) =>
    {
        if (!Ready) return Results.Json(new { status = "starting" }, statusCode: 503);
        try
        {
            await using var cmd = db.CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(ct);
            return Results.Json(new { status = "ok" });
        }
        catch (NpgsqlException)
        {
            return Results.Json(new { status = "database unreachable" }, statusCode: 503);
        }
    }).AllowAnonymous().WithTags("Health").WithSummary("200 once the database is reachable and migrated");
}
