using System.Globalization;
using Exports.Layouts;
using Exports.Shared;

namespace Exports.Host;

/// <summary>What an owner is doing synchronously; each kind has its own count, with the same per-owner bound.</summary>
public enum SyncKind { Stream, Render, Preview, Ingest, Submit, Direct }

/// <summary>
/// Admission for synchronous exports, so that no user can starve another: each owner holds at most
/// EXPORTS_STREAMS_PER_OWNER streams, renders and previews at once (429 beyond), and all owners together hold at most
/// <see cref="ExportsSettings.StreamSlots"/> streams that keep a database connection while the client reads (503
/// beyond), which leaves EXPORTS_DB_POOL_RESERVE connections for everything else. Counts live in this node's memory:
/// each node guards its own pool.
/// </summary>
public sealed class ExportGate(ExportsSettings settings)
{
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    /// <summary>How long a request waits for a planning place before it is told the node is busy.</summary>
    public static readonly TimeSpan PlanningWait = TimeSpan.FromSeconds(10);
    readonly Dictionary<(Guid, SyncKind), int> _owners = new();
    readonly SemaphoreSlim _planning = new(settings.PlanningSlots);
    int _streams;

    public ExportsSettings Settings => settings;

    /// <summary>Streams holding a database connection right now (on this node).</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>A lease on one of the owner's places for <paramref name="kind"/>, or null when all are taken.</summary>
    public IDisposable? TryOwner(Guid owner, SyncKind kind)
    {
        lock (_owners)
        {
            _owners.TryGetValue((owner, kind), out var n);
            if (n >= settings.Streams.PerOwner) return null;
            _owners[(owner, kind)] = n + 1;
        }
        return new Lease(() =>
        {
            lock (_owners)
            {
                if (_owners[(owner, kind)] is var n && n <= 1) _owners.Remove((owner, kind));
                else _owners[(owner, kind)] = n - 1;
            }
        });
    }

    /// <summary>A lease on one of the node's streaming slots, or null when all are taken.</summary>
    public IDisposable? TryStream()
    {
        while (true)
        {
            var n = Volatile.Read(ref _streams);
            if (n >= settings.StreamSlots) return null;
            if (Interlocked.CompareExchange(ref _streams, n + 1, n) == n) return new Lease(() => Interlocked.Decrement(ref _streams));
        }
    }

    /// <summary>A place to run an export's queries that do not wait on the client (validation, estimate, preview,
    /// a render's widget queries): at most half the reserve at once, so a burst of requests from many owners queues
    /// here instead of draining the pool. Null after <see cref="PlanningWait"/>.</summary>
    public async Task<IDisposable?> PlanAsync(CancellationToken ct)
    {
        if (!await _planning.WaitAsync(PlanningWait, ct)) return null;
        return new Lease(() => _planning.Release());
    }

    /// <summary>503: every planning place stayed taken for <see cref="PlanningWait"/>.</summary>
    public IResult PlanningRefused(HttpContext http)
    {
        http.Response.Headers.RetryAfter = Seconds(RetryAfter);
        return Problems.Status(503, "Too many exports being prepared",
            $"This server prepares at most {settings.PlanningSlots} exports at once (half of EXPORTS_DB_POOL_RESERVE) and none was free for " +
            $"{PlanningWait.TotalSeconds:N0} s. Retry after {Seconds(RetryAfter)} s.");
    }

    /// <summary>429: the owner already has as many of this kind running as allowed.</summary>
    public IResult OwnerRefused(SyncKind kind, HttpContext http)
    {
        var (what, title) = kind switch
        {
            SyncKind.Stream => ("streaming exports", "Too many streaming exports at once"),
            SyncKind.Render => ("visual exports (PNG/PDF)", "Too many visual exports at once"),
            SyncKind.Ingest => ("ingests", "Too many ingests at once"),
            SyncKind.Submit => ("background exports being submitted", "Too many submissions at once"),
            SyncKind.Direct => ("direct download links being prepared", "Too many direct downloads being prepared at once"),
            _ => ("previews", "Too many previews at once"),
        };
        http.Response.Headers.RetryAfter = Seconds(RetryAfter);
        return Problems.Status(429, title,
            $"You already have {settings.Streams.PerOwner} {what} in progress, the most one account may have (EXPORTS_STREAMS_PER_OWNER). " +
            $"Wait for one to finish (a download nobody reads is cut after {settings.Streams.Idle.TotalSeconds:N0} s) and retry after {Seconds(RetryAfter)} s, " +
            "or run it as a background job with POST /api/v1/exports.");
    }

    /// <summary>503: every streaming slot of this node is taken (the rest of the pool is kept for other requests).</summary>
    public IResult StreamsRefused(HttpContext http)
    {
        http.Response.Headers.RetryAfter = Seconds(RetryAfter);
        return Problems.Status(503, "All streaming export slots are in use",
            $"This server streams at most {settings.StreamSlots} exports at once (EXPORTS_DB_POOL_SIZE minus EXPORTS_DB_POOL_RESERVE " +
            $"minus EXPORTS_WORKER_CONCURRENCY), so that other requests keep their database connections. Retry after {Seconds(RetryAfter)} s, " +
            "or run it as a background job with POST /api/v1/exports.");
    }

    /// <summary>A visual export for an HTTP caller: admission, render, then the file or the validation problem.</summary>
    /// <param name="query">The query-string overrides the layout was made with: its bad values are refused first, and
    /// errors in what it set are named after its parameters.</param>
    public async Task<IResult> RenderAsync(LayoutExports exports, Guid owner, string author, ExportLayout layout, HttpContext http, CancellationToken ct,
        LayoutOverrides? query = null)
    {
        if (query?.Invalid is { } invalid) return Problems.Validation(invalid.ToDictionary(kv => kv.Key, kv => kv.Value));
        using var lease = TryOwner(owner, SyncKind.Render);
        if (lease is null) return OwnerRefused(SyncKind.Render, http);
        using var planning = await PlanAsync(ct);
        if (planning is null) return PlanningRefused(http);
        var (result, errors) = await exports.RenderAsync(owner, author, layout, ct);
        if (result is not null) return File(exports, result, http);
        return Problems.Validation(query is null ? errors.ToDictionary() : errors.ToDictionary(query.QueryName));
    }

    /// <summary>A rendered layout as an HTTP answer: the file, with the widgets' statuses in the Export-Widgets header
    /// (Layouts know nothing of HTTP).</summary>
    static IResult File(LayoutExports exports, RenderedLayout r, HttpContext http)
    {
        http.Response.Headers["Export-Widgets"] = exports.WidgetsHeader(r);
        http.Response.Headers["Export-Pages"] = r.Pages.ToString(CultureInfo.InvariantCulture);
        return TypedResults.File(r.Bytes, r.MediaType, r.FileName);
    }

    static string Seconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    sealed class Lease(Action release) : IDisposable
    {
        int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) release(); }
    }
}
