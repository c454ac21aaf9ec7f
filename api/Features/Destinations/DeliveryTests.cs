using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Exports.Delivery;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.Destinations;

/// <summary>Delivery to real peers on loopback: e-mail through the fixture's SMTP server (npm smtp-server; parsed
/// back with mailparser, attachment compared by SHA-256), a signed webhook to an HttpListener that fails once, and
/// an S3 bucket on s3rver. Secrets are write-only.</summary>
[Collection(ApiCollection.Name)]
public sealed class DeliveryTests(ApiFixture api, S3Server s3) : IClassFixture<S3Server>
{
    static async Task<string> CreateAsync(HttpClient c, object body)
    {
        var r = await c.PostJsonAsync("/api/v1/destinations", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    async Task<object> SeriesAsync(params string[] destinations)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(3));
        return new
        {
            kind = "series", format = "csv", delivery = new { destinations },
            retry = new { attempts = 3, backoff = "exponential", baseDelayMs = 50, maxDelayMs = 200, jitter = false },
            series = new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw", timeframe = new { from = from.ToString("O"), to = to.ToString("O") } },
        };
    }

    /// <summary>Submits the export and waits in a Wolverine tracked session until its run and the delivery it hands off
    /// (a DeliverExport on the deliveries queue) have both been handled; the job must be completed.</summary>
    async Task<JsonElement> CompletedWithDeliveriesAsync(HttpClient c, object envelope)
    {
        var (job, session) = await RunTrackedAsync(api.Host, c, async () => (await SubmitAsync(c, envelope)).GetProperty("id").GetString()!);
        var id = job.GetProperty("id").GetGuid();
        Assert.Contains(session.MessageSucceeded.MessagesOf<DeliverExport>(), m => m.ExportId == id);
        return AssertCompleted(job);
    }

    async Task<JsonElement> DeliveriesAsync(HttpClient c, string exportId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var list = await (await c.GetAsync($"/api/v1/exports/{exportId}/deliveries")).JsonAsync();
            if (list.GetArrayLength() == count && list.EnumerateArray().All(d => d.GetProperty("status").GetString() is "delivered" or "failed")) return list;
            Assert.True(DateTime.UtcNow < deadline, $"Deliveries did not finish: {list}");
            await Task.Delay(100);
        }
    }

    async Task<JsonElement> MailAsync(string deliveryMarker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (var f in Directory.EnumerateFiles(api.MailDir, "*.eml"))
                if (File.ReadAllText(f).Contains(deliveryMarker)) return await NodeReaders.RunAsync("mail.mjs", f);
            Assert.True(DateTime.UtcNow < deadline, "No e-mail arrived.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Email_CarriesTheFileAsAnAttachment_ByteForByte()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var dest = await CreateAsync(c, new { name = "ops mail " + tag, kind = "email", config = new { to = new[] { $"ops-{tag}@example.com" }, subject = "{template} ready on {date:yyyy-MM-dd}" } });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        var deliveries = await DeliveriesAsync(c, job.GetProperty("id").GetString()!, 1);
        Assert.Equal(("delivered", 1), (deliveries[0].GetProperty("status").GetString(), deliveries[0].GetProperty("attempts").GetInt32()));
        var mail = await MailAsync($"ops-{tag}@example.com");
        Assert.Equal($"{job.GetProperty("title").GetString()} ready on {DateTime.UtcNow:yyyy-MM-dd}", mail.GetProperty("subject").GetString());
        var attachment = Assert.Single(mail.GetProperty("attachments").EnumerateArray());
        Assert.Equal(job.GetProperty("fileName").GetString(), attachment.GetProperty("filename").GetString());
        Assert.Equal(job.GetProperty("checksum").GetString(), "sha256:" + attachment.GetProperty("sha256").GetString());
    }

    /// <summary>An older version queued deliveries as Quartz jobs: one left in the database becomes a message on start
    /// and is delivered, and the Quartz job is gone.</summary>
    [Fact]
    public async Task DeliveryLeftInQuartzByAnOlderVersion_BecomesAMessage_AndIsDelivered()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var dest = await CreateAsync(c, new { name = "legacy mail " + tag, kind = "email", config = new { to = new[] { $"legacy-{tag}@example.com" } } });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        var id = job.GetProperty("id").GetGuid();
        await DeliveriesAsync(c, id.ToString(), 1);
        // As if the delivery had been queued in Quartz and never run: no delivery row, a durable Quartz job by its key.
        await api.ScalarAsync<long>("WITH gone AS (DELETE FROM export_deliveries WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM gone", id);
        var quartz = await api.Host.Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
        var key = new Quartz.JobKey($"deliver-{id:N}", "deliveries");
        await quartz.AddJob(Quartz.JobBuilder.Create<Exports.Features.Schedule.ScheduleJob>().WithIdentity(key).StoreDurably().Build(), Quartz.AddJobOptions.Replacing, default);
        Assert.NotNull(await quartz.GetJobDetail(key, default));

        var moved = await TrackedAsync(api.Host, async () =>
            Assert.True(await Exports.Host.Messaging.MoveQuartzJobsAsync(api.Host.Services, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) >= 1));
        Assert.Contains(moved.MessageSucceeded.MessagesOf<DeliverExport>(), m => m.ExportId == id);
        Assert.Null(await quartz.GetJobDetail(key, default));
        var deliveries = await DeliveriesAsync(c, id.ToString(), 1);
        Assert.Equal("delivered", deliveries[0].GetProperty("status").GetString());
        Assert.Equal(2, Directory.EnumerateFiles(api.MailDir, "*.eml").Count(f => File.ReadAllText(f).Contains($"legacy-{tag}@example.com")));
    }

    int Mails(string to) => Directory.EnumerateFiles(api.MailDir, "*.eml").Count(f => File.ReadAllText(f).Contains(to));

    /// <summary>Through the real handler: a delivery message that meets a claim held by a node that then died (its
    /// claim stops being renewed) schedules itself again past the lease, and then delivers, once.</summary>
    [Fact]
    public async Task DeliveryMessage_MeetingAClaimOfANodeThatDied_LooksAgainAndDelivers()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var to = $"resched-{tag}@example.com";
        var dest = await CreateAsync(c, new { name = "resched mail " + tag, kind = "email", config = new { to = new[] { to } } });
        var id = (await CompletedAsync(c, (await SubmitAsync(c, await SeriesAsync(dest))).GetProperty("id").GetString()!)).GetProperty("id").GetGuid();
        await DeliveriesAsync(c, id.ToString(), 1);
        await MailAsync(to);
        // As if another node had claimed it 12 s ago and died: the claim lapses 3 s from now (lease: 3 x 5 s).
        await api.ScalarAsync<long>("""
            WITH t AS (UPDATE export_deliveries SET status = 'pending', delivered_at = NULL, claimed_by = 'gone:1:000000/x', claimed_at = now() - interval '12 seconds'
                       WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM t
            """, id);
        await using (var scope = api.Host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>().PublishAsync(new DeliverExport(id));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await api.ScalarAsync<string>("SELECT status FROM export_deliveries WHERE export_id = $1", id) != "delivered")
        {
            Assert.True(DateTime.UtcNow < deadline, "The deferred delivery was not delivered.");
            await Task.Delay(250);
        }
        Assert.Equal(2, Mails(to)); // the first delivery, and this one: not one per look
        Assert.StartsWith(Exports.Jobs.JobRunner.Node + "/", await api.ScalarAsync<string>("SELECT claimed_by FROM export_deliveries WHERE export_id = $1", id));
    }

    /// <summary>A delivery another claim holds (its lease renewed within three EXPORTS_NODE_STALE_MS) is not sent again
    /// by a repeated delivery message, which asks to be tried again later; once the lease lapses (that node died), it is
    /// sent, by this node. A claim from before leases (no claimed_at) is free; a failed delivery is final.</summary>
    [Fact]
    public async Task DeliveryLeasedByALiveNode_IsDeferred_AndTakenOnceTheLeaseLapses()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var to = $"lease-{tag}@example.com";
        var dest = await CreateAsync(c, new { name = "lease mail " + tag, kind = "email", config = new { to = new[] { to } } });
        var id = (await CompletedAsync(c, (await SubmitAsync(c, await SeriesAsync(dest))).GetProperty("id").GetString()!)).GetProperty("id").GetGuid();
        await DeliveriesAsync(c, id.ToString(), 1);
        await MailAsync(to);
        Assert.Equal(1, Mails(to));
        // As if another node had claimed it a moment ago and were sending it now.
        Assert.Equal(1L, await api.ScalarAsync<long>("""
            WITH t AS (UPDATE export_deliveries SET status = 'pending', delivered_at = NULL, claimed_by = 'elsewhere:1:000000', claimed_at = now()
                       WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM t
            """, id));
        var delivery = api.Host.Services.GetRequiredService<DeliveryService>();
        Assert.True(await delivery.DeliverAsync(id, default)); // deferred: ask again once the lease could have lapsed
        Assert.Equal(1, Mails(to));
        Assert.Equal("pending elsewhere:1:000000", await api.ScalarAsync<string>("SELECT status || ' ' || claimed_by FROM export_deliveries WHERE export_id = $1", id));

        await api.ScalarAsync<long>("WITH t AS (UPDATE export_deliveries SET claimed_at = now() - interval '1 hour' WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM t", id);
        Assert.False(await delivery.DeliverAsync(id, default));
        Assert.Equal(2, Mails(to));
        Assert.Equal("delivered", await api.ScalarAsync<string>("SELECT status FROM export_deliveries WHERE export_id = $1", id));
        Assert.StartsWith(Exports.Jobs.JobRunner.Node + "/", await api.ScalarAsync<string>("SELECT claimed_by FROM export_deliveries WHERE export_id = $1", id));

        // Written by a version without leases: pending, never claimed. Free to take.
        await api.ScalarAsync<long>("WITH t AS (UPDATE export_deliveries SET status = 'pending', claimed_at = NULL, claimed_by = NULL WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM t", id);
        Assert.False(await delivery.DeliverAsync(id, default));
        Assert.Equal(3, Mails(to));

        // Failed for good: a repeated message does not send it again.
        await api.ScalarAsync<long>("WITH t AS (UPDATE export_deliveries SET status = 'failed', claimed_at = NULL WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM t", id);
        Assert.False(await delivery.DeliverAsync(id, default));
        Assert.Equal(3, Mails(to));
        Assert.Equal("failed", await api.ScalarAsync<string>("SELECT status FROM export_deliveries WHERE export_id = $1", id));
    }

    /// <summary>A repeated run message for a completed job (its node died after completing it) hands off again what has
    /// no final answer: a destination never started is delivered, one already delivered is not sent again.</summary>
    [Fact]
    public async Task RepeatedRunOfACompletedJob_DeliversWhatWasNeverStarted_AndNothingTwice()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (toA, toB) = ($"first-{tag}@example.com", $"second-{tag}@example.com");
        var a = await CreateAsync(c, new { name = "first mail " + tag, kind = "email", config = new { to = new[] { toA } } });
        var b = await CreateAsync(c, new { name = "second mail " + tag, kind = "email", config = new { to = new[] { toB } } });
        var id = (await CompletedAsync(c, (await SubmitAsync(c, await SeriesAsync(a, b))).GetProperty("id").GetString()!)).GetProperty("id").GetGuid();
        await DeliveriesAsync(c, id.ToString(), 2);
        await MailAsync(toB);
        // As if the node had died after delivering to the first and before starting the second.
        await api.ScalarAsync<long>("WITH gone AS (DELETE FROM export_deliveries WHERE export_id = $1 AND destination_id = $2 RETURNING 1) SELECT count(*) FROM gone", id, Guid.Parse(b));
        var before = Mails(toB);

        Assert.True(await api.Host.Services.GetRequiredService<Exports.Jobs.JobRunner>().RunAsync(id, recovering: true, default));
        var deliveries = await DeliveriesAsync(c, id.ToString(), 2);
        Assert.All(deliveries.EnumerateArray(), d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Mails(toB) == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second destination was not delivered again.");
            await Task.Delay(100);
        }
        Assert.Equal((1, before + 1), (Mails(toA), Mails(toB)));
    }

    [Fact]
    public async Task Email_LargerThanTheLimit_SendsASignedLinkThatDownloadsTheFile()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var dest = await CreateAsync(c, new { name = "link mail " + tag, kind = "email", config = new { to = new[] { $"big-{tag}@example.com" }, attachUpToBytes = 0 } });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        await DeliveriesAsync(c, job.GetProperty("id").GetString()!, 1);
        var mail = await MailAsync($"big-{tag}@example.com");
        Assert.Empty(mail.GetProperty("attachments").EnumerateArray());
        var url = System.Text.RegularExpressions.Regex.Match(mail.GetProperty("text").GetString()!, @"https?://\S+token=\S+").Value;
        var file = await api.CreateClient().GetAsync(new Uri(url).PathAndQuery); // anonymous: the token is the key
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(job.GetProperty("checksum").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await file.Content.ReadAsByteArrayAsync())));
    }

    [Fact]
    public async Task Webhook_IsSignedWithATimestamp_RetriedOn5xx_WithOneIdempotencyKey()
    {
        var c = api.Demo();
        var port = TestPorts.Free();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new List<(string Body, string Signature, string Key, DateTimeOffset At)>();
        var serve = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var ctx = await listener.GetContextAsync();
                using var reader = new StreamReader(ctx.Request.InputStream);
                received.Add((await reader.ReadToEndAsync(), ctx.Request.Headers["Exports-Signature"]!, ctx.Request.Headers["Idempotency-Key"]!, DateTimeOffset.UtcNow));
                ctx.Response.StatusCode = i == 0 ? 503 : 204; // fails once, then takes it
                ctx.Response.Close();
            }
        });
        const string secret = "whsec_0123456789abcdef";
        var dest = await CreateAsync(c, new { name = "hook " + Guid.NewGuid().ToString("N")[..6], kind = "webhook", config = new { url = $"http://127.0.0.1:{port}/hook/" }, secrets = new { signingSecret = secret } });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        var result = (await DeliveriesAsync(c, job.GetProperty("id").GetString()!, 1))[0];
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("delivered", 2), (result.GetProperty("status").GetString(), result.GetProperty("attempts").GetInt32()));
        Assert.Equal(received[0].Key, received[1].Key);
        foreach (var (body, signature, _, at) in received)
        {
            var parts = signature.Split(',').Select(x => x.Split('=', 2)).ToDictionary(x => x[0], x => x[1]);
            var t = long.Parse(parts["t"]);
            Assert.InRange(at.ToUnixTimeSeconds() - t, 0, 30); // a receiver can refuse old timestamps (replays)
            Assert.Equal(WebhookChannel.Sign(secret, t, body), parts["v1"]);
            Assert.NotEqual(WebhookChannel.Sign(secret, t + 1, body), parts["v1"]);
            var data = JsonDocument.Parse(body).RootElement.GetProperty("data");
            Assert.Equal(job.GetProperty("checksum").GetString(), data.GetProperty("checksum").GetString());
            Assert.Equal(job.GetProperty("id").GetString(), data.GetProperty("exportId").GetString());
            Assert.Contains("/download?token=", data.GetProperty("link").GetString());
        }
    }

    AmazonS3Client S3Client() => new(new Amazon.Runtime.BasicAWSCredentials(S3Server.AccessKey, S3Server.SecretKey),
        new AmazonS3Config { ServiceURL = s3.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    [Fact]
    public async Task S3_PutsTheFileInTheUsersBucket_ByteForByte()
    {
        var c = api.Demo();
        var bucket = "user-" + Guid.NewGuid().ToString("N")[..10];
        using (var owner = S3Client()) await owner.PutBucketAsync(bucket); // the user's bucket exists; deliveries never make one
        var dest = await CreateAsync(c, new
        {
            name = "bucket " + bucket, kind = "s3", config = new { endpoint = s3.Endpoint, bucket, prefix = "reports/daily" },
            secrets = new { accessKey = S3Server.AccessKey, secretKey = S3Server.SecretKey },
        });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        var result = (await DeliveriesAsync(c, job.GetProperty("id").GetString()!, 1))[0];
        Assert.Equal("delivered", result.GetProperty("status").GetString());
        var key = $"reports/daily/{job.GetProperty("fileName").GetString()}";
        Assert.Equal($"s3://{bucket}/{key}", result.GetProperty("detail").GetString());
        using var client = S3Client();
        using var obj = await client.GetObjectAsync(bucket, key);
        var bytes = new MemoryStream();
        await obj.ResponseStream.CopyToAsync(bytes);
        Assert.Equal(job.GetProperty("checksum").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
    }

    [Fact]
    public async Task S3_BucketThatDoesNotExist_FailsWithTheReason_AndIsNotCreated()
    {
        var c = api.Demo();
        var bucket = "missing-" + Guid.NewGuid().ToString("N")[..10];
        var dest = await CreateAsync(c, new
        {
            name = "no bucket " + bucket, kind = "s3", config = new { endpoint = s3.Endpoint, bucket },
            secrets = new { accessKey = S3Server.AccessKey, secretKey = S3Server.SecretKey },
        });
        var job = await CompletedWithDeliveriesAsync(c, await SeriesAsync(dest));
        var result = (await DeliveriesAsync(c, job.GetProperty("id").GetString()!, 1))[0];
        Assert.Equal(("failed", 1), (result.GetProperty("status").GetString(), result.GetProperty("attempts").GetInt32()));
        Assert.Contains($"bucket {bucket} does not exist", result.GetProperty("lastError").GetString());
        using var client = S3Client();
        Assert.DoesNotContain(bucket, (await client.ListBucketsAsync()).Buckets?.Select(b => b.BucketName) ?? []);
    }

    [Fact]
    public async Task S3_PrivateEndpoint_IsRefusedWhenConnecting_UnlessAllowed()
    {
        var bucket = "guard-" + Guid.NewGuid().ToString("N")[..10];
        using (var owner = S3Client()) await owner.PutBucketAsync(bucket);
        var d = ChannelKit.Destination("s3", new { endpoint = s3.Endpoint, bucket }, new() { ["accessKey"] = S3Server.AccessKey, ["secretKey"] = S3Server.SecretKey });
        var bytes = ChannelKit.Bytes(5000);
        var e = await Assert.ThrowsAsync<NetworkRefusedException>(() =>
            new S3Channel(ChannelKit.Settings(allowPrivate: false)).DeliverAsync(ChannelKit.Context(ChannelKit.Job("r.csv", bytes), d, () => new MemoryStream(bytes)), default));
        Assert.Contains("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", e.Message);
        using var client = S3Client();
        Assert.Empty((await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
        // Allowed, the same channel delivers (so the refusal above is the guard's).
        Assert.Equal($"s3://{bucket}/r.csv", await new S3Channel(ChannelKit.Settings()).DeliverAsync(ChannelKit.Context(ChannelKit.Job("r.csv", bytes), d, () => new MemoryStream(bytes)), default));
    }

    [Fact]
    public async Task Destinations_SecretsAreWriteOnly_EncryptedAtRest_AndBadConfigIsRefused()
    {
        var (owner, c) = await api.NewUserAsync();
        const string secret = "whsec_never_shown_0123456789";
        var id = await CreateAsync(c, new { name = "Hook", kind = "webhook", config = new { url = "https://hooks.example.com/x" }, secrets = new { signingSecret = secret } });
        var listed = await (await c.GetAsync("/api/v1/destinations")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, listed);
        Assert.Contains("signingSecret", listed);
        var stored = await api.ScalarAsync<string>($"SELECT data->>'secrets' FROM {Exports.Host.Documents.Schema}.mt_doc_destination WHERE id = $1", Guid.Parse(id));
        Assert.DoesNotContain(secret, stored);
        Assert.DoesNotContain("whsec", stored);
        // An edit without secrets keeps them.
        var put = await c.PutAsync($"/api/v1/destinations/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "Hook 2", kind = "webhook", config = new { url = "https://hooks.example.com/y" } }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(["signingSecret"], (await put.JsonAsync()).GetProperty("secrets").EnumerateArray().Select(x => x.GetString()));

        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "Hook 2", kind = "webhook", config = new { url = "https://a.example" }, secrets = new { signingSecret = secret } })).ProblemAsync(409);
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "h", kind = "webhook", config = new { url = "http://example.com/x" }, secrets = new { signingSecret = secret } })).ProblemAsync(400, "config.url");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "m", kind = "email", config = new { to = new[] { "not an address" } } })).ProblemAsync(400, "config.to[0]");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "b", kind = "s3", config = new { bucket = "reports" } })).ProblemAsync(400, "secrets.accessKey");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "f", kind = "sftp", config = new { host = "x", username = "u", hostKey = "md5:00" }, secrets = new { password = "p" } })).ProblemAsync(400, "config.hostKey");
        // Secrets hold no control characters (a newline once added options to curl's config file; now refused outright).
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "s", kind = "sftp", config = new { host = "sftp.example.com", username = "u", hostKey = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=') },
            secrets = new { password = "x\nupload-file = /etc/passwd" } })).ProblemAsync(400, "secrets.password");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "g", kind = "sftp", config = new { host = "10.0.0.[1-254]", username = "u", hostKey = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=') },
            secrets = new { password = "p" } })).ProblemAsync(400, "config.host");
        // A host longer than DNS allows (259 characters of 63-character labels) is a field error at create and update.
        var longHost = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 63)) + ".com";
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "l", kind = "webhook", config = new { url = $"https://{longHost}/x" }, secrets = new { signingSecret = secret } })).ProblemAsync(400, "config.url");
        await (await c.PutAsync($"/api/v1/destinations/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "Hook 2", kind = "webhook", config = new { url = $"https://{longHost}/x" } }))).ProblemAsync(400, "config.url");
        // User info in a URL is refused on the field; so is a config or a secrets object above the size limit.
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "u", kind = "webhook", config = new { url = "https://user:pw@hooks.example.com/x" }, secrets = new { signingSecret = secret } })).ProblemAsync(400, "config.url");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "v", kind = "s3", config = new { endpoint = "https://key:secret@s3.example.com", bucket = "reports" },
            secrets = new { accessKey = "a", secretKey = "b" } })).ProblemAsync(400, "config.endpoint");
        var big = await (await c.PostJsonAsync("/api/v1/destinations", new { name = "w", kind = "webhook", config = new { url = "https://hooks.example.com/x", note = new string('x', 20_000) },
            secrets = new { signingSecret = secret } })).ProblemAsync(400, "config");
        Assert.Contains("16384", big.GetProperty("errors").GetProperty("config")[0].GetString());
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "x", kind = "sftp", config = new { host = "sftp.example.com", username = "u", hostKey = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=') },
            secrets = new { privateKey = new string('k', 20_000) } })).ProblemAsync(400, "secrets");
        await (await c.PostJsonAsync("/api/v1/destinations", new { name = "y", kind = "email", config = new { to = new[] { "Ops <ops@example.com>" } } })).ProblemAsync(400, "config.to[0]");
        await (await c.PostJsonAsync("/api/v1/exports", new { kind = "layout", format = "png", delivery = new { destinations = new[] { Guid.NewGuid() } },
            layout = new { widgets = new object[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 12, h = 2 } } } })).ProblemAsync(400, "delivery.destinations[0]");
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Exports.Host.Documents.Schema}.mt_doc_destination WHERE owner_id = $1", owner));
        var (_, stranger) = await api.NewUserAsync();
        await (await stranger.GetAsync($"/api/v1/destinations/{id}")).ProblemAsync(404);
    }

    [Fact]
    public async Task ScheduledRun_ShowsEachDestinationsResultInTheRunHistory()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var mail = await CreateAsync(c, new { name = "sched mail " + tag, kind = "email", config = new { to = new[] { $"sched-{tag}@example.com" } } });
        var template = (await (await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "mailed " + tag, request = new { kind = "series", format = "csv", series = new { source = "servers", metrics = new[] { "load_avg" }, granularity = "1h", timeframe = new { last = "6h" } } },
        })).JsonAsync()).GetProperty("id").GetString();
        var schedule = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 6 * * 1", timezone = "Europe/Berlin", destinations = new[] { mail } })).JsonAsync()).GetProperty("id").GetString();
        JsonElement run = default;
        var (job, session) = await RunTrackedAsync(api.Host, c, async () =>
            (run = await (await c.PostAsync($"/api/v1/schedules/{schedule}/run", null)).JsonAsync()).GetProperty("exportId").GetString()!);
        AssertCompleted(job);
        Assert.Contains(session.MessageSucceeded.MessagesOf<DeliverExport>(), m => m.ExportId == job.GetProperty("id").GetGuid());
        await DeliveriesAsync(c, run.GetProperty("exportId").GetString()!, 1);
        var listed = (await (await c.GetAsync($"/api/v1/schedules/{schedule}/runs")).JsonAsync())[0];
        var d = Assert.Single(listed.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("email", "delivered"), (d.GetProperty("kind").GetString(), d.GetProperty("status").GetString()));
        var attachment = Assert.Single((await MailAsync($"sched-{tag}@example.com")).GetProperty("attachments").EnumerateArray());
        Assert.Equal(listed.GetProperty("fileName").GetString(), attachment.GetProperty("filename").GetString());
        await c.DeleteAsync($"/api/v1/schedules/{schedule}");
    }
}
