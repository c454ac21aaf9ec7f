using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Exports.Delivery;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.Destinations;

/// <summary>SFTP delivery through SSH.NET to Debian's sshd on loopback, with the host key pinned: the file arrives
/// byte for byte; a server whose key does not match the pin gets nothing and the delivery fails at once with the
/// reason; an upload that is cancelled or whose source fails leaves the final name as it was.</summary>
[Collection(ApiCollection.Name)]
public sealed class SftpDeliveryTests(ApiFixture api, SshServer ssh) : IClassFixture<SshServer>
{
    async Task<JsonElement> DeliverAsync(string hostKey, string folder)
    {
        var c = api.Demo();
        var r = await c.PostJsonAsync("/api/v1/destinations", new
        {
            name = "sftp " + Guid.NewGuid().ToString("N")[..8], kind = "sftp",
            config = new { host = "127.0.0.1", port = ssh.Port, username = ssh.User, path = Path.Combine(ssh.Uploads, folder), hostKey },
            secrets = new { privateKey = ssh.ClientKey },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var dest = (await r.JsonAsync()).GetProperty("id").GetString();
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(2));
        var (job, session) = await RunTrackedAsync(api.Host, c, async () => (await SubmitAsync(c, new
        {
            kind = "series", format = "csv", delivery = new { destinations = new[] { dest } },
            series = new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw", timeframe = new { from = from.ToString("O"), to = to.ToString("O") } },
        })).GetProperty("id").GetString()!);
        AssertCompleted(job);
        // The delivery the run handed off was handled in the same session (delivered or failed: the caller says which).
        Assert.Contains(session.MessageSucceeded.MessagesOf<Exports.Delivery.DeliverExport>(), m => m.ExportId == job.GetProperty("id").GetGuid());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var list = await (await c.GetAsync($"/api/v1/exports/{job.GetProperty("id").GetString()}/deliveries")).JsonAsync();
            if (list.GetArrayLength() == 1 && list[0].GetProperty("status").GetString() is "delivered" or "failed") return JsonDocument.Parse(JsonSerializer.Serialize(new { job, delivery = list[0] })).RootElement;
            Assert.True(DateTime.UtcNow < deadline, $"SFTP delivery did not finish: {list}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task PinnedHostKey_FileArrivesByteForByte()
    {
        var folder = "daily-" + Guid.NewGuid().ToString("N")[..6];
        var r = await DeliverAsync(ssh.HostKeyFingerprint, folder);
        Assert.Equal("delivered", r.GetProperty("delivery").GetProperty("status").GetString());
        var path = Path.Combine(ssh.Uploads, folder, r.GetProperty("job").GetProperty("fileName").GetString()!);
        Assert.Equal(r.GetProperty("job").GetProperty("checksum").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
    }

    [Fact]
    public async Task HostKeyThatDoesNotMatchThePin_IsRefused_AndNothingIsWritten()
    {
        var folder = "wrong-" + Guid.NewGuid().ToString("N")[..6];
        var other = "SHA256:" + Convert.ToBase64String(SHA256.HashData([1, 2, 3])).TrimEnd('=');
        var r = await DeliverAsync(other, folder);
        var d = r.GetProperty("delivery");
        Assert.Equal(("failed", 1), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32()));
        Assert.Contains("host key", d.GetProperty("lastError").GetString());
        Assert.Contains("does not match the pinned fingerprint", d.GetProperty("lastError").GetString());
        Assert.Contains(ssh.HostKeyFingerprint, d.GetProperty("lastError").GetString()); // the key the server showed, to compare by hand
        Assert.False(Directory.Exists(Path.Combine(ssh.Uploads, folder)));
    }

    Destination Sftp(string folder, string? hostKey = null) => ChannelKit.Destination("sftp",
        new { host = "127.0.0.1", port = ssh.Port, username = ssh.User, path = Path.Combine(ssh.Uploads, folder), hostKey = hostKey ?? ssh.HostKeyFingerprint },
        new() { ["privateKey"] = ssh.ClientKey });

    [Fact]
    public async Task CancelledUpload_LeavesTheFileUnderTheFinalNameAsItWas_AndNoPartialFile()
    {
        var folder = Path.Combine(ssh.Uploads, "cancel-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);
        var final = Path.Combine(folder, "report.csv");
        await File.WriteAllTextAsync(final, "yesterday's report");
        var bytes = ChannelKit.Bytes(16 << 20);
        using var cts = new CancellationTokenSource();
        var ctx = ChannelKit.Context(ChannelKit.Job("report.csv", bytes), Sftp(Path.GetFileName(folder)), () => new FailingStream(bytes, 1 << 20, cts.Cancel));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SftpChannel(ChannelKit.Settings()).DeliverAsync(ctx, cts.Token));
        Assert.Equal("yesterday's report", await File.ReadAllTextAsync(final));
        Assert.Equal(["report.csv"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task SourceFailingMidUpload_LeavesNoFileUnderTheFinalName()
    {
        var folder = "broken-" + Guid.NewGuid().ToString("N")[..6];
        var bytes = ChannelKit.Bytes(4 << 20);
        var ctx = ChannelKit.Context(ChannelKit.Job("report.csv", bytes), Sftp(folder), () => new FailingStream(bytes, 1 << 20, () => throw new IOException("disk gone (test)")));
        var e = await Assert.ThrowsAsync<IOException>(() => new SftpChannel(ChannelKit.Settings()).DeliverAsync(ctx, default));
        Assert.Contains("disk gone", e.Message);
        Assert.False(File.Exists(Path.Combine(ssh.Uploads, folder, "report.csv")));
        Assert.Empty(Directory.GetFiles(Path.Combine(ssh.Uploads, folder))); // the partial upload is removed too
    }

    [Fact]
    public async Task Redelivery_ReplacesTheFileUnderTheFinalName_ByteForByte()
    {
        var folder = "again-" + Guid.NewGuid().ToString("N")[..6];
        var channel = new SftpChannel(ChannelKit.Settings());
        foreach (var size in new[] { 3 << 20, 1000 })
        {
            var bytes = ChannelKit.Bytes(size);
            var detail = await channel.DeliverAsync(ChannelKit.Context(ChannelKit.Job("report.csv", bytes), Sftp(folder), () => new MemoryStream(bytes)), default);
            Assert.Contains("report.csv", detail);
            Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(ssh.Uploads, folder, "report.csv"))));
            Assert.Equal(["report.csv"], Directory.GetFiles(Path.Combine(ssh.Uploads, folder)).Select(Path.GetFileName));
        }
    }

    [Fact]
    public async Task PrivateAddress_IsRefusedWhenConnecting_UnlessAllowed()
    {
        var folder = "guarded-" + Guid.NewGuid().ToString("N")[..6];
        var bytes = ChannelKit.Bytes(1000);
        var e = await Assert.ThrowsAsync<NetworkRefusedException>(() => new SftpChannel(ChannelKit.Settings(allowPrivate: false))
            .DeliverAsync(ChannelKit.Context(ChannelKit.Job("report.csv", bytes), Sftp(folder), () => new MemoryStream(bytes)), default));
        Assert.Contains("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", e.Message);
        Assert.False(Directory.Exists(Path.Combine(ssh.Uploads, folder)));
    }
}
