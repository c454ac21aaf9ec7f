using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Storage;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Exports.Delivery;

/// <summary>What a channel needs to deliver one finished export. <paramref name="Test"/>: a small test file sent
/// from the Destinations page ("Send test"), said so in the e-mail's subject and the webhook event's type.</summary>
public sealed record DeliveryContext(JobRecord Job, Destination Destination, Guid DeliveryId, string Link,
    Func<CancellationToken, Task<ArtifactRead?>> Open, DateTimeOffset Now, bool Test = false);

/// <summary>A failure worth another attempt (server busy, timeout, connection lost).</summary>
public sealed class TransientDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

public interface IDeliveryChannel
{
    string Kind { get; }
    /// <summary>Delivers; returns what the receiver said (message id, object key, status).</summary>
    Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct);
}

/// <summary>E-mail over SMTP (MailKit): the file attached up to a size, a signed download link above it. With
/// EXPORTS_SMTP_STARTTLS (the default) TLS is required: a server that does not offer STARTTLS, or whose certificate
/// is not trusted (system trust, or the SHA-256 pinned in EXPORTS_SMTP_TLS_FINGERPRINT), fails the delivery before
/// anything is sent. The SMTP host is the operator's: it is resolved once and the connection goes to that address
/// (so the name checked for TLS and the address connected to cannot drift apart).</summary>
public sealed class EmailChannel(ExportsSettings settings) : IDeliveryChannel
{
    public string Kind => "email";
    public const long DefaultAttachUpTo = 10 * 1024 * 1024;
    static readonly MimeKit.ParserOptions StrictAddresses = new() { AllowAddressesWithoutDomain = false };

    /// <summary>A bare e-mail address (user@domain), without a display name or a list.</summary>
    public static bool IsAddress(string? s) =>
        s is { Length: > 0 and <= 254 } && !s.Any(char.IsControl) && MimeKit.MailboxAddress.TryParse(StrictAddresses, s, out var m)
        && string.IsNullOrEmpty(m.Name) && m.Address == s.Trim() && m.Address.IndexOf('@') is > 0 and var at && at < m.Address.Length - 1;

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        if (settings.SmtpHost is null) throw new InvalidOperationException("E-mail delivery is not configured on this server (EXPORTS_SMTP_HOST).");
        var d = ctx.Destination;
        var job = ctx.Job;
        var to = d.Config.GetProperty("to").EnumerateArray().Select(x => x.GetString()!).ToList();
        var subjectTemplate = d.Get("subject") ?? "Export ready: {template}";
        var subject = ctx.Test ? $"Test from Exports: {d.Name}"
            : Placeholders.Expand(subjectTemplate, job.Source, job.Title, null, ctx.Now, TimeZoneInfo.Utc);
        var attachUpTo = d.Config.TryGetProperty("attachUpToBytes", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Number && a.TryGetInt64(out var lim) ? lim : DefaultAttachUpTo;
        var attach = (job.SizeBytes ?? 0) <= attachUpTo;
        using var msg = new MimeMessage();
        msg.From.Add(new MailboxAddress("Exports", settings.SmtpFrom));
        foreach (var t in to) msg.To.Add(MailboxAddress.Parse(StrictAddresses, t));
        msg.Subject = subject;
        msg.Headers.Add("X-Exports-Delivery", ctx.DeliveryId.ToString());
        var body = new BodyBuilder
        {
            TextBody = new StringBuilder()
                .Append(ctx.Test ? $"A test from Exports: the destination \"{d.Name}\" reaches this mailbox.\n\n" : "")
                .AppendLine($"{job.FileName}: {job.RowCount:N0} rows, {job.SizeBytes:N0} bytes ({job.Checksum}).")
                .AppendLine(attach ? "The file is attached." : $"Download it (link valid until {job.ExpiresAt:yyyy-MM-dd HH:mm} UTC): {ctx.Link}")
                .ToString(),
        };
        if (attach)
        {
            // Bounded by attachUpToBytes (at most 25 MiB): MimeKit keeps the attachment while the message is sent.
            await using var file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone.");
            var part = (MimePart)await body.Attachments.AddAsync(job.FileName, file.Body, ContentType.Parse(job.MediaType.Split(';')[0]), ct);
            part.ContentTransferEncoding = ContentEncoding.Base64; // byte for byte: text parts would get their line endings rewritten
        }
        msg.Body = body.ToMessageBody();
        await SendAsync(msg, ct);
        return $"sent to {string.Join(", ", to)}{(attach ? " with the file attached" : " with a download link")}";
    }

    /// <summary>Connects (TLS as the settings require), logs in when configured, sends, and says clearly why not.</summary>
    public async Task SendAsync(MimeMessage msg, CancellationToken ct)
    {
        var host = settings.SmtpHost!;
        var port = settings.SmtpPort;
        string? presented = null;
        using var smtp = new SmtpClient { Timeout = 30_000 };
        smtp.ServerCertificateValidationCallback = (_, cert, _, errors) =>
        {
            if (settings.SmtpTlsFingerprint is not { } pin) return errors == SslPolicyErrors.None;
            presented = cert is null ? "none" : Convert.ToHexStringLower(SHA256.HashData(cert.GetRawCertData()));
            return presented == pin;
        };
        Socket socket;
        try { socket = await NetworkGuard.ConnectAsync(host, port, allowPrivate: true, ct); }
        catch (SocketException e) { throw new TransientDeliveryException($"SMTP: cannot connect to {host}:{port}: {e.Message}", e); }
        try
        {
            await smtp.ConnectAsync(socket, host, port, settings.SmtpStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
        }
        catch (NotSupportedException) when (settings.SmtpStartTls)
        {
            socket.Dispose();
            throw new InvalidOperationException($"SMTP: {host}:{port} does not offer STARTTLS, and EXPORTS_SMTP_STARTTLS requires TLS; nothing was sent.");
        }
        catch (SslHandshakeException e)
        {
            socket.Dispose();
            throw new InvalidOperationException(settings.SmtpTlsFingerprint is { } pin
                ? $"SMTP: the TLS certificate of {host}:{port} (SHA-256 {presented ?? "unknown"}) does not match EXPORTS_SMTP_TLS_FINGERPRINT ({pin}); nothing was sent."
                : $"SMTP: the TLS certificate of {host}:{port} is not trusted ({e.InnerException?.Message ?? e.Message}); pin it with EXPORTS_SMTP_TLS_FINGERPRINT; nothing was sent.", e);
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or SmtpCommandException { StatusCode: >= (SmtpStatusCode)400 and < (SmtpStatusCode)500 })
        {
            socket.Dispose();
            throw new TransientDeliveryException($"SMTP: {e.Message}", e);
        }
        try
        {
            if (settings.SmtpUser is not null) await smtp.AuthenticateAsync(settings.SmtpUser, settings.SmtpPassword ?? "", ct);
            await smtp.SendAsync(msg, ct);
            await smtp.DisconnectAsync(quit: true, ct);
        }
        catch (MailKit.Security.AuthenticationException) { throw new InvalidOperationException($"SMTP: {host}:{port} refused the login of EXPORTS_SMTP_USER."); }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or SmtpCommandException { StatusCode: >= (SmtpStatusCode)400 and < (SmtpStatusCode)500 })
        {
            throw new TransientDeliveryException($"SMTP: {e.Message}", e);
        }
        catch (SmtpCommandException e) { throw new InvalidOperationException($"SMTP: {host}:{port} answered {(int)e.StatusCode}: {e.Message}", e); }
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
            id = ctx.DeliveryId, type = ctx.Test ? "destination.test" : "export.completed", createdAt = ctx.Now,
            data = new { exportId = job.Id, status = job.Status, fileName = job.FileName, sizeBytes = job.SizeBytes, rowCount = job.RowCount, checksum = job.Checksum, link = ctx.Link, expiresAt = job.ExpiresAt },
        }, JsonSerializerOptions.Web);
        var t = ctx.Now.ToUnixTimeSeconds();
        using var req = new HttpRequestMessage(HttpMethod.Post, ctx.Destination.Get("url")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        req.Headers.Add("Idempotency-Key", ctx.DeliveryId.ToString());
        if (ctx.Destination.Secrets.TryGetValue("signingSecret", out var secret))
            req.Headers.Add("Exports-Signature", $"t={t},v1={Sign(secret, t, body)}");
        var client = http.CreateClient("webhooks");
        HttpResponseMessage res;
        try { res = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) when (NetworkGuard.RefusalIn(e) is { } refused) { throw refused; }
        catch (HttpRequestException e) { throw new TransientDeliveryException($"Webhook: {e.Message}", e); }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { throw new TransientDeliveryException("Webhook: timed out.", e); }
        using var _ = res; // the body is never read: a receiver cannot make us buffer it
        var code = (int)res.StatusCode;
        if (res.IsSuccessStatusCode) return $"HTTP {code}";
        if (code >= 500 || code is 408 or 429) throw new TransientDeliveryException($"Webhook answered HTTP {code}.");
        throw new InvalidOperationException($"Webhook answered HTTP {code}; not retried.");
    }
}

/// <summary>The user's S3-compatible bucket: the file under the destination's prefix, streamed as a multipart upload.
/// The bucket must exist (a delivery never creates buckets on the user's endpoint), and every connection goes
/// through <see cref="NetworkGuard"/>.</summary>
public sealed class S3Channel(ExportsSettings settings) : IDeliveryChannel
{
    public string Kind => "s3";

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        var d = ctx.Destination;
        var bucket = d.Get("bucket")!;
        using var s3 = new S3ArtifactStore(d.Get("endpoint"), bucket, (d.Get("prefix") ?? "").Trim('/'), d.Get("region"),
            d.Secrets["accessKey"], d.Secrets["secretKey"], !d.Config.TryGetProperty("pathStyle", out var ps) || ps.ValueKind != JsonValueKind.False,
            createBucket: false, http: new GuardedAwsHttp(settings.DeliveryAllowPrivateNetworks));
        await using var file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone.");
        try { return "s3://" + bucket + "/" + await s3.PutAsync(ctx.Job.FileName, file.Body, ctx.Job.MediaType, ct); }
        catch (Exception e) when (NetworkGuard.RefusalIn(e) is { } refused) { throw refused; }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            throw new InvalidOperationException($"S3: bucket {bucket} does not exist{(d.Get("endpoint") is { } ep ? $" at {ep}" : "")}; deliveries do not create buckets: create it, then run the delivery again.");
        }
        catch (Amazon.S3.AmazonS3Exception e) when ((int)e.StatusCode >= 500) { throw new TransientDeliveryException($"S3 answered {(int)e.StatusCode}: {e.Message}", e); }
        catch (HttpRequestException e) { throw new TransientDeliveryException($"S3: {e.Message}", e); }
    }

    /// <summary>The AWS SDK's HTTP client, built on <see cref="NetworkGuard.Handler"/>: the address is checked when
    /// the connection is made.</summary>
    sealed class GuardedAwsHttp(bool allowPrivate) : Amazon.Runtime.HttpClientFactory
    {
        public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(NetworkGuard.Handler(allowPrivate));
        public override bool UseSDKHttpClientCaching(Amazon.Runtime.IClientConfig clientConfig) => false;
        public override bool DisposeHttpClientsAfterUse(Amazon.Runtime.IClientConfig clientConfig) => false;
        public override string GetConfigUniqueString(Amazon.Runtime.IClientConfig clientConfig) => $"exports-guarded-{allowPrivate}";
    }
}
