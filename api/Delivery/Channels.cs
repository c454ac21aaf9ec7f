using System.Net;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Storage;

namespace Exports.Delivery;

/// <summary>What a channel needs to deliver one finished export.</summary>
public sealed record DeliveryContext(JobRecord Job, Destination Destination, Guid DeliveryId, string Link,
    Func<CancellationToken, Task<ArtifactRead?>> Open);

/// <summary>A failure worth another attempt (server busy, timeout, connection lost).</summary>
public sealed class TransientDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

public interface IDeliveryChannel
{
    string Kind { get; }
    /// <summary>Delivers; returns what the receiver said (message id, object key, status).</summary>
    Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct);
}

/// <summary>E-mail over SMTP (System.Net.Mail, STARTTLS when configured): the file attached up to a size, a signed
/// download link above it.</summary>
public sealed class EmailChannel(ExportsSettings settings) : IDeliveryChannel
{
    public string Kind => "email";
    public const long DefaultAttachUpTo = 10 * 1024 * 1024;

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        if (settings.SmtpHost is null) throw new InvalidOperationException("E-mail delivery is not configured on this server (EXPORTS_SMTP_HOST).");
        var d = ctx.Destination;
        var job = ctx.Job;
        var to = d.Config.GetProperty("to").EnumerateArray().Select(x => x.GetString()!).ToList();
        var subjectTemplate = d.Get("subject") ?? "Export ready: {template}";
        var subject = Placeholders.Expand(subjectTemplate, job.Source, job.Title, null, DateTimeOffset.UtcNow, TimeZoneInfo.Utc);
        var attachUpTo = d.Config.TryGetProperty("attachUpToBytes", out var a) && a.TryGetInt64(out var lim) ? lim : DefaultAttachUpTo;
        var attach = (job.SizeBytes ?? 0) <= attachUpTo;
        using var msg = new MailMessage { From = new MailAddress(settings.SmtpFrom, "Exports"), Subject = subject, BodyEncoding = Encoding.UTF8, SubjectEncoding = Encoding.UTF8 };
        foreach (var t in to) msg.To.Add(t);
        msg.Headers.Add("X-Exports-Delivery", ctx.DeliveryId.ToString());
        var body = new StringBuilder()
            .AppendLine($"{job.FileName}: {job.RowCount:N0} rows, {job.SizeBytes:N0} bytes ({job.Checksum}).")
            .AppendLine(attach ? "The file is attached." : $"Download it (link valid until {job.ExpiresAt:yyyy-MM-dd HH:mm} UTC): {ctx.Link}");
        msg.Body = body.ToString();
        ArtifactRead? file = null;
        try
        {
            if (attach)
            {
                file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone.");
                msg.Attachments.Add(new Attachment(file.Body, job.FileName, job.MediaType.Split(';')[0]));
            }
            using var smtp = new SmtpClient(settings.SmtpHost, settings.SmtpPort) { EnableSsl = settings.SmtpStartTls, DeliveryMethod = SmtpDeliveryMethod.Network };
            if (settings.SmtpUser is not null) smtp.Credentials = new NetworkCredential(settings.SmtpUser, settings.SmtpPassword);
            try { await smtp.SendMailAsync(msg, ct); }
            catch (SmtpException e) when (e.StatusCode is SmtpStatusCode.ServiceNotAvailable or SmtpStatusCode.MailboxBusy or SmtpStatusCode.InsufficientStorage or SmtpStatusCode.GeneralFailure || e.InnerException is IOException or System.Net.Sockets.SocketException)
            {
                throw new TransientDeliveryException($"SMTP: {e.Message}", e);
            }
            return $"sent to {string.Join(", ", to)}{(attach ? " with the file attached" : " with a download link")}";
        }
        finally { if (file is not null) await file.DisposeAsync(); }
    }
}

/// <summary>An HTTPS POST of a JSON event, signed: <c>Exports-Signature: t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body"))</c>
/// so receivers can check it and reject replays; <c>Idempotency-Key</c> is the delivery's id on every attempt.</summary>
public sealed class WebhookChannel(IHttpClientFactory http) : IDeliveryChannel
{
    public string Kind => "webhook";

    public static string Sign(string secret, long timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        var job = ctx.Job;
        var body = JsonSerializer.Serialize(new
        {
            id = ctx.DeliveryId, type = "export.completed", createdAt = DateTimeOffset.UtcNow,
            data = new { exportId = job.Id, status = job.Status, fileName = job.FileName, sizeBytes = job.SizeBytes, rowCount = job.RowCount, checksum = job.Checksum, link = ctx.Link, expiresAt = job.ExpiresAt },
        }, JsonSerializerOptions.Web);
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var req = new HttpRequestMessage(HttpMethod.Post, ctx.Destination.Get("url")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        req.Headers.Add("Idempotency-Key", ctx.DeliveryId.ToString());
        if (ctx.Destination.Secrets.TryGetValue("signingSecret", out var secret))
            req.Headers.Add("Exports-Signature", $"t={t},v1={Sign(secret, t, body)}");
        var client = http.CreateClient("webhooks");
        HttpResponseMessage res;
        try { res = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) { throw new TransientDeliveryException($"Webhook: {e.Message}", e); }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { throw new TransientDeliveryException("Webhook: timed out.", e); }
        using var _ = res; // the body is never read: a receiver cannot make us buffer it
        var code = (int)res.StatusCode;
        if (res.IsSuccessStatusCode) return $"HTTP {code}";
        if (code >= 500 || code is 408 or 429) throw new TransientDeliveryException($"Webhook answered HTTP {code}.");
        throw new InvalidOperationException($"Webhook answered HTTP {code}; not retried.");
    }
}

/// <summary>The user's S3-compatible bucket: the file under the destination's prefix, streamed as a multipart upload.</summary>
public sealed class S3Channel : IDeliveryChannel
{
    public string Kind => "s3";

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        var d = ctx.Destination;
        using var s3 = new S3ArtifactStore(d.Get("endpoint"), d.Get("bucket")!, (d.Get("prefix") ?? "").Trim('/'), d.Get("region"),
            d.Secrets["accessKey"], d.Secrets["secretKey"], !d.Config.TryGetProperty("pathStyle", out var ps) || ps.ValueKind != JsonValueKind.False);
        await using var file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone.");
        try { return "s3://" + d.Get("bucket") + "/" + await s3.PutAsync(ctx.Job.FileName, file.Body, ctx.Job.MediaType, ct); }
        catch (Amazon.S3.AmazonS3Exception e) when ((int)e.StatusCode >= 500) { throw new TransientDeliveryException($"S3 answered {(int)e.StatusCode}: {e.Message}", e); }
        catch (HttpRequestException e) { throw new TransientDeliveryException($"S3: {e.Message}", e); }
    }
}
