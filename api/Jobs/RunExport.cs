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

/// <summary>Runs <see cref="RunExport"/> in one of the node's slots. A run cut short by the node stopping is left for
/// another node (Wolverine recovers the message); one cut short by EXPORTS_JOB_TIMEOUT_SECONDS fails, saying so.</summary>
public static class RunExportHandler
{
    public static async Task Handle(RunExport message, JobRunner runner, WorkerSlots slots, JobRecords records,
        IHostApplicationLifetime life, ExportsSettings settings, TimeProvider clock, CancellationToken ct)
    {
        await using var slot = await slots.EnterAsync();
        try { await runner.RunAsync(message.ExportId, recovering: false, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !life.ApplicationStopping.IsCancellationRequested)
        {
            await records.FinishAsync(message.ExportId, JobStatus.Failed,
                $"Stopped after running for {settings.Jobs.JobTimeout.TotalSeconds:0} s, the longest a background export may run here (EXPORTS_JOB_TIMEOUT_SECONDS).",
                clock.GetUtcNow(), CancellationToken.None);
        }
    }
}

/// <summary>
/// A worker node's export slots (EXPORTS_WORKER_CONCURRENCY). The node stops taking messages from the shared queue
/// while every slot is busy and starts again when one frees: otherwise it would take one more than it can run and keep
/// it waiting while another node sits idle (measured: Wolverine's own back pressure checks every 2 s).
/// </summary>
public sealed class WorkerSlots(ExportsSettings settings, IWolverineRuntime runtime)
{
    int _running;

    public int Running => Volatile.Read(ref _running);

    public async Task<IAsyncDisposable> EnterAsync()
    {
        if (Interlocked.Increment(ref _running) >= settings.Jobs.Concurrency && Listener() is { Status: ListeningStatus.Accepting } l)
            await l.MarkAsTooBusyAndStopReceivingAsync();
        return new Slot(this);
    }

    async ValueTask LeaveAsync()
    {
        if (Interlocked.Decrement(ref _running) < settings.Jobs.Concurrency && Listener() is { } l && l.Status != ListeningStatus.Accepting)
            await l.StartAsync();
    }

    IListeningAgent? Listener() => runtime.Endpoints.FindListeningAgent(RunExport.Queue);

    sealed class Slot(WorkerSlots slots) : IAsyncDisposable
    {
        int _left;
        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _left, 1) == 0 ? slots.LeaveAsync() : ValueTask.CompletedTask;
    }
}
