using Exports.Host;
using Wolverine.Runtime;
using Wolverine.Transports;

namespace Exports.Jobs;

/// <summary>Run one queued export (its record says what). Published in the transaction that records the job, on the
/// PostgreSQL queue every worker node consumes.</summary>
public sealed record RunExport(Guid ExportId)
{
    public const string Queue = "exports";
}

/// <summary>Look for background exports a stopped node left processing (a recurring message, every minute).</summary>
public sealed record RecoverStaleExports;

/// <summary>Queues a <see cref="RunExport"/> again for every background export whose node stopped writing progress
/// (three times EXPORTS_NODE_STALE_MS): Wolverine recovers a dead node's messages only through the node holding its
/// recovery agent, and only into a listener that is accepting, so a job could otherwise stay processing for good. A
/// repeated message is harmless: a job a live node runs is not taken.</summary>
public static class RecoverStaleExportsHandler
{
    public static async Task Handle(RecoverStaleExports _, JobRecords records, ExportsSettings settings, TimeProvider clock,
        Wolverine.IMessageContext bus, ILogger<RunExport> log, CancellationToken ct)
    {
        var stale = await records.StaleProcessingAsync(settings.Jobs.SchedulerName, clock.GetUtcNow() - 3 * settings.Jobs.NodeStale, 100, ct);
        foreach (var id in stale) await bus.PublishAsync(new RunExport(id));
        if (stale.Count > 0) log.LogWarning("Re-queued {Count} exports left processing by a stopped node", stale.Count);
    }
}

/// <summary>Runs <see cref="RunExport"/> in one of the node's slots. A run cut short by the node stopping is left for
/// another node (Wolverine recovers the message); one cut short by EXPORTS_JOB_TIMEOUT_SECONDS fails, saying so.</summary>
public static class RunExportHandler
{
    public static async Task Handle(RunExport message, JobRunner runner, WorkerSlots slots, JobRecords records,
        IHostApplicationLifetime life, ExportsSettings settings, TimeProvider clock, Wolverine.IMessageContext bus, ILogger<RunExport> log, CancellationToken ct)
    {
        await using var slot = await slots.EnterAsync(message.ExportId);
        if (slot is null) return; // this node is running it already: a repeated message
        try
        {
            // Held by another node that beat its record less than twice EXPORTS_NODE_STALE_MS ago (a repeated message,
            // one Wolverine released while its run went on, or one recovered from a node that died moments ago): look
            // again just after that window closes, so that if that node is dead this one takes the job over then.
            if (!await runner.RunAsync(message.ExportId, recovering: false, ct, () => slots.FinishingAsync(message.ExportId)))
                await Wolverine.MessageBusExtensions.ScheduleAsync(bus, message, await LookAgainAsync(message.ExportId, records, settings, clock), null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !life.ApplicationStopping.IsCancellationRequested)
        {
            await records.FinishAsync(message.ExportId, JobStatus.Failed,
                $"Stopped after running for {settings.Jobs.JobTimeout.TotalSeconds:0} s, the longest a background export may run here (EXPORTS_JOB_TIMEOUT_SECONDS).",
                clock.GetUtcNow(), CancellationToken.None, JobRunner.Node);
        }
        catch (Exception e) when (e is not OperationCanceledException && !JobRunner.IsTransient(e))
        {
            // A fault outside the export's own attempts that is not a database or network blink (a database error is
            // retried by the messaging policy; another transient one is dead-lettered, and the stale-export sweep runs
            // the job again): another try would fail the same way, and a job left as it is would hold its owner's
            // quota and be picked up by the sweep every minute. A completed job's failed hand-off is not swallowed.
            log.LogError(e, "Export job {Job} could not run", message.ExportId);
            var now = clock.GetUtcNow();
            if (!await records.FailUnrunnableAsync(message.ExportId, JobRunner.Node, $"The export could not run: {e.Message}", now, now - settings.Jobs.TakeOver, CancellationToken.None)
                && await records.GetAsync(message.ExportId, CancellationToken.None) is { Status: JobStatus.Completed })
                throw;
        }
    }

    /// <summary>When a job another node holds may be taken: a quarter second after its last beat is twice
    /// EXPORTS_NODE_STALE_MS old (at least a quarter second from now, at most the whole window).</summary>
    static async Task<TimeSpan> LookAgainAsync(Guid export, JobRecords records, ExportsSettings settings, TimeProvider clock)
    {
        var window = settings.Jobs.TakeOver;
        var quarter = TimeSpan.FromMilliseconds(250);
        if (await records.GetAsync(export, CancellationToken.None) is not { } job) return quarter;
        var wait = job.UpdatedAt + window + quarter - clock.GetUtcNow();
        return wait < quarter ? quarter : wait > window ? window : wait;
    }
}

/// <summary>
/// A worker node's export slots (EXPORTS_WORKER_CONCURRENCY), and how the node takes exports from the shared queue:
/// <list type="bullet">
/// <item>Each poll takes as many messages as the node has free slots, never more, and none while every slot is busy:
/// the queue endpoint's <c>MaximumMessagesToReceive</c> is the free slot count, kept current on every slot change (a
/// poll with no free slot is <c>LIMIT 0</c>). A message a node took waits for that node, so taking one more than it
/// can run would keep it waiting while another node sits idle.</item>
/// <item>The listener is never stopped for being full. Stopping and starting it again (Wolverine's
/// <c>MarkAsTooBusyAndStopReceivingAsync</c> and <c>StartAsync</c>) checked the queue tables' schema, registered
/// its notification again and started a new receive loop on every resume: with a backlog that was once per job, and
/// measured as most of the database's time per small job (21 ms of 29).</item>
/// <item>A run whose job is recorded completed has a few statements left (the hand-off to delivery, Wolverine's
/// bookkeeping): from then its slot is free (<see cref="FinishingAsync"/>), so the next export is taken and starts
/// while those run, instead of after the run's end and the notification and poll that follow it (measured as most of
/// the gap between one small job's end and the next one's start). So a node runs at most its slot count of exports
/// before that point (a semaphore: a message taken in a race waits for a slot) plus the tails of finishing ones, and
/// Wolverine's parallelism for the queue is twice the slots to leave room for those tails (Messaging).</item>
/// <item>Wolverine's listener waits a whole poll interval after every poll, unless woken: a new message wakes it
/// through PostgreSQL's LISTEN/NOTIFY (<c>EnableQueueNotifications</c> in Messaging); a freed slot wakes it with the
/// same notification. Measured before: one export started per poll interval whatever the slots (9 a second at
/// 100 ms).</item>
/// </list>
/// </summary>
public sealed class WorkerSlots(ExportsSettings settings, IWolverineRuntime runtime, Npgsql.NpgsqlDataSource db, IHostApplicationLifetime life, ILogger<WorkerSlots> log)
{
    readonly Lock _gate = new();
    readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _exports = new();
    readonly SemaphoreSlim _slots = new(settings.Jobs.Concurrency, settings.Jobs.Concurrency);
    int _running;

    /// <summary>Takes a slot for an export; null when this node is already running that export (a repeated message).</summary>
    public async Task<IAsyncDisposable?> EnterAsync(Guid export)
    {
        if (!_exports.TryAdd(export, Running_)) return null;
        await _slots.WaitAsync();
        lock (_gate)
        {
            _running++;
            TakeFreeSlots();
        }
        return new Slot(this, export);
    }

    /// <summary>The export is recorded completed and only its hand-off is left: its slot may be taken by the next poll.</summary>
    public async ValueTask FinishingAsync(Guid export)
    {
        lock (_gate)
        {
            if (!_exports.TryUpdate(export, Finishing, Running_)) return;
            _running--;
            TakeFreeSlots();
        }
        _slots.Release();
        if (!life.ApplicationStopping.IsCancellationRequested && Listener() is { Status: ListeningStatus.Accepting } agent) await WakeAsync(agent);
    }

    const byte Running_ = 0, Finishing = 1;

    async ValueTask LeaveAsync(Guid export)
    {
        bool release;
        lock (_gate)
        {
            _exports.TryRemove(export, out var state);
            release = state == Running_; // a finishing run gave its slot back already
            if (release) _running--;
            TakeFreeSlots();
        }
        if (!release) return;
        _slots.Release();
        // The listener may be waiting out a poll interval after a poll that found no free slot: wake it, or the freed
        // slot stays empty until its next poll while messages wait (measured: a burst of eight on two slots took 11 s
        // at a 10 s poll, the last waiting out a whole interval).
        if (!life.ApplicationStopping.IsCancellationRequested && Listener() is { Status: ListeningStatus.Accepting } agent) await WakeAsync(agent);
    }

    /// <summary>Under the gate: the next poll takes at most the free slots (none when every slot is busy).</summary>
    internal void TakeFreeSlots()
    {
        if (Queue() is { } q) q.MaximumMessagesToReceive = Math.Max(0, settings.Jobs.Concurrency - _running);
    }

    /// <summary>Wakes this node's exports listener, whose slot just freed, to poll once for what its free slots allow:
    /// in process, through the receive loop's own wake-up (what Wolverine 6.62's listener calls when its notification
    /// arrives), so the next job starts without a round trip through PostgreSQL. When that loop cannot be reached (a
    /// Wolverine version whose listener is shaped otherwise), with the notification Wolverine's own queue sender sends
    /// for a new message (channel <c>wolverine_queue_wakeup</c>, payload schema and queue table). If that fails too, the
    /// listener still polls every EXPORTS_QUEUE_POLL_MS.</summary>
    async Task WakeAsync(IListeningAgent agent)
    {
        if (ReceiveLoop(agent) is { } loop)
        {
            loop.Wake();
            return;
        }
        if (Queue() is not { } q) return;
        try
        {
            await using var cmd = db.CreateCommand("SELECT pg_notify('wolverine_queue_wakeup', $1)");
            cmd.Parameters.Add(new() { Value = WakeKey(Schema(), q.Name) });
            await cmd.ExecuteNonQueryAsync(life.ApplicationStopping);
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { log.LogDebug(e, "Could not wake the exports queue listener; it polls again within {Poll}", settings.Jobs.QueuePoll); }
    }

    static System.Reflection.FieldInfo? _loopField;

    /// <summary>The receive loop of the agent's PostgreSQL queue listener (its private <c>_loop</c>, replaced when the
    /// listener restarts, so read each time), or null.</summary>
    internal static Wolverine.Transports.BackgroundReceiveLoop? ReceiveLoop(IListeningAgent agent)
    {
        if ((agent as Wolverine.Transports.ListeningAgent)?.Listener is not { } listener) return null;
        var field = _loopField;
        if (field is null || field.DeclaringType != listener.GetType())
            _loopField = field = listener.GetType().GetField("_loop", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        return field?.GetValue(listener) as Wolverine.Transports.BackgroundReceiveLoop;
    }

    string? _schema;
    string Schema() => _schema ??= runtime.Options.Transports.OfType<Wolverine.Postgresql.Transport.PostgresqlTransport>().First().TransportSchemaName;

    /// <summary>The payload Wolverine 6.62's queue listeners listen for: the transport schema and the queue's table.</summary>
    public static string WakeKey(string schema, string queue) => $"{schema}.wolverine_queue_{queue}";

    IListeningAgent? Listener() => runtime.Endpoints.FindListeningAgent(RunExport.Queue);

    Wolverine.Postgresql.Transport.PostgresqlQueue? _queue;
    Wolverine.Postgresql.Transport.PostgresqlQueue? Queue() => _queue ??= runtime.Options.Transports.AllEndpoints()
        .OfType<Wolverine.Postgresql.Transport.PostgresqlQueue>().FirstOrDefault(q => q.Name == RunExport.Queue && q.IsListener);

    sealed class Slot(WorkerSlots slots, Guid export) : IAsyncDisposable
    {
        int _left;
        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _left, 1) == 0 ? slots.LeaveAsync(export) : ValueTask.CompletedTask;
    }
}
