using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Exports.Delivery;

namespace Exports.Tests.Infrastructure;

/// <summary>A webhook receiver on loopback (HttpListener) as a customer would write one: it verifies every request's
/// <c>Exports-Signature</c> against the secret (HMAC-SHA256 over "t.body"), keeps the body, the Idempotency-Key and the
/// batch sequence, and answers what <c>answer</c> says for the n-th request (0-based; default 200).</summary>
public sealed class SinkReceiver : IDisposable
{
    readonly HttpListener _listener = new();
    readonly string _secret;
    public string Url { get; }
    public Func<int, (int Status, string? RetryAfter)> Answer { get; set; } = _ => (200, null);
    /// <summary>Waits this long before answering (a slow receiver).</summary>
    public TimeSpan Delay { get; set; }
    public ConcurrentQueue<Received> All { get; } = new();
    public ConcurrentQueue<string> BadSignatures { get; } = new();
    int _count, _inFlight, _maxInFlight;
    /// <summary>Most requests held at once (arrived, not yet answered).</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    /// <summary>Requests that arrived, answered or not yet (one being held by <see cref="Delay"/> counts).</summary>
    public int Arrived => Volatile.Read(ref _count);

    public sealed record Received(int Index, string Body, string IdempotencyKey, long Sequence, JsonElement Json, int Answered, DateTimeOffset At, string Signature);

    public SinkReceiver(string secret)
    {
        _secret = secret;
        var port = TestPorts.Free();
        Url = $"http://127.0.0.1:{port}/sink/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); } catch { return; }
                _ = Task.Run(() => HandleAsync(ctx));
            }
        });
    }

    async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            using var reader = new StreamReader(ctx.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var index = Interlocked.Increment(ref _count) - 1;
            var inFlight = Interlocked.Increment(ref _inFlight);
            for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
                Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            if (!Verify(ctx.Request.Headers["Exports-Signature"], body)) BadSignatures.Enqueue(body);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
            var (status, retryAfter) = Answer(index);
            var json = JsonDocument.Parse(body).RootElement.Clone();
            All.Enqueue(new Received(index, body, ctx.Request.Headers["Idempotency-Key"] ?? "", json.GetProperty("sequence").GetInt64(), json, status, DateTimeOffset.UtcNow,
                ctx.Request.Headers["Exports-Signature"] ?? ""));
            ctx.Response.StatusCode = status;
            if (retryAfter is not null) ctx.Response.AddHeader("Retry-After", retryAfter);
            Interlocked.Decrement(ref _inFlight);
            ctx.Response.Close();
        }
        catch (Exception e) { BadSignatures.Enqueue("receiver error: " + e.Message); try { ctx.Response.Abort(); } catch { } }
    }

    /// <summary>What a receiver does: t and v1 from the header, HMAC-SHA256(secret, "t.body") compared in constant time.</summary>
    bool Verify(string? header, string body)
    {
        if (header is null) return false;
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var ts) || !parts.TryGetValue("v1", out var v1)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) > 300) return false; // replay window
        var expected = WebhookChannel.Sign(_secret, ts, body);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(v1));
    }

    /// <summary>The 2xx-answered batches, one per sequence (the first 2xx of each), in sequence order.</summary>
    public List<Received> Accepted() =>
        All.Where(r => r.Answered is >= 200 and < 300).GroupBy(r => r.Sequence).Select(g => g.OrderBy(r => r.Index).First()).OrderBy(r => r.Sequence).ToList();

    public async Task<List<Received>> WaitAsync(Func<SinkReceiver, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(this))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The receiver got {All.Count} requests: {string.Join(" | ", All.Select(r => $"#{r.Sequence}->{r.Answered}"))}");
            await Task.Delay(50);
        }
        return Accepted();
    }

    public void Dispose() => _listener.Close();
}
