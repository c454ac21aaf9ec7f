using System.Collections.Concurrent;
using Exports.Host;
using Npgsql;

namespace Exports.Jobs;

/// <summary>
/// Tells the watchers of a job (<c>GET /exports/{id}/events</c>) on this node that its record changed state, on
/// whichever node the change was made: each state transition in <see cref="JobRecords"/> sends
/// <c>pg_notify('exports_job_state', id)</c> in its own transaction (so only when it commits), and this node holds one
/// connection that LISTENs on that channel. A watcher still reads the record itself; the signal only ends its wait
/// early. Without it a watcher saw a job's end up to its poll interval (250 ms) late.
/// <list type="bullet">
/// <item>Never needed for correctness: a watcher waits at most its poll interval whatever happens here, so a lost
/// connection (retried every second, logged once per outage) only makes watchers as late as before.</item>
/// <item>Its connection is its own (not pooled): a LISTEN holds its connection for the node's life, and the app's pool
/// is sized and shared by requests (see the fairness limits).</item>
/// <item>A subscription latches one signal: one sent between the watcher's read and its wait is not lost.</item>
/// </list>
/// </summary>
public sealed class JobSignals(ExportsSettings settings, ILogger<JobSignals> log) : BackgroundService
{
    public const string Channel = "exports_job_state";
    static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> _watchers = new();

    /// <summary>The SQL expression a transition adds to its statement (in its transaction) for job <paramref name="idParameter"/>.</summary>
    public static string NotifySql(string idParameter) => $"pg_notify('{Channel}', {idParameter}::text)";

    /// <summary>Follows <paramref name="job"/>'s signals until disposed.</summary>
    public Subscription Subscribe(Guid job)
    {
        var sub = new Subscription(this, job);
        _watchers.GetOrAdd(job, _ => new()).TryAdd(sub, 0);
        return sub;
    }

    void Unsubscribe(Subscription sub)
    {
        if (!_watchers.TryGetValue(sub.Job, out var set)) return;
        set.TryRemove(sub, out _);
        if (set.IsEmpty) _watchers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Subscription, byte>>(sub.Job, set));
    }

    internal void Signal(Guid job)
    {
        if (_watchers.TryGetValue(job, out var set))
            foreach (var sub in set.Keys) sub.Set();
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var down = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var cs = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
                {
                    Pooling = false, ApplicationName = "exports-job-signals", KeepAlive = 30,
                }.ConnectionString;
                await using var conn = new NpgsqlConnection(cs);
                await conn.OpenAsync(stopping);
                conn.Notification += (_, e) => { if (Guid.TryParse(e.Payload, out var id)) Signal(id); };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn)) await listen.ExecuteNonQueryAsync(stopping);
                if (down) log.LogInformation("Job state signals are back");
                down = false;
                while (true) await conn.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                if (!down) log.LogWarning(e, "Job state signals are down (watchers fall back to polling); reconnecting every {Delay}", Reconnect);
                down = true;
                try { await Task.Delay(Reconnect, stopping); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>One watcher's signals for one job.</summary>
    public sealed class Subscription(JobSignals hub, Guid job) : IDisposable
    {
        readonly SemaphoreSlim _signal = new(0, 1);
        public Guid Job { get; } = job;

        internal void Set()
        {
            try { if (_signal.CurrentCount == 0) _signal.Release(); }
            catch (SemaphoreFullException) { } // already set: one pending signal is all a watcher needs
            catch (ObjectDisposedException) { }
        }

        /// <summary>Waits for a signal (or one that came since the last wait) or <paramref name="timeout"/>, whichever is first.</summary>
        public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await _signal.WaitAsync(timeout, ct);

        public void Dispose()
        {
            hub.Unsubscribe(this);
            _signal.Dispose();
        }
    }
}
