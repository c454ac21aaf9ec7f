using System.Text.RegularExpressions;
using Exports.Delivery;
using Exports.Jobs;
using JasperFx;
using JasperFx.CodeGeneration;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Postgresql;

namespace Exports.Host;

/// <summary>
/// Background messages on Wolverine, kept in PostgreSQL: envelopes, the inbox and outbox, and the queues every worker
/// node consumes live in the schema <c>wolverine_{EXPORTS_SCHEDULER_NAME}</c>, made at start-up. Nodes with the same
/// name on the same database are one cluster: they beat every <c>EXPORTS_DURABILITY_POLL_MS</c>, and a node silent
/// for <c>EXPORTS_NODE_STALE_MS</c> is dead, its messages recovered by the others. Handlers are generated ahead of time
/// (<c>dotnet run --project api -- codegen write</c> writes <c>api/Internal/Generated</c>, which is checked in), so no
/// compiler is loaded at run time.
/// </summary>
public static partial class Messaging
{
    public static void AddExportsMessaging(this WebApplicationBuilder builder, ExportsSettings settings)
    {
        var j = settings.Jobs;
        builder.Host.UseWolverine(opts =>
        {
            opts.ServiceName = j.SchedulerName;
            opts.ApplicationAssembly = typeof(Messaging).Assembly;
            // Only the handlers named here: conventional discovery would also look at every *Handler class.
            opts.Discovery.DisableConventionalDiscovery().IncludeType(typeof(SweepRetentionHandler)).IncludeType(typeof(DeliverExportHandler))
                .IncludeType(typeof(RunExportHandler)).IncludeType(typeof(RecoverStaleExportsHandler));
            var schema = SchemaFor(j.SchedulerName);
            // LISTEN/NOTIFY wakes a worker's queue listener when a message arrives, instead of at its next poll.
            opts.UsePostgresqlPersistenceAndTransport(ConnectionString(settings.ConnectionString), schema, schema).EnableQueueNotifications();
            opts.AutoBuildMessageStorageOnStartup = AutoCreate.CreateOrUpdate;
            opts.Durability.Mode = DurabilityMode.Balanced;
            opts.Durability.HealthCheckPollingTime = j.DurabilityPoll;
            opts.Durability.FirstHealthCheckExecution = j.DurabilityPoll / 2;
            opts.Durability.NodeReassignmentPollingTime = j.DurabilityPoll;
            opts.Durability.OrphanedMessageSweepPollingTime = j.DurabilityPoll;
            opts.Durability.ScheduledJobPollingTime = j.DurabilityPoll;
            opts.Durability.ScheduledJobFirstExecution = j.DurabilityPoll;
            opts.Durability.StaleNodeTimeout = j.NodeStale;
            // A handled message's inbox row is kept this long to refuse a second copy of it (an outbox resend after a node
            // died between sending and recording the send: within NodeStale plus a poll). Every poll of a queue scans its
            // inbox rows (Wolverine's pop first deletes queue rows already in the inbox), so Wolverine's 5 minutes made
            // each poll cost grow with the last 5 minutes of throughput: 20,000 rows at 4,000 jobs a minute.
            opts.Durability.KeepAfterMessageHandling = j.InboxKeep;
            opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
            opts.DefaultExecutionTimeout = j.JobTimeout;
            // Wolverine's default for a failed message is the dead-letter table at once: a database that blinks (a
            // restart, a full pool) would leave a delivery undone. Those are retried, then tried again later.
            opts.Policies.OnException<Npgsql.NpgsqlException>()
                .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
                .Then.ScheduleRetry(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10));

            // Exports and deliveries: PostgreSQL queues the worker nodes consume competitively (a local queue would keep
            // the work on the node that published it). A worker takes as many exports per poll as it has free slots, and
            // none while its slots are full (WorkerSlots), so a job submitted on a busy node runs on an idle one. Twice
            // the slots may run at once: a run gives its slot back once its job is recorded completed, and the next one starts
            // while its last statements finish (WorkerSlots keeps the slot count for the runs themselves).
            opts.PublishMessage<RunExport>().ToPostgresqlQueue(RunExport.Queue);
            opts.PublishMessage<DeliverExport>().ToPostgresqlQueue(DeliverExport.Queue);
            if (j.Worker)
            {
                opts.ListenToPostgresqlQueue(RunExport.Queue).MaximumParallelMessages(2 * j.Concurrency).MaximumMessagesToReceive(j.Concurrency)
                    .PollingInterval(j.QueuePoll).UseDurableInbox(new Wolverine.Transports.BufferingLimits(100_000, -1));
                // Deliveries wait on the durability poll: a second more does not matter there, and each poll is a query.
                opts.ListenToPostgresqlQueue(DeliverExport.Queue).MaximumParallelMessages(j.Concurrency).MaximumMessagesToReceive(1)
                    .PollingInterval(j.DurabilityPoll).UseDurableInbox();
            }

            // On every node, so that every node's handlers are the same generated code and whichever node the cluster's
            // leader gives the recurring agent can run it: the sweep is housekeeping (shared storage, conditional
            // updates), not an export, so it may run on a node with EXPORTS_WORKER=false.
            opts.Schedules.ScheduleRecurring<SweepRetention>("*/5 * * * *", TimeZoneInfo.Utc).SkipWhileRunning();
            opts.Schedules.ScheduleRecurring<RecoverStaleExports>("* * * * *", TimeZoneInfo.Utc).SkipWhileRunning();
        });
    }

    /// <summary>Export runs and deliveries were Quartz jobs (<c>{export:N}</c> in group <c>exports</c>,
    /// <c>deliver-{export:N}</c> in group <c>deliveries</c>) before they were messages: once the node has started, any
    /// still in a database from then become <see cref="RunExport"/> and <see cref="DeliverExport"/> messages and the
    /// Quartz jobs go (both handlers skip what was done, so a crash between the two repeats nothing).</summary>
    public static void MoveQuartzJobsOnStart(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => MoveQuartzJobsAsync(app.Services, app.Logger)));

    public static async Task<int> MoveQuartzJobsAsync(IServiceProvider services, ILogger log)
    {
        try
        {
            // One node moves them: two nodes starting together would each publish every one.
            await using var conn = await services.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync(); // holds the lock until the end, whatever happens
            await using (var lockCmd = new Npgsql.NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended('exports:quartz-deliveries', 0))", conn, tx))
                if (await lockCmd.ExecuteScalarAsync() is not true) return 0;
            var quartz = await services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
            var moved = 0;
            foreach (var (group, prefix, message) in new (string, string, Func<Guid, object>)[]
                     {
                         (JobQueue.Group, "", id => new RunExport(id)),
                         ("deliveries", "deliver-", id => new DeliverExport(id)),
                     })
            {
                var keys = await Quartz.SchedulerQueryExtensions.GetJobKeys(quartz, Quartz.GroupMatcher<Quartz.JobKey>.GroupEquals(group), CancellationToken.None);
                foreach (var key in keys)
                {
                    if (key.Name.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParseExact(key.Name[prefix.Length..], "N", out var export))
                    {
                        await using var scope = services.CreateAsyncScope();
                        await scope.ServiceProvider.GetRequiredService<IMessageBus>().PublishAsync(message(export));
                        moved++;
                    }
                    await quartz.DeleteJob(key);
                }
            }
            if (moved > 0) log.LogInformation("Moved {Count} export runs and deliveries from Quartz to Wolverine", moved);
            return moved;
        }
        catch (Exception e)
        {
            log.LogError(e, "Could not move the export runs and deliveries Quartz still held; they move when a node starts again");
            return 0;
        }
    }

    /// <summary>At most this many connections for Wolverine's own work (beats, polls, inbox and outbox), in a pool of
    /// its own: the request and export pool (EXPORTS_DB_POOL_SIZE) and its reserve are untouched by it.</summary>
    public const int PoolSize = 8;

    static string ConnectionString(string cs) =>
        new Npgsql.NpgsqlConnectionStringBuilder(cs) { MaxPoolSize = PoolSize, MinPoolSize = 0, ApplicationName = "exports-messaging" }.ConnectionString;

    /// <summary>The PostgreSQL schema of a cluster's messages: <c>wolverine_</c> and the name in lower-case letters,
    /// digits and underscores (at most 63 characters, PostgreSQL's limit).</summary>
    public static string SchemaFor(string clusterName)
    {
        var clean = NotIdentifier().Replace(clusterName.ToLowerInvariant(), "_");
        var schema = "wolverine_" + clean;
        return schema.Length <= 63 ? schema : schema[..63];
    }

    [GeneratedRegex("[^a-z0-9_]")] private static partial Regex NotIdentifier();
}
