using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Exports.Delivery;
using Exports.Features.Destinations;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Destinations;

/// <summary>GET /destinations/kinds and "Send test" (POST /destinations/test, POST /destinations/{id}/test) against
/// the real peers the delivery tests use: the fixture's SMTP server (mail parsed back with mailparser), an
/// HttpListener, s3rver and Debian's sshd. Each success is read back at the receiver; each failure says why; a
/// stranger's destination is a 404; secrets are never echoed.</summary>
[Collection(ApiCollection.Name)]
public sealed class SendTestTests(ApiFixture api, S3Server s3, SshServer ssh) : IClassFixture<S3Server>, IClassFixture<SshServer>
{
    const string Secret = "whsec_send_test_0123456789";

    static async Task<string> CreateAsync(HttpClient c, object body)
    {
        var r = await c.PostJsonAsync("/api/v1/destinations", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    static async Task<(JsonElement Result, string Text)> TestAsync(HttpClient c, string url, object? body = null)
    {
        var r = body is null ? await c.PostAsync(url, null) : await c.PostJsonAsync(url, body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return (JsonDocument.Parse(text).RootElement, text);
    }

    /// <summary>An HTTP receiver on loopback that answers <paramref name="status"/> and keeps what it got.</summary>
    sealed class Receiver : IDisposable
    {
        readonly HttpListener _listener = new();
        public string Url { get; }
        public List<(string Body, string? Signature)> Received { get; } = [];

        public Receiver(int status)
        {
            var port = TestPorts.Free();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await _listener.GetContextAsync(); } catch { return; }
                    using var reader = new StreamReader(ctx.Request.InputStream);
                    var body = await reader.ReadToEndAsync();
                    lock (Received) Received.Add((body, ctx.Request.Headers["Exports-Signature"]));
                    ctx.Response.StatusCode = status;
                    ctx.Response.Close();
                }
            });
        }

        public void Dispose() => _listener.Close();
    }

    static void AssertSigned((string Body, string? Signature) got, string secret)
    {
        var parts = got.Signature!.Split(',').Select(x => x.Split('=', 2)).ToDictionary(x => x[0], x => x[1]);
        Assert.Equal(WebhookChannel.Sign(secret, long.Parse(parts["t"]), got.Body), parts["v1"]);
    }

    [Fact]
    public async Task Kinds_SayWhatThisServerDeliversTo_AndWhyNot_InWordsWithoutSettingNames()
    {
        var kinds = await (await api.Demo().GetAsync("/api/v1/destinations/kinds")).JsonAsync();
        Assert.Equal(["email", "webhook", "s3", "sftp"], kinds.EnumerateArray().Select(k => k.GetProperty("kind").GetString()));
        // The fixture has an SMTP server and allows private networks: everything is available, with no note.
        Assert.All(kinds.EnumerateArray(), k => Assert.True(k.GetProperty("available").GetBoolean()));
        Assert.All(kinds.EnumerateArray(), k => Assert.False(k.TryGetProperty("reason", out _)));

        // A server without SMTP, refusing private networks.
        var bare = DestinationKinds.For(ChannelKit.Settings(allowPrivate: false));
        var email = bare.Single(k => k.Kind == "email");
        Assert.False(email.Available);
        Assert.Contains("cannot send e-mail", email.Reason);
        Assert.All(bare, k => Assert.DoesNotContain("EXPORTS_", (k.Reason ?? "") + (k.Note ?? "")));
        Assert.All(bare.Where(k => k.Kind != "email"), k => Assert.True(k.Available));
        Assert.All(bare.Where(k => k.Kind != "email"), k => Assert.Contains("public internet", k.Note));
    }

    [Fact]
    public async Task Email_SavedDestination_SendsATestMailWithTheFileAttached()
    {
        var c = api.Demo();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var name = "test mail " + tag;
        var id = await CreateAsync(c, new { name, kind = "email", config = new { to = new[] { $"try-{tag}@example.com" } } });
        var (result, _) = await TestAsync(c, $"/api/v1/destinations/{id}/test");
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal($"sent to try-{tag}@example.com with the file attached", result.GetProperty("detail").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? file = null;
        while ((file = Directory.EnumerateFiles(api.MailDir, "*.eml").FirstOrDefault(f => File.ReadAllText(f).Contains($"try-{tag}@example.com"))) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "No test e-mail arrived.");
            await Task.Delay(100);
        }
        var mail = await NodeReaders.RunAsync("mail.mjs", file);
        Assert.Equal($"Test from Exports: {name}", mail.GetProperty("subject").GetString());
        var attachment = Assert.Single(mail.GetProperty("attachments").EnumerateArray());
        Assert.Equal(result.GetProperty("fileName").GetString(), attachment.GetProperty("filename").GetString());
        Assert.Equal(result.GetProperty("bytes").GetInt64(), attachment.GetProperty("size").GetInt64());
        Assert.Contains(name, mail.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Webhook_UnsavedForm_IsSignedWithTheTypedSecret_AndReportsTheStatus()
    {
        using var receiver = new Receiver(202);
        var (result, text) = await TestAsync(api.Demo(), "/api/v1/destinations/test",
            new { name = "unsaved hook", kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } });
        Assert.True(result.GetProperty("ok").GetBoolean(), text);
        Assert.Equal("HTTP 202", result.GetProperty("detail").GetString());
        Assert.DoesNotContain(Secret, text);
        var got = Assert.Single(receiver.Received);
        AssertSigned(got, Secret);
        var ev = JsonDocument.Parse(got.Body).RootElement;
        Assert.Equal("destination.test", ev.GetProperty("type").GetString());
        Assert.Equal(result.GetProperty("fileName").GetString(), ev.GetProperty("data").GetProperty("fileName").GetString());
        Assert.Equal(result.GetProperty("bytes").GetInt64(), ev.GetProperty("data").GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task Webhook_ReceiverRefusing_IsAFailedTestWithItsReason_AndNotRetried()
    {
        using var receiver = new Receiver(410);
        var c = api.Demo();
        var id = await CreateAsync(c, new { name = "gone hook " + Guid.NewGuid().ToString("N")[..6], kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } });
        var (result, _) = await TestAsync(c, $"/api/v1/destinations/{id}/test");
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal("Webhook answered HTTP 410; not retried.", result.GetProperty("error").GetString());
        Assert.False(result.TryGetProperty("detail", out _));
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task Webhook_EditedForm_UsesTheStoredSecretForAnEmptyBox_OnlyWhileTheReceiverIsTheSavedOne()
    {
        using var old = new Receiver(204);
        using var moved = new Receiver(200);
        var c = api.Demo();
        var name = "moving hook " + Guid.NewGuid().ToString("N")[..6];
        var id = await CreateAsync(c, new { name, kind = "webhook", config = new { url = old.Url }, secrets = new { signingSecret = Secret } });

        // Same receiver, another name: the empty box is the stored secret.
        var (same, sameText) = await TestAsync(c, $"/api/v1/destinations/{id}/test", new { name = name + " renamed", kind = "webhook", config = new { url = old.Url } });
        Assert.True(same.GetProperty("ok").GetBoolean(), sameText);
        AssertSigned(Assert.Single(old.Received), Secret);

        // Another receiver (another port) without a secret: the stored one is not sent to it; a 400 as for an unsaved form.
        var refused = await c.PostJsonAsync($"/api/v1/destinations/{id}/test", new { name, kind = "webhook", config = new { url = moved.Url } });
        await refused.ProblemAsync(400, "secrets.signingSecret");
        Assert.Empty(moved.Received);

        // Another receiver with its own secret: signed with that one.
        const string other = "whsec_other_receiver_0123456789";
        var (result, text) = await TestAsync(c, $"/api/v1/destinations/{id}/test", new { name, kind = "webhook", config = new { url = moved.Url }, secrets = new { signingSecret = other } });
        Assert.True(result.GetProperty("ok").GetBoolean(), text);
        Assert.Equal("HTTP 200", result.GetProperty("detail").GetString());
        Assert.Single(old.Received);
        AssertSigned(Assert.Single(moved.Received), other);
        // Nothing was saved: the destination still points at the old URL.
        var saved = await (await c.GetAsync($"/api/v1/destinations/{id}")).JsonAsync();
        Assert.Equal(old.Url, saved.GetProperty("config").GetProperty("url").GetString());
    }

    [Fact]
    public async Task SavedDestinationBody_IsCheckedAsADeclaredBodyIs_NullSecret_Nul_NotJson()
    {
        using var receiver = new Receiver(204);
        var (_, c) = await api.NewUserAsync();
        var name = "guarded hook";
        var id = await CreateAsync(c, new { name, kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } });
        var url = $"/api/v1/destinations/{id}/test";
        HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

        var nullSecret = await (await c.PostAsync(url, Json($"{{\"name\":\"{name}\",\"kind\":\"webhook\",\"config\":{{\"url\":\"{receiver.Url}\"}},\"secrets\":{{\"signingSecret\":null}}}}"))).ProblemAsync(400, "secrets.signingSecret");
        Assert.DoesNotContain("System.", nullSecret.ToString());
        await (await c.PostAsync(url, Json($"{{\"name\":\"a\\u0000b\",\"kind\":\"webhook\",\"config\":{{\"url\":\"{receiver.Url}\"}}}}"))).ProblemAsync(400, "name");
        await (await c.PostAsync(url, Json("{\"name\":\"\\ud800\",\"kind\":\"webhook\"}"))).ProblemAsync(400, "name");
        var plain = await c.PostAsync(url, new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);
        Assert.Empty(receiver.Received);

        // No body and no content type: the saved destination as it is.
        var none = new HttpRequestMessage(HttpMethod.Post, url);
        var ok = await c.SendAsync(none);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True((await ok.Content.ReadAsStringAsync()).Contains("\"ok\":true"));
        AssertSigned(Assert.Single(receiver.Received), Secret);
    }

    [Fact]
    public async Task TestSends_AreLimitedPerOwnerPerMinute_With429AndRetryAfter_NamingTheSetting()
    {
        using var receiver = new Receiver(204);
        var (_, c) = await api.NewUserAsync();
        var form = new { name = "loop", kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } };
        for (var i = 0; i < ApiFixture.SendTestsPerMinute; i++)
        {
            var r = await c.PostJsonAsync("/api/v1/destinations/test", form);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"send {i + 1}: {await r.Content.ReadAsStringAsync()}");
        }
        var refused = await c.PostJsonAsync("/api/v1/destinations/test", form);
        var problem = await refused.ProblemAsync(429);
        Assert.Contains("EXPORTS_TEST_SENDS_PER_MINUTE", problem.GetProperty("detail").GetString());
        var retry = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.InRange(retry, 1, 60);
        Assert.Equal(ApiFixture.SendTestsPerMinute, receiver.Received.Count);
        // A saved destination's test counts too; another owner is not affected.
        var id = await CreateAsync(c, form);
        await (await c.PostAsync($"/api/v1/destinations/{id}/test", null)).ProblemAsync(429);
        var (_, other) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await other.PostJsonAsync("/api/v1/destinations/test", form)).StatusCode);
        Assert.Equal(ApiFixture.SendTestsPerMinute + 1, receiver.Received.Count);
    }

    [Fact]
    public async Task TestSends_RunOneAtATimePerOwner()
    {
        // A receiver that accepts the connection and never answers: the first test waits on it.
        var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () => { try { while (true) { var s = await silent.AcceptTcpClientAsync(); lock (accepted) accepted.Add(s); } } catch { } });
        try
        {
            var (_, c) = await api.NewUserAsync();
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            var hanging = new { name = "slow", kind = "webhook", config = new { url = $"http://127.0.0.1:{port}/hook" }, secrets = new { signingSecret = Secret } };
            using var cancel = new CancellationTokenSource();
            var first = c.PostAsync("/api/v1/destinations/test", JsonContent.Create(hanging), cancel.Token);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                lock (accepted) if (accepted.Count > 0) break;
                Assert.True(DateTime.UtcNow < deadline, "The first test never reached the receiver.");
                await Task.Delay(50);
            }
            var second = await c.PostJsonAsync("/api/v1/destinations/test", hanging);
            var problem = await second.ProblemAsync(429);
            Assert.Contains("one of yours is still running", problem.GetProperty("detail").GetString());
            Assert.True(second.Headers.Contains("Retry-After"));

            // Once the first ends (its client gave up), the next one runs.
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
            using var receiver = new Receiver(204);
            var form = new { name = "next", kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } };
            deadline = DateTime.UtcNow.AddSeconds(20);
            HttpResponseMessage next;
            while ((next = await c.PostJsonAsync("/api/v1/destinations/test", form)).StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(DateTime.UtcNow < deadline, "The first test's turn was never given back.");
                await Task.Delay(200);
            }
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Single(receiver.Received);
        }
        finally
        {
            silent.Stop();
            lock (accepted) foreach (var s in accepted) s.Dispose();
        }
    }

    [Fact]
    public async Task Email_ServerSideFailure_IsToldInGeneralWords_WithoutTheMailHost_AndLogged()
    {
        var port = TestPorts.Free(); // nothing listens there: this server's relay is down
        var settings = new Exports.Host.ExportsSettings
        {
            ConnectionString = "Host=unused", DeliveryAllowPrivateNetworks = true,
            SmtpHost = "127.0.0.1", SmtpPort = port, SmtpStartTls = false, SmtpUser = "relay-user", SmtpPassword = "relay-password-0123",
        };
        var d = ChannelKit.Destination("email", new { to = new[] { "someone@example.com" } });
        var log = new ListLogger();
        var result = await SendTestDelivery.SendAsync(d, [new EmailChannel(settings)], settings, TimeProvider.System, default, log);
        Assert.False(result.Ok);
        Assert.Equal(SendTestDelivery.ServerMailFailure, result.Error);
        var shown = JsonSerializer.Serialize(result);
        Assert.DoesNotContain("127.0.0.1", shown);
        Assert.DoesNotContain(port.ToString(), shown);
        Assert.DoesNotContain("EXPORTS_", shown);
        // The administrator sees the reason in the log, without the password.
        var warning = Assert.Single(log.Lines);
        Assert.Contains($"127.0.0.1:{port}", warning);
        Assert.DoesNotContain("relay-password-0123", warning);
    }

    sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning) lock (Lines) Lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }

    [Fact]
    public async Task InvalidForm_Is400WithTheSavesFieldErrors_AndStrangersGet404()
    {
        var c = api.Demo();
        await (await c.PostJsonAsync("/api/v1/destinations/test", new { name = "h", kind = "webhook", config = new { url = "ftp://example.com/x" }, secrets = new { signingSecret = Secret } })).ProblemAsync(400, "config.url");
        await (await c.PostJsonAsync("/api/v1/destinations/test", new { name = "h", kind = "webhook", config = new { url = "https://hooks.example.com/x" } })).ProblemAsync(400, "secrets.signingSecret");
        await (await c.PostJsonAsync("/api/v1/destinations/test", new { name = "m", kind = "email", config = new { to = new[] { "nope" } } })).ProblemAsync(400, "config.to[0]");
        await (await c.PostJsonAsync("/api/v1/destinations/test", new { name = "k", kind = "fax", config = new { } })).ProblemAsync(400, "kind");

        using var receiver = new Receiver(204);
        var id = await CreateAsync(c, new { name = "private hook " + Guid.NewGuid().ToString("N")[..6], kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } });
        var (_, stranger) = await api.NewUserAsync();
        var notFound = await (await stranger.PostAsync($"/api/v1/destinations/{id}/test", null)).ProblemAsync(404);
        Assert.Contains(id, notFound.GetProperty("detail").GetString());
        await (await stranger.PostJsonAsync($"/api/v1/destinations/{id}/test", new { name = "x", kind = "webhook", config = new { url = receiver.Url } })).ProblemAsync(404);
        await (await c.PostAsync($"/api/v1/destinations/{Guid.NewGuid()}/test", null)).ProblemAsync(404);
        // The optional body of a saved destination's test: not JSON, or a field of the wrong type, is a 400 naming it.
        await (await c.PostAsync($"/api/v1/destinations/{id}/test", new StringContent("not json", Encoding.UTF8, "application/json"))).ProblemAsync(400, "body");
        var typed = await (await c.PostAsync($"/api/v1/destinations/{id}/test", new StringContent("{\"name\": 5}", Encoding.UTF8, "application/json"))).ProblemAsync(400, "name");
        Assert.DoesNotContain("System.", typed.GetProperty("errors").GetProperty("name")[0].GetString());
        Assert.Empty(receiver.Received);
    }

    /// <summary>The saved destination's test reads its optional body itself (the endpoint declares none): routing and
    /// the request guard let it through, and its refusals are the optional body's own (415 says no body is fine too).</summary>
    [Fact]
    public async Task SavedDestinationTest_OptionalBody_RefusalsAreItsOwn_AndAFormErrorHasTheDestinationsTitle()
    {
        using var receiver = new Receiver(204);
        var (_, c) = await api.NewUserAsync();
        var id = await CreateAsync(c, new { name = "optional body", kind = "webhook", config = new { url = receiver.Url }, secrets = new { signingSecret = Secret } });
        var url = $"/api/v1/destinations/{id}/test";

        var plain = await (await c.PostAsync(url, new StringContent("{}", Encoding.UTF8, "text/plain"))).ProblemAsync(415);
        Assert.Equal("Send the body as JSON with 'Content-Type: application/json' (got 'text/plain; charset=utf-8'), or send no body.",
            plain.GetProperty("detail").GetString());
        var big = await (await c.PostAsync(url, new StringContent($"{{\"name\":\"{new string('x', 1024 * 1024)}\"}}", Encoding.UTF8, "application/json"))).ProblemAsync(413);
        Assert.Equal("A JSON body may hold at most 1,048,576 bytes (EXPORTS_MAX_JSON_BYTES).", big.GetProperty("detail").GetString());
        var typed = await (await c.PostAsync(url, new StringContent("{\"name\": 5}", Encoding.UTF8, "application/json"))).ProblemAsync(400, "name");
        Assert.Equal("The value has the wrong type: expected a string.", typed.GetProperty("errors").GetProperty("name")[0].GetString());
        var kind = await (await c.PostJsonAsync(url, new { name = "x", kind = "fax", config = new { } })).ProblemAsync(400, "kind");
        Assert.Equal("The destination is not valid", kind.GetProperty("title").GetString());
        var form = await (await c.PostJsonAsync("/api/v1/destinations/test", new { name = "x", kind = "fax", config = new { } })).ProblemAsync(400, "kind");
        Assert.Equal("The destination is not valid", form.GetProperty("title").GetString());
        Assert.Equal(["name", "kind", "config"], (await (await c.PostJsonAsync("/api/v1/destinations", new { config = 5 })).ProblemAsync(400))
            .GetProperty("errors").EnumerateObject().Select(e => e.Name).Take(3));
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task PrivateHost_IsRefusedByTheNetworkGuard_UnlessAllowed()
    {
        using var receiver = new Receiver(204);
        var d = ChannelKit.Destination("webhook", new { url = receiver.Url }, new() { ["signingSecret"] = Secret });
        var channels = new IDeliveryChannel[] { new WebhookChannel(new GuardedFactory(allowPrivate: false)) };
        var refused = await SendTestDelivery.SendAsync(d, channels, ChannelKit.Settings(allowPrivate: false), TimeProvider.System, default);
        Assert.False(refused.Ok);
        Assert.Contains("127.0.0.1 is not a public address", refused.Error);
        Assert.Empty(receiver.Received);
        // Allowed, the same destination gets the file (so the refusal above is the guard's).
        var allowed = await SendTestDelivery.SendAsync(d, [new WebhookChannel(new GuardedFactory(allowPrivate: true))], ChannelKit.Settings(), TimeProvider.System, default);
        Assert.True(allowed.Ok, allowed.Error);
        Assert.Single(receiver.Received);
    }

    sealed class GuardedFactory(bool allowPrivate) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(NetworkGuard.Handler(allowPrivate)) { Timeout = TimeSpan.FromSeconds(15) };
    }

    AmazonS3Client S3Client() => new(new Amazon.Runtime.BasicAWSCredentials(S3Server.AccessKey, S3Server.SecretKey),
        new AmazonS3Config { ServiceURL = s3.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    [Fact]
    public async Task S3_PutsTheTestFileInTheBucket_AndAMissingBucketFailsWithTheReason()
    {
        var c = api.Demo();
        var bucket = "try-" + Guid.NewGuid().ToString("N")[..10];
        using (var owner = S3Client()) await owner.PutBucketAsync(bucket);
        var (result, text) = await TestAsync(c, "/api/v1/destinations/test", new
        {
            name = "try bucket", kind = "s3", config = new { endpoint = s3.Endpoint, bucket, prefix = "checks" },
            secrets = new { accessKey = S3Server.AccessKey, secretKey = S3Server.SecretKey },
        });
        Assert.True(result.GetProperty("ok").GetBoolean(), text);
        Assert.DoesNotContain(S3Server.SecretKey, text);
        var key = $"checks/{result.GetProperty("fileName").GetString()}";
        Assert.Equal($"s3://{bucket}/{key}", result.GetProperty("detail").GetString());
        using var client = S3Client();
        using var obj = await client.GetObjectAsync(bucket, key);
        var body = await new StreamReader(obj.ResponseStream, Encoding.UTF8).ReadToEndAsync();
        Assert.Equal(result.GetProperty("bytes").GetInt64(), Encoding.UTF8.GetByteCount(body));
        Assert.Contains("\"try bucket\" (s3)", body);

        var missing = "gone-" + Guid.NewGuid().ToString("N")[..10];
        var (failed, _) = await TestAsync(c, "/api/v1/destinations/test", new
        {
            name = "no bucket", kind = "s3", config = new { endpoint = s3.Endpoint, bucket = missing },
            secrets = new { accessKey = S3Server.AccessKey, secretKey = S3Server.SecretKey },
        });
        Assert.False(failed.GetProperty("ok").GetBoolean());
        Assert.StartsWith($"S3: bucket {missing} does not exist", failed.GetProperty("error").GetString());
        Assert.DoesNotContain(missing, (await client.ListBucketsAsync()).Buckets?.Select(b => b.BucketName) ?? []);
    }

    [Fact]
    public async Task Sftp_WritesTheTestFileUnderThePath_AndAWrongHostKeyFailsWithTheReason()
    {
        var c = api.Demo();
        var folder = Path.Combine(ssh.Uploads, "try-" + Guid.NewGuid().ToString("N")[..8]);
        var id = await CreateAsync(c, new
        {
            name = "try sftp " + Guid.NewGuid().ToString("N")[..6], kind = "sftp",
            config = new { host = "127.0.0.1", port = ssh.Port, username = ssh.User, path = folder, hostKey = ssh.HostKeyFingerprint },
            secrets = new { privateKey = ssh.ClientKey },
        });
        var (result, text) = await TestAsync(c, $"/api/v1/destinations/{id}/test");
        Assert.True(result.GetProperty("ok").GetBoolean(), text);
        Assert.DoesNotContain("PRIVATE KEY", text);
        var path = Path.Combine(folder, result.GetProperty("fileName").GetString()!);
        Assert.True(File.Exists(path), $"{path} is missing");
        Assert.Equal(result.GetProperty("bytes").GetInt64(), new FileInfo(path).Length);
        Assert.Equal($"sftp://127.0.0.1:{ssh.Port}{folder}/{Path.GetFileName(path)} ({new FileInfo(path).Length:N0} bytes)", result.GetProperty("detail").GetString());

        var wrongPin = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');
        var (failed, _) = await TestAsync(c, $"/api/v1/destinations/{id}/test", new
        {
            name = "try sftp", kind = "sftp",
            config = new { host = "127.0.0.1", port = ssh.Port, username = ssh.User, path = folder, hostKey = wrongPin },
        });
        Assert.False(failed.GetProperty("ok").GetBoolean());
        Assert.Contains("does not match the pinned fingerprint", failed.GetProperty("error").GetString());
        Assert.Single(Directory.GetFiles(folder));

        // Another host: the stored key is not offered to it; the form must carry its own, as an unsaved one does.
        var moved = await c.PostJsonAsync($"/api/v1/destinations/{id}/test", new
        {
            name = "try sftp", kind = "sftp",
            config = new { host = "attacker.example", port = ssh.Port, username = ssh.User, path = folder, hostKey = ssh.HostKeyFingerprint },
        });
        await moved.ProblemAsync(400, "secrets.privateKey");
        Assert.Single(Directory.GetFiles(folder));
    }
}
