using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>What a test send came to.</summary>
public sealed record SinkTestResult(bool Delivered, int? HttpStatus, int LatencyMs, string? Error);

/// <summary>POST /sources/{source}/sinks/{id}/test: a signed test event sent now, outside the sink's sequence
/// (<c>"test": true</c>, <c>sequence</c> 0, no rows), and what the receiver answered. One attempt, no retry; counted
/// with the destinations' test sends (<see cref="TestSendThrottle"/>: one at a time, EXPORTS_TEST_SENDS_PER_MINUTE; 429).</summary>
public sealed class SendSinkTest(SinkStore store, SinkSender sender, TestSendThrottle throttle, TimeProvider clock)
    : Endpoint<SinkIdRequest, Results<Ok<SinkTestResult>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/sinks/{id:guid}/test");
        Description(d => d.WithTags("Sinks").WithSummary("Send a signed test event to a webhook sink").Produces<SinkTestResult>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<SinkTestResult>, ProblemHttpResult>> ExecuteAsync(SinkIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await store.GetAsync(owner, req.Source, req.Id, ct) is not { } sink || await store.SecretAsync(sink.Id, ct) is not { } secret)
            return Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
        var (lease, refusal) = throttle.TryStart(owner);
        if (refusal is not null) return TestSendThrottle.Refuse(HttpContext, refusal);
        using var _ = lease;
        var body = JsonSerializer.Serialize(new { sink = sink.Id, source = sink.Source, test = true, sequence = 0, sentAt = clock.GetUtcNow(), batch = (object?)null, rows = Array.Empty<object>() },
            JsonSerializerOptions.Web);
        var r = await sender.SendAsync(sink.Url, secret, body, $"test-{Guid.CreateVersion7()}", ct);
        return TypedResults.Ok(new SinkTestResult(r.Outcome == SendOutcome.Delivered, r.HttpStatus, r.LatencyMs, r.Error));
    }
}
