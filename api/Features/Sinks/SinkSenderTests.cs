using Exports.Features.Sinks;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sinks;

/// <summary>How one send to a real receiver (an HttpListener that checks the signature) is classified, and how long
/// a retry waits: 5xx, 408, 429, timeouts and lost connections are retried (Retry-After kept, bounded); any other 4xx
/// and a redirect are not.</summary>
public sealed class SinkSenderTests
{
    const string Secret = "sender-test-secret";
    const string Body = """{"sequence":1,"rows":[]}""";

    /// <summary>A plain client with the given timeout: the classification, not the network guard, is under test.</summary>
    sealed class Clients(TimeSpan timeout) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) =>
            new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout };
    }

    static SinkSender Sender(TimeSpan? timeout = null) => new(new Clients(timeout ?? TimeSpan.FromSeconds(15)), TimeProvider.System);

    [Theory]
    [InlineData(200, null, SendOutcome.Delivered, null)]
    [InlineData(204, null, SendOutcome.Delivered, null)]
    [InlineData(500, null, SendOutcome.Retry, null)]
    [InlineData(503, "7", SendOutcome.Retry, 7)]
    [InlineData(408, null, SendOutcome.Retry, null)]
    [InlineData(429, "120", SendOutcome.Retry, 120)]
    [InlineData(400, null, SendOutcome.Permanent, null)]
    [InlineData(404, "5", SendOutcome.Permanent, null)]
    [InlineData(413, null, SendOutcome.Permanent, null)]
    [InlineData(302, null, SendOutcome.Permanent, null)]
    public async Task EachAnswer_IsClassified_WithItsStatusAndRetryAfter(int status, string? retryAfter, SendOutcome expected, int? retryAfterSeconds)
    {
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (status, retryAfter) };
        var result = await Sender().SendAsync(receiver.Url, Secret, Body, "k-1", CancellationToken.None);
        Assert.Equal(expected, result.Outcome);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, result.RetryAfter);
        Assert.Empty(receiver.BadSignatures);
        Assert.Equal("k-1", Assert.Single(receiver.All).IdempotencyKey);
        if (expected == SendOutcome.Delivered) Assert.Null(result.Error);
        else Assert.Contains($"HTTP {status}", result.Error);
        if (status == 302) Assert.Contains("redirects are not followed", result.Error);
    }

    [Fact]
    public async Task ARetryAfterDate_IsTheTimeUntilIt()
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(90);
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (429, at.ToString("R")) };
        var result = await Sender().SendAsync(receiver.Url, Secret, Body, "k-2", CancellationToken.None);
        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.InRange(result.RetryAfter!.Value.TotalSeconds, 80, 91);
    }

    [Fact]
    public async Task AReceiverThatDoesNotAnswerInTime_IsRetried_AsATimeout()
    {
        using var receiver = new SinkReceiver(Secret) { Delay = TimeSpan.FromSeconds(5) };
        var result = await Sender(TimeSpan.FromMilliseconds(300)).SendAsync(receiver.Url, Secret, Body, "k-3", CancellationToken.None);
        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.HttpStatus);
        Assert.StartsWith("Timed out", result.Error);
        Assert.InRange(result.LatencyMs, 250, 4000);
    }

    [Fact]
    public async Task ARefusedConnection_IsRetried()
    {
        var result = await Sender().SendAsync($"http://127.0.0.1:{TestPorts.Free()}/nobody/", Secret, Body, "k-4", CancellationToken.None);
        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.HttpStatus);
        Assert.StartsWith("Connection failed", result.Error);
    }

    [Fact]
    public async Task ASendCancelledByTheNode_IsNotCountedAsATimeout_ItThrows()
    {
        using var receiver = new SinkReceiver(Secret) { Delay = TimeSpan.FromSeconds(5) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sender().SendAsync(receiver.Url, Secret, Body, "k-5", stop.Token));
    }

    [Fact]
    public void Backoff_IsFullJitterUnderADoublingCeiling_NeverUnderARetryAfter_AndRetryAfterIsCapped()
    {
        for (var attempts = 1; attempts <= 30; attempts++)
        {
            var ceiling = Math.Min(SinkPump.BackoffCap.TotalMilliseconds, SinkPump.BackoffBase.TotalMilliseconds * Math.Pow(2, attempts - 1));
            var waits = Enumerable.Range(0, 200).Select(_ => SinkPump.Backoff(attempts, null).TotalMilliseconds).ToList();
            Assert.All(waits, w => Assert.InRange(w, 0, ceiling));
            // Jitter: spread over the range, not one value (200 samples: the chance all fall in one half is 2^-199).
            Assert.True(waits.Min() < ceiling / 2 && waits.Max() > ceiling / 2, $"attempt {attempts}: {waits.Min()}..{waits.Max()} of {ceiling}");
        }
        Assert.All(Enumerable.Range(0, 50), _ => Assert.True(SinkPump.Backoff(1, TimeSpan.FromSeconds(7)) >= TimeSpan.FromSeconds(7)));
        Assert.Equal(SinkPump.RetryAfterCap, SinkPump.Backoff(1, TimeSpan.FromHours(5)));
        Assert.InRange(SinkPump.Backoff(1, TimeSpan.FromSeconds(-30)).TotalMilliseconds, 0, SinkPump.BackoffBase.TotalMilliseconds);
    }
}
