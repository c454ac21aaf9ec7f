using System.Net.Http.Headers;
using Exports.Host;
using Exports.Shared;
using Alba;
using Npgsql;

namespace Exports.Tests.Infrastructure;

/// <summary>
/// One API over one real database for the whole run, seeded once with the demo data (read-only for tests).
/// Tests that write make their own user with <see cref="NewUserAsync"/>, so each starts from an empty account:
/// isolation by owner, which is also the product's own rule.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string DemoKey = "exp_test_demo_key_0123456789abcdef";
    /// <summary>SQL condition on a series alias <c>s</c>: the demo owner's servers (other tests make sources with the
    /// same metric names).</summary>
    public const string DemoServers = "s.source_id = (SELECT src.id FROM sources src JOIN users u ON u.id = src.owner_id WHERE u.email = 'demo@exports.local' AND src.name = 'servers')";
    /// <summary>The API in memory (Alba over <c>Program</c>): its services, its test server and scenarios.</summary>
    public IAlbaHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public NpgsqlDataSource Db { get; private set; } = null!;

    /// <summary>Where the fixture's real SMTP server (npm smtp-server) keeps each accepted message as an .eml file.</summary>
    public string MailDir { get; } = Directory.CreateTempSubdirectory("exports-mail-").FullName;
    System.Diagnostics.Process? _smtp;

    public const int SendTestsPerMinute = 40;

    public async Task InitializeAsync()
    {
        var smtpPort = StartSmtp();
        Environment.SetEnvironmentVariable("EXPORTS_SMTP_HOST", "127.0.0.1");
        Environment.SetEnvironmentVariable("EXPORTS_SMTP_PORT", smtpPort.ToString());
        Environment.SetEnvironmentVariable("EXPORTS_SMTP_STARTTLS", "false");
        Environment.SetEnvironmentVariable("EXPORTS_SMTP_FROM", "exports@test.local");
        // The delivery peers (HttpListener, s3rver, sshd) run on loopback, which deliveries refuse by default.
        Environment.SetEnvironmentVariable("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true");
        // Schedule tests tick every 2-3 s; production refuses schedules firing more often than once a minute.
        Environment.SetEnvironmentVariable("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS", "2");
        // The send-test tests make a few dozen test sends a minute as the demo user; the limit itself is tested with its own users.
        Environment.SetEnvironmentVariable("EXPORTS_TEST_SENDS_PER_MINUTE", SendTestsPerMinute.ToString());
        // The result cache is on by default; here it is off, so the many tests that repeat an export run it each time.
        // ResultCacheTests turn it on while they run (ResultCache.Enabled).
        Environment.SetEnvironmentVariable("EXPORTS_CACHE", "false");
        ConnectionString = TestPostgres.Database("exports_tests");
        Environment.SetEnvironmentVariable("EXPORTS_DB", ConnectionString);
        Environment.SetEnvironmentVariable("EXPORTS_DEMO_API_KEY", DemoKey);
        Environment.SetEnvironmentVariable("EXPORTS_DATA_DIR", Path.Combine(TestTemp.Root, "api-data")); // deleted with the rest at exit (TestTemp)
        Environment.SetEnvironmentVariable("EXPORTS_SPA_DIR", null);
        Host = await AlbaHost.For<Program>();
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var r = await client.GetAsync("/health");
            if (r.IsSuccessStatusCode) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The API did not become healthy.");
            await Task.Delay(200);
        }
        Db = NpgsqlDataSource.Create(ConnectionString);
    }

    int StartSmtp()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var psi = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = NodeReaders.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(NodeReaders.Root, "tests", "readers", "smtp-capture.mjs"), port.ToString(), MailDir }) psi.ArgumentList.Add(a);
        _smtp = System.Diagnostics.Process.Start(psi)!;
        var ready = _smtp.StandardOutput.ReadLine();
        if (ready != "listening") throw new InvalidOperationException($"The test SMTP server did not start: {_smtp.StandardError.ReadToEnd()}");
        return port;
    }

    public async Task DisposeAsync()
    {
        try { _smtp?.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await Host.DisposeAsync();
        await Db.DisposeAsync();
    }

    public HttpClient Client(string apiKey)
    {
        var c = CreateClient();
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        c.Timeout = TimeSpan.FromMinutes(3);
        return c;
    }

    public HttpClient Demo() => Client(DemoKey);

    /// <summary>A client with no credentials.</summary>
    public HttpClient CreateClient() => Host.Server.CreateClient();

    /// <summary>A fresh user with an API key and nothing else.</summary>
    public async Task<(Guid Id, HttpClient Client)> NewUserAsync()
    {
        var (id, key) = await NewUserWithKeyAsync();
        return (id, Client(key));
    }

    /// <summary>A fresh user and its API key (for Alba scenarios: <c>s.WithBearerToken(key)</c>).</summary>
    public async Task<(Guid Id, string Key)> NewUserWithKeyAsync()
    {
        var id = Guid.NewGuid();
        var key = Secrets.NewApiKey();
        await using var cmd = Db.CreateCommand("""
            INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'Test', $3, now());
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = $"user-{id:N}@test.local" });
        cmd.Parameters.Add(new() { Value = Secrets.HashPassword("secret-password") });
        await cmd.ExecuteNonQueryAsync();
        await using var k = Db.CreateCommand("INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES ($1, $2, 'test', $3, $4, now())");
        k.Parameters.Add(new() { Value = Guid.NewGuid() });
        k.Parameters.Add(new() { Value = id });
        k.Parameters.Add(new() { Value = Secrets.KeyPrefix(key) });
        k.Parameters.Add(new() { Value = Secrets.HashApiKey(key) });
        await k.ExecuteNonQueryAsync();
        return (id, key);
    }

    /// <summary>The last <paramref name="span"/> of the seeded points, ending one minute after the newest point:
    /// a range with data however long ago the seed ran.</summary>
    public async Task<(DateTime From, DateTime To)> SeededRangeAsync(TimeSpan span)
    {
        // The demo user's own points: other tests ingest into their own sources, at times of their choosing.
        var to = (await ScalarAsync<DateTime>("""
            SELECT max(p.ts) FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            JOIN users u ON u.id = src.owner_id WHERE u.email = 'demo@exports.local'
            """)).AddMinutes(1);
        return (to - span, to);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task<List<object?[]>> RowsAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await r.ReadAsync())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
