using Exports.Storage;
using Exports.Jobs;
using Quartz;

namespace Exports.Host;

/// <summary>Background work's services: the job records, runner and queue, deliveries and their channels, the artifact
/// store chosen by EXPORTS_STORAGE, and Quartz (clustered PostgreSQL store, tables made on first start) for users'
/// cron schedules only: export runs, deliveries and retention are Wolverine messages (<see cref="Messaging"/>).
/// Every node is a worker unless EXPORTS_WORKER=false.</summary>
public static class JobsSetup
{
    public static void AddExportJobs(this IServiceCollection s, ExportsSettings settings)
    {
        var j = settings.Jobs;
        s.AddSingleton<IArtifactStore>(_ => j.Storage == "s3"
            ? new S3ArtifactStore(j.S3Endpoint, j.S3Bucket, j.S3Prefix, j.S3Region, j.S3AccessKey!, j.S3SecretKey!, j.S3PathStyle)
            : new LocalArtifactStore(j.LocalDir));
        s.AddSingleton(_ => new DownloadLinks(Path.Combine(settings.DataDir, "keys")));
        s.AddSingleton<JobRecords>();
        s.AddSingleton<ResultCache>();
        s.AddSingleton<JobRunner>();
        s.AddSingleton<Exports.Delivery.Destinations>();
        s.AddSingleton<IDeliveryTargets>(sp => sp.GetRequiredService<Exports.Delivery.Destinations>());
        // No request logging: receivers' URLs carry credentials in their path (Slack, Zapier), which .NET logs unredacted.
        s.AddHttpClient("webhooks", c => c.Timeout = TimeSpan.FromSeconds(15))
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => Exports.Delivery.NetworkGuard.Handler(settings.DeliveryAllowPrivateNetworks));
        s.AddSingleton<Exports.Features.Sinks.SinkStore>();
        s.AddSingleton<Exports.Features.Sinks.SinkSender>();
        s.AddSingleton<Exports.Features.Sinks.SinkPump>();
        if (j.Worker) s.AddHostedService(sp => sp.GetRequiredService<Exports.Features.Sinks.SinkPump>());
        s.AddSingleton<Exports.Delivery.IDeliveryChannel, Exports.Delivery.EmailChannel>();
        s.AddSingleton<Exports.Delivery.IDeliveryChannel, Exports.Delivery.WebhookChannel>();
        s.AddSingleton<Exports.Delivery.IDeliveryChannel, Exports.Delivery.S3Channel>();
        s.AddSingleton<Exports.Delivery.IDeliveryChannel, Exports.Delivery.SftpChannel>();
        s.AddSingleton<Exports.Delivery.DeliveryService>();
        s.AddSingleton<IJobCompletion>(sp => sp.GetRequiredService<Exports.Delivery.DeliveryService>());
        s.AddSingleton<OwnerTurns>();
        s.AddSingleton<JobQueue>();
        s.AddSingleton<WorkerSlots>();
        s.AddSingleton<JobSignals>();
        s.AddHostedService(sp => sp.GetRequiredService<JobSignals>());
        s.AddSingleton(settings.Live);
        s.AddSingleton<Exports.Series.LiveLog>();
        s.AddSingleton(sp => new Exports.Series.LiveSignals(settings.ConnectionString, sp.GetRequiredService<ILogger<Exports.Series.LiveSignals>>()));
        s.AddHostedService(sp => sp.GetRequiredService<Exports.Series.LiveSignals>());
        s.AddSingleton<TemplateRuns>();
        s.AddSingleton<RetentionSweep>();
        s.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = j.SchedulerName;
                o.GenerateInstanceId = true;
                o.MaxBatchSize = j.Concurrency; // take as many due jobs per acquisition as there are free workers
            });
            q.UseDefaultThreadPool(j.Concurrency);
            q.UsePersistentStore(p =>
            {
                p.UsePostgres(settings.ConnectionString);
                p.UseSystemTextJsonSerializer();
                p.UseClustering(c =>
                {
                    c.CheckinInterval = j.ClusterCheckin;
                    c.CheckinMisfireThreshold = j.ClusterCheckin * 2;
                });
                p.ProvisionSchema();
                p.ConfigureStore(o => o.MisfireThreshold = j.MisfireThreshold);
            });
            q.AddJobType<Exports.Features.Schedule.ScheduleJob>();
        });
        s.AddQuartzHostedService(o =>
        {
            o.AutoStart = j.Worker;
            o.WaitForJobsToComplete = false;
        });
    }
}
