using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using Exports.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>The outcome of a test send: <c>Ok</c> with what the receiver said (HTTP status, object key, path,
/// recipients), or the reason it failed. The file is a few hundred bytes of text named <c>FileName</c>.</summary>
public sealed record TestDeliveryResult(bool Ok, string Kind, string? Detail, string? Error, string FileName, long Bytes, long DurationMs, DateTimeOffset SentAt);

/// <summary>"Send test" (<see cref="SendSavedTest"/>, <see cref="SendFormTest"/>): sends a small text file to a
/// destination. One attempt with a time limit, through the same channels, network
/// guard and secrets as deliveries; nothing is stored, and secrets are never echoed. A body that is not valid is a
/// 400 with the save's field errors; a send that fails is a 200 with <c>Ok</c> false and its reason.</summary>
public static class SendTestDelivery
{
    public static readonly TimeSpan TimeLimit = TestSendThrottle.TimeLimit;

    /// <summary>What a test's user sees when this server's own mail relay fails (connection, TLS, login, sender or
    /// message refused): its host, port and settings are the administrator's, so the reason goes to the log.</summary>
    public const string ServerMailFailure = "This server's mail service failed to send the test; the administrator can see why in the server log.";

    /// <summary>Sends the test under the owner's throttle: the result, or the 429 with Retry-After when a test of the
    /// owner's is still running or the minute's sends are used up.</summary>
    public static async Task<Results<Ok<TestDeliveryResult>, ProblemHttpResult>> ThrottledAsync(Destination d, IEnumerable<IDeliveryChannel> channels,
        ExportsSettings settings, TimeProvider clock, TestSendThrottle throttle, ILoggerFactory logs, HttpContext http, CancellationToken ct)
    {
        var (lease, refusal) = throttle.TryStart(d.OwnerId);
        if (refusal is not null) return TestSendThrottle.Refuse(http, refusal);
        using (lease)
            return TypedResults.Ok(await SendAsync(d, channels, settings, clock, ct, logs.CreateLogger(typeof(SendTestDelivery).FullName!)));
    }

    /// <summary>The secrets a form gives (empty boxes are left out, so the stored ones can fill them).</summary>
    public static Dictionary<string, string> Given(DestinationBody body) =>
        (body.Secrets ?? []).Where(s => s.Value is { Length: > 0 }).ToDictionary(s => s.Key, s => s.Value);

    /// <summary>Whether a form's kind and receiver are the saved destination's, so that its stored secrets may be used.</summary>
    public static bool SameTarget(Destination saved, DestinationBody body) =>
        body.Kind?.Trim().ToLowerInvariant() is { } kind && kind == saved.Kind
        && body.Config is { ValueKind: JsonValueKind.Object } config
        && Target(kind, config) is { } target && target == Target(saved.Kind, saved.Config);

    /// <summary>Who receives a destination's deliveries (and its secrets): null when it cannot be told.</summary>
    static string? Target(string kind, JsonElement c)
    {
        if (c.ValueKind != JsonValueKind.Object) return null;
        string? S(string key) => c.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        switch (kind)
        {
            case "email":
                return "email";
            case "webhook":
                return Uri.TryCreate(S("url"), UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.IdnHost.ToLowerInvariant()}:{u.Port}" : null;
            case "s3":
                var ep = S("endpoint");
                string endpoint = ep is null ? "aws" : Uri.TryCreate(ep, UriKind.Absolute, out var e) ? $"{e.Scheme}://{e.IdnHost.ToLowerInvariant()}:{e.Port}{e.AbsolutePath.TrimEnd('/')}" : ep;
                return $"{endpoint}|{S("bucket")}";
            case "sftp":
                var port = c.TryGetProperty("port", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var pn) ? pn : 22;
                return $"{S("host")?.Trim().ToLowerInvariant()}|{port}|{S("username")}";
            default:
                return null;
        }
    }

    /// <summary>Sends the test file once through the destination's channel; never throws for the receiver's sake.</summary>
    public static async Task<TestDeliveryResult> SendAsync(Destination d, IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock, CancellationToken ct, ILogger? log = null)
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
            _ => Task.FromResult<ArtifactRead?>(new ArtifactRead(new MemoryStream(bytes), bytes.Length, bytes.Length)), clock.GetUtcNow(), Test: true);
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
            if (d.Kind == "email") return Result(false, null, MailFailure(e, log), sw);
            return Result(false, null, NetworkGuard.RefusalIn(e)?.Message ?? e.Message, sw);
        }
    }

    /// <summary>A failed test e-mail as its user may see it: a recipient the relay refused is named with the relay's
    /// answer (the user's own address); anything else is this server's mail service failing, told in general words,
    /// its detail (host, port, settings; never a password) logged as a warning for the administrator.</summary>
    static string MailFailure(Exception e, ILogger? log)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is MailKit.Net.Smtp.SmtpCommandException { ErrorCode: MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted } r)
                return $"The mail server refused the recipient {r.Mailbox?.Address ?? "(unknown)"}: {(int)r.StatusCode} {r.Message}";
        log?.LogWarning("A test e-mail failed at this server's mail service ({Type}): {Reason}", e.GetType().Name, e.Message);
        return ServerMailFailure;
    }
}
