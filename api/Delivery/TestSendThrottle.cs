using Exports.Host;
using Exports.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Delivery;

/// <summary>Why a test send was refused (a 429), and when to retry.</summary>
public sealed record TestSendRefusal(string Title, string Detail, TimeSpan RetryAfter);

/// <summary>
/// Bounds "Send test" per owner (a destination's, a webhook sink's: one count for both), so that it cannot be looped
/// into a mail cannon (up to 20 recipients a send, through this server's SMTP) or a port scanner (up to
/// <see cref="TimeLimit"/> a probe): one test at a time,
/// and at most <see cref="ExportsSettings.TestSendsPerMinute"/> started within any minute (EXPORTS_TEST_SENDS_PER_MINUTE).
/// Counted per request (an e-mail test to 20 recipients is one), in this node's memory: behind a load balancer an owner
/// gets up to nodes × the limit.
/// </summary>
public sealed class TestSendThrottle(ExportsSettings settings, TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    /// <summary>The longest one test send may take (the answer says so after it).</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(5);

    sealed class Owner
    {
        public bool Busy;
        public readonly Queue<DateTimeOffset> Starts = new();
    }

    readonly Dictionary<Guid, Owner> _owners = new();

    /// <summary>Starts a test send for <paramref name="owner"/>: a lease to dispose when it ends, or the refusal.</summary>
    public (IDisposable? Lease, TestSendRefusal? Refusal) TryStart(Guid owner)
    {
        var now = clock.GetUtcNow();
        lock (_owners)
        {
            if (_owners.Count > 10_000) Sweep(now);
            if (!_owners.TryGetValue(owner, out var o)) _owners[owner] = o = new Owner();
            while (o.Starts.Count > 0 && now - o.Starts.Peek() >= Window) o.Starts.Dequeue();
            if (o.Busy)
                return (null, new TestSendRefusal("A test send is already running",
                    $"One test send runs at a time per account, and one of yours is still running (it takes at most {TimeLimit.TotalSeconds:0} s). "
                    + $"Nothing was sent; retry after {BusyRetry.TotalSeconds:0} s (Retry-After).", BusyRetry));
            if (o.Starts.Count >= settings.TestSendsPerMinute)
            {
                var wait = o.Starts.Peek() + Window - now;
                if (wait < TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
                return (null, new TestSendRefusal("Too many test sends",
                    $"An account may make {settings.TestSendsPerMinute} test sends a minute (EXPORTS_TEST_SENDS_PER_MINUTE). "
                    + $"Nothing was sent; the next one can start in {Math.Ceiling(wait.TotalSeconds):0} s (Retry-After).", wait));
            }
            o.Busy = true;
            o.Starts.Enqueue(now);
            return (new Lease(this, owner), null);
        }
    }

    void End(Guid owner)
    {
        lock (_owners)
            if (_owners.TryGetValue(owner, out var o)) o.Busy = false;
    }

    void Sweep(DateTimeOffset now)
    {
        foreach (var (id, o) in _owners.ToList())
            if (!o.Busy && (o.Starts.Count == 0 || now - o.Starts.Last() >= Window)) _owners.Remove(id);
    }

    sealed class Lease(TestSendThrottle throttle, Guid owner) : IDisposable
    {
        int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) throttle.End(owner);
        }
    }

    /// <summary>The 429 Problem Details for a refusal, with Retry-After in whole seconds.</summary>
    public static ProblemHttpResult Refuse(HttpContext http, TestSendRefusal r)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(r.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Status(429, r.Title, r.Detail);
    }
}
