using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Exports.Delivery;

namespace Exports.Features.Sinks;

public enum SendOutcome { Delivered, Retry, Permanent }

/// <summary>What one POST to a sink's receiver came to: <c>Retry</c> for 5xx, 408, 429, timeouts and lost connections
/// (<c>RetryAfter</c> when the receiver said), <c>Permanent</c> for any other non-2xx (a 3xx: redirects are not
/// followed) and for a network-guard refusal.</summary>
public sealed record SendResult(SendOutcome Outcome, int? HttpStatus, int LatencyMs, string? Error, TimeSpan? RetryAfter);

/// <summary>POSTs a sink's JSON body signed as delivery webhooks are (<see cref="WebhookChannel.Sign"/>:
/// <c>Exports-Signature: t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body"))</c>) with its <c>Idempotency-Key</c>, through
/// the delivery webhooks' HTTP client: every connection through <see cref="NetworkGuard"/>, no redirects, a 15 s
/// timeout, and the response body never read (a receiver cannot make the sender buffer anything).</summary>
public sealed class SinkSender(IHttpClientFactory http, TimeProvider clock)
{
    public async Task<SendResult> SendAsync(string url, string secret, string body, string idempotencyKey, CancellationToken ct)
    {
        var t = clock.GetUtcNow().ToUnixTimeSeconds();
        using var req = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        req.Headers.Add("Idempotency-Key", idempotencyKey);
        req.Headers.Add("Exports-Signature", $"t={t},v1={WebhookChannel.Sign(secret, t, body)}");
        var started = Stopwatch.GetTimestamp();
        int Ms() => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        HttpResponseMessage res;
        try { res = await http.CreateClient("webhooks").SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) when (NetworkGuard.RefusalIn(e) is { } refused) { return new(SendOutcome.Permanent, null, Ms(), refused.Message, null); }
        catch (HttpRequestException e) { return new(SendOutcome.Retry, null, Ms(), $"Connection failed: {e.Message}", null); }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested) { return new(SendOutcome.Retry, null, Ms(), "Timed out after 15 s.", null); }
        using var _ = res;
        var code = (int)res.StatusCode;
        if (res.IsSuccessStatusCode) return new(SendOutcome.Delivered, code, Ms(), null, null);
        if (code >= 500 || code is 408 or 429) return new(SendOutcome.Retry, code, Ms(), $"The receiver answered HTTP {code}.", RetryAfter(res.Headers.RetryAfter));
        if (code is >= 300 and < 400)
            return new(SendOutcome.Permanent, code, Ms(), $"The receiver answered HTTP {code}, a redirect; redirects are not followed: set the sink's url to where it points.", null);
        return new(SendOutcome.Permanent, code, Ms(), $"The receiver answered HTTP {code}; a 4xx other than 408 and 429 is not retried.", null);
    }

    TimeSpan? RetryAfter(RetryConditionHeaderValue? h) =>
        h?.Delta ?? (h?.Date is { } at ? at - clock.GetUtcNow() : null);
}
