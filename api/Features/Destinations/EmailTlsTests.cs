using System.Security.Cryptography;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Destinations;

/// <summary>E-mail over STARTTLS for real: npm smtp-server offering STARTTLS with a self-signed certificate made by
/// the test, which the client trusts only by its pinned SHA-256 (EXPORTS_SMTP_TLS_FINGERPRINT). With STARTTLS
/// required, a server that does not offer it, or whose certificate is not the pinned one, gets nothing.</summary>
public sealed class EmailTlsTests
{
    static ExportsSettings Smtp(SmtpCapture server, bool startTls, string? pin) => ChannelKit.Settings() with
    {
        SmtpHost = "localhost", SmtpPort = server.Port, SmtpFrom = "exports@test.local", SmtpStartTls = startTls, SmtpTlsFingerprint = pin,
    };

    static (DeliveryContext Ctx, byte[] Bytes) Mail(string to)
    {
        // CSV text with bare \n line endings: a text attachment that is not base64 comes back with \r\n.
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"2026-11-29T10:{i % 60:00}:00Z,cpu,{i * 0.5}\n")));
        var job = ChannelKit.Job("report.csv", bytes);
        return (ChannelKit.Context(job, ChannelKit.Destination("email", new { to = new[] { to }, subject = "TLS {template}" }), () => new MemoryStream(bytes)), bytes);
    }

    [Fact]
    public async Task StartTls_WithThePinnedSelfSignedCertificate_SendsOverTls_ByteForByte()
    {
        using var server = new SmtpCapture(startTls: true);
        var (ctx, bytes) = Mail("tls@example.com");
        var detail = await new EmailChannel(Smtp(server, startTls: true, server.CertificateSha256)).DeliverAsync(ctx, default);
        Assert.Contains("tls@example.com", detail);
        var eml = Assert.Single(server.Messages());
        var session = JsonDocument.Parse(await File.ReadAllTextAsync(eml[..^".eml".Length] + ".session.json")).RootElement;
        Assert.True(session.GetProperty("secure").GetBoolean(), "The message did not come over TLS.");
        var mail = await NodeReaders.RunAsync("mail.mjs", eml);
        Assert.Equal("TLS Channel test", mail.GetProperty("subject").GetString());
        var attachment = Assert.Single(mail.GetProperty("attachments").EnumerateArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), attachment.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task StartTls_CertificateNotPinned_IsRefused_AndNothingIsSent()
    {
        using var server = new SmtpCapture(startTls: true);
        // Not in the system's trust store, and no pin: refused.
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new EmailChannel(Smtp(server, startTls: true, pin: null)).DeliverAsync(Mail("a@example.com").Ctx, default));
        Assert.Contains("not trusted", e.Message);
        Assert.Contains("EXPORTS_SMTP_TLS_FINGERPRINT", e.Message);
        // Pinned to another certificate: refused, naming the certificate the server showed.
        var other = Convert.ToHexStringLower(SHA256.HashData("another certificate"u8));
        e = await Assert.ThrowsAsync<InvalidOperationException>(() => new EmailChannel(Smtp(server, startTls: true, other)).DeliverAsync(Mail("b@example.com").Ctx, default));
        Assert.Contains("does not match EXPORTS_SMTP_TLS_FINGERPRINT", e.Message);
        Assert.Contains(server.CertificateSha256!, e.Message);
        Assert.Empty(server.Messages());
    }

    [Fact]
    public async Task StartTlsRequired_ServerWithoutStartTls_FailsWithTheReason_AndSendsNothing()
    {
        using var server = new SmtpCapture(startTls: false);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new EmailChannel(Smtp(server, startTls: true, pin: null)).DeliverAsync(Mail("plain@example.com").Ctx, default));
        Assert.Contains("does not offer STARTTLS", e.Message);
        Assert.Contains("nothing was sent", e.Message);
        Assert.Empty(server.Messages());
        // The same server takes the message when the operator turned STARTTLS off (so the refusal above is TLS's).
        await new EmailChannel(Smtp(server, startTls: false, pin: null)).DeliverAsync(Mail("plain@example.com").Ctx, default);
        var eml = Assert.Single(server.Messages());
        Assert.False(JsonDocument.Parse(await File.ReadAllTextAsync(eml[..^".eml".Length] + ".session.json")).RootElement.GetProperty("secure").GetBoolean());
    }

    [Theory]
    [InlineData("ops@example.com", true)]
    [InlineData("first.last+tag@sub.example.org", true)]
    [InlineData("not an address", false)]
    [InlineData("ops", false)]
    [InlineData("ops@", false)]
    [InlineData("@example.com", false)]
    [InlineData("Ops <ops@example.com>", false)]
    [InlineData("a@example.com, b@example.com", false)]
    [InlineData("a@example.com\r\nBcc: x@example.com", false)]
    public void Recipients_AreBareAddresses(string address, bool valid) => Assert.Equal(valid, EmailChannel.IsAddress(address));
}
