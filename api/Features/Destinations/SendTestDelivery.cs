using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using Exports.Storage;

namespace Exports.Features.Destinations;

/// <summary>The outcome of a test send: <c>Ok</c> with what the receiver said (HTTP status, object key, path,
/// recipients), or the reason it failed. The file is a few hundred bytes of text named <c>FileName</c>.</summary>
public sealed record TestDeliveryResult(bool Ok, string Kind, string? Detail, string? Error, string FileName, long Bytes, long DurationMs, DateTimeOffset SentAt);

/// <summary>"Send test": POST /destinations/{id}/test sends a small text file to a saved destination (a body, when
/// given, is the form being edited: its settings, with the stored secrets for boxes left empty); POST
/// /destinations/test sends it to an unsaved form. One attempt with a time limit, through the same channels, network
/// guard and secrets as deliveries; nothing is stored, and secrets are never echoed. A body that is not valid is a
/// 400 with the save's field errors; a send that fails is a 200 with <c>Ok</c> false and its reason.</summary>
public static class SendTestDelivery
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);

    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/destinations/test", async (DestinationBody body, IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (await ManageDestinations.ValidateAsync(body, [], settings, ct) is { } refused) return refused;
                var d = new Destination(Guid.Empty, user.OwnerId(), body.Name!.Trim(), body.Kind!.Trim().ToLowerInvariant(), body.Config!.Value,
                    Given(body));
                return TypedResults.Ok(await SendAsync(d, channels, settings, clock, ct));
            })
            .WithTags("Destinations").WithSummary("Send a test file to a destination not saved yet")
            .Produces<TestDeliveryResult>().ProducesProblem(400);

        // The body is optional (none: the saved destination as it is), so it is read here: a declared optional body
        // would still make routing refuse a POST without a JSON content type.
        g.MapPost("/destinations/{id:guid}/test", async (Guid id, HttpRequest request, Exports.Delivery.Destinations store, IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if ((await store.LoadAsync(owner, [id], ct)).FirstOrDefault() is not { } saved) return (IResult)Problems.NotFound($"No destination {id}.");
                DestinationBody? body = null;
                if (request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
                {
                    try { body = await JsonSerializer.DeserializeAsync<DestinationBody>(request.Body, JsonSerializerOptions.Web, ct); }
                    catch (JsonException e) { return Problems.Field(BadRequests.JsonField(e.Path), JsonErrors.Reason(e.Message)); }
                }
                var d = saved;
                if (body is not null)
                {
                    if (await ManageDestinations.ValidateAsync(body, saved.Secrets.Keys.ToList(), settings, ct) is { } refused) return refused;
                    var secrets = new Dictionary<string, string>(saved.Secrets);
                    foreach (var (k, v) in Given(body)) secrets[k] = v;
                    d = saved with { Name = body.Name!.Trim(), Kind = body.Kind!.Trim().ToLowerInvariant(), Config = body.Config!.Value, Secrets = secrets };
                }
                return TypedResults.Ok(await SendAsync(d, channels, settings, clock, ct));
            })
            .WithTags("Destinations").WithSummary("Send a test file to a saved destination (or to its form's unsaved changes)")
            .WithDescription("Without a body: the saved destination as it is. With a JSON destination body (name, kind, config, secrets): "
                + "those settings, the stored secrets filling any left out; checked as a save is, and not saved.")
            .Produces<TestDeliveryResult>().ProducesProblem(400).ProducesProblem(404);
    }

    static Dictionary<string, string> Given(DestinationBody body) =>
        (body.Secrets ?? []).Where(s => s.Value is { Length: > 0 }).ToDictionary(s => s.Key, s => s.Value);

    /// <summary>Sends the test file once through the destination's channel; never throws for the receiver's sake.</summary>
    public static async Task<TestDeliveryResult> SendAsync(Destination d, IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var fileName = $"exports-test-{now:yyyyMMdd-HHmmss}.txt";
        var bytes = Encoding.UTF8.GetBytes(
            $"A test file from Exports, sent {now:yyyy-MM-dd HH:mm:ss} UTC to the destination \"{d.Name}\" ({d.Kind}).\nIf you can read this, deliveries to it work.\n");
        var job = new JobRecord
        {
            Id = Guid.CreateVersion7(), OwnerId = d.OwnerId, Kind = "test", Format = "txt", Title = "Test delivery", Source = "test",
            Status = JobStatus.Completed, FileName = fileName, MediaType = "text/plain; charset=utf-8", SizeBytes = bytes.Length, RowCount = 0,
            Checksum = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), ExpiresAt = now.AddDays(1),
        };
        TestDeliveryResult Result(bool ok, string? detail, string? error, Stopwatch sw) => new(ok, d.Kind, detail, error, fileName, bytes.Length, sw.ElapsedMilliseconds, now);
        var sw = Stopwatch.StartNew();
        if (channels.FirstOrDefault(c => c.Kind == d.Kind) is not { } channel) return Result(false, null, $"This server cannot deliver to {d.Kind} destinations.", sw);
        if (d.Kind == "email" && settings.SmtpHost is null) return Result(false, null, DestinationKinds.NoMailServer, sw);
        if (await NetworkGuard.RefusalAsync(NetworkGuard.HostOf(d), settings.DeliveryAllowPrivateNetworks, ct) is { } refusal) return Result(false, null, refusal, sw);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeLimit);
        var context = new DeliveryContext(job, d, Guid.CreateVersion7(), $"{settings.PublicUrl}/destinations",
            _ => Task.FromResult<ArtifactRead?>(new ArtifactRead(new MemoryStream(bytes), bytes.Length, bytes.Length)), Test: true);
        try
        {
            var detail = await channel.DeliverAsync(context, limit.Token);
            return Result(true, detail, null, sw);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Result(false, null, $"No answer within {TimeLimit.TotalSeconds:0} s; nothing was confirmed.", sw);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Result(false, null, NetworkGuard.RefusalIn(e)?.Message ?? e.Message, sw);
        }
    }
}
