using Exports.Host;
using Microsoft.Extensions.Configuration;

namespace Exports.Tests.Host;

public sealed class SettingsTests
{
    static ExportsSettings Load(Dictionary<string, string?> values) =>
        ExportsSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    const string Db = "Host=127.0.0.1;Port=5432;Username=postgres";

    [Theory]
    [InlineData("EXPORTS_PORT", "eighty", "EXPORTS_PORT")]
    [InlineData("EXPORTS_PORT", "70000", "EXPORTS_PORT")]
    [InlineData("EXPORTS_RAW_MAX_DAYS", "0", "EXPORTS_RAW_MAX_DAYS")]
    [InlineData("EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS", "0", "EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS")]
    [InlineData("EXPORTS_SEED", "maybe", "EXPORTS_SEED")]
    [InlineData("EXPORTS_MAX_RANGE_DAYS", "0", "EXPORTS_MAX_RANGE_DAYS")]
    [InlineData("EXPORTS_MAX_JSON_BYTES", "12", "EXPORTS_MAX_JSON_BYTES")]
    [InlineData("EXPORTS_DEMO_API_KEY", "short", "EXPORTS_DEMO_API_KEY")]
    [InlineData("EXPORTS_SMTP_TLS_FINGERPRINT", "SHA256:abc", "EXPORTS_SMTP_TLS_FINGERPRINT")]
    [InlineData("EXPORTS_SMTP_TLS_FINGERPRINT", "zz00000000000000000000000000000000000000000000000000000000000000", "EXPORTS_SMTP_TLS_FINGERPRINT")]
    [InlineData("EXPORTS_DESTINATION_CONFIG_MAX_BYTES", "100", "EXPORTS_DESTINATION_CONFIG_MAX_BYTES")]
    [InlineData("EXPORTS_DESTINATION_CONFIG_MAX_BYTES", "lots", "EXPORTS_DESTINATION_CONFIG_MAX_BYTES")]
    [InlineData("EXPORTS_TEST_SENDS_PER_MINUTE", "0", "EXPORTS_TEST_SENDS_PER_MINUTE")]
    [InlineData("EXPORTS_TEST_SENDS_PER_MINUTE", "601", "EXPORTS_TEST_SENDS_PER_MINUTE")]
    [InlineData("EXPORTS_TEST_SENDS_PER_MINUTE", "often", "EXPORTS_TEST_SENDS_PER_MINUTE")]
    [InlineData("EXPORTS_INGEST_MAX_BYTES", "100", "EXPORTS_INGEST_MAX_BYTES")]
    [InlineData("EXPORTS_INGEST_MAX_BYTES", "lots", "EXPORTS_INGEST_MAX_BYTES")]
    [InlineData("EXPORTS_INGEST_MAX_TAG_BYTES", "4096", "EXPORTS_INGEST_MAX_TAG_BYTES")]
    [InlineData("EXPORTS_INGEST_MAX_TAG_BYTES", "0", "EXPORTS_INGEST_MAX_TAG_BYTES")]
    [InlineData("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS", "0", "EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS")]
    [InlineData("EXPORTS_LOGIN_MAX_FAILURES", "none", "EXPORTS_LOGIN_MAX_FAILURES")]
    [InlineData("EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS", "0", "EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS")]
    [InlineData("EXPORTS_LOGIN_WINDOW_MINUTES", "-5", "EXPORTS_LOGIN_WINDOW_MINUTES")]
    [InlineData("EXPORTS_STREAMS_PER_OWNER", "0", "EXPORTS_STREAMS_PER_OWNER")]
    [InlineData("EXPORTS_STREAM_IDLE_SECONDS", "soon", "EXPORTS_STREAM_IDLE_SECONDS")]
    [InlineData("EXPORTS_JOB_MAX_STARTS", "0", "EXPORTS_JOB_MAX_STARTS")]
    [InlineData("EXPORTS_DIRECT_LINKS_PER_OWNER", "0", "EXPORTS_DIRECT_LINKS_PER_OWNER")]
    [InlineData("EXPORTS_DIRECT_LINKS_PER_OWNER", "many", "EXPORTS_DIRECT_LINKS_PER_OWNER")]
    [InlineData("EXPORTS_DB_POOL_SIZE", "1", "EXPORTS_DB_POOL_SIZE")]
    [InlineData("EXPORTS_DB_POOL_RESERVE", "60", "EXPORTS_DB_POOL_RESERVE")]
    [InlineData("EXPORTS_LAYOUT_MAX_WIDGETS", "0", "EXPORTS_LAYOUT_MAX_WIDGETS")]
    [InlineData("EXPORTS_WIDGETS_HEADER_BYTES", "100", "EXPORTS_WIDGETS_HEADER_BYTES")]
    public void BadValue_StopsWithAMessageNamingTheSetting(string name, string value, string named)
    {
        var e = Assert.Throws<SettingsException>(() => Load(new() { ["EXPORTS_DB"] = Db, [name] = value }));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void RelativeDataDir_IsReadFromTheRepositoryRoot_WhereverTheAppStarts()
    {
        var root = ExportsSettings.Root;
        Assert.True(File.Exists(Path.Combine(root, "Exports.sln")), $"{root} is not the repository root");
        // The test host runs from tests/Exports.Tests/bin/...: neither the root nor api/, yet .data means <root>/.data.
        Assert.NotEqual(root, Directory.GetCurrentDirectory());
        var s = Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_DATA_DIR"] = ".data", ["EXPORTS_STORAGE_DIR"] = "files/out" });
        Assert.Equal(Path.Combine(root, ".data"), s.DataDir);
        Assert.Equal(Path.Combine(root, "files", "out"), s.Jobs.LocalDir);
    }

    [Fact]
    public void MissingDatabase_IsNamed() =>
        Assert.Contains("EXPORTS_DB", Assert.Throws<SettingsException>(() => Load(new())).Message);

    [Fact]
    public void Defaults_AreApplied()
    {
        var s = Load(new() { ["EXPORTS_DB"] = Db });
        Assert.Equal(5080, s.Port);
        Assert.Equal(31, s.RawMaxDays);
        Assert.True(s.Seed);
        Assert.Equal(64L * 1024 * 1024, s.IngestMaxBytes);
        Assert.Equal(1024, s.IngestMaxTagBytes);
    }

    [Fact]
    public void SmtpTlsFingerprint_AcceptsOpensslsColonForm_AndNeedsStartTls()
    {
        const string colons = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        var s = Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_SMTP_TLS_FINGERPRINT"] = colons });
        Assert.Equal(colons.Replace(":", "").ToLowerInvariant(), s.SmtpTlsFingerprint);
        Assert.True(s.SmtpStartTls);
        var e = Assert.Throws<SettingsException>(() => Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_SMTP_TLS_FINGERPRINT"] = colons, ["EXPORTS_SMTP_STARTTLS"] = "false" }));
        Assert.Contains("EXPORTS_SMTP_STARTTLS", e.Message);
    }

    [Fact]
    public void DeliveryDefaults_RequireTls_RefusePrivateNetworks_AndBoundConfigs()
    {
        var s = Load(new() { ["EXPORTS_DB"] = Db });
        Assert.True(s.SmtpStartTls);
        Assert.Null(s.SmtpTlsFingerprint);
        Assert.False(s.DeliveryAllowPrivateNetworks);
        Assert.Equal(16384, s.DestinationConfigMaxBytes);
        Assert.Equal(4096, Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_DESTINATION_CONFIG_MAX_BYTES"] = "4096" }).DestinationConfigMaxBytes);
        Assert.Equal(10, s.TestSendsPerMinute);
        Assert.Equal(3, Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_TEST_SENDS_PER_MINUTE"] = "3" }).TestSendsPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(60), s.Jobs.ScheduleMinInterval);
        Assert.Equal((10, 50, TimeSpan.FromMinutes(15)), (s.Login.MaxFailures, s.Login.MaxFailuresPerAddress, s.Login.Window));
    }

    [Fact]
    public void PoolSize_IsWrittenIntoTheConnectionString_AndLeavesStreamingSlotsAfterTheReserve()
    {
        var s = Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_WORKER_CONCURRENCY"] = "3" });
        Assert.Equal(50, s.DbPoolSize);
        Assert.Equal(50, new Npgsql.NpgsqlConnectionStringBuilder(s.ConnectionString).MaxPoolSize);
        Assert.Equal(50 - 10 - 3, s.StreamSlots);
        Assert.Equal(4, s.Streams.PerOwner);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Streams.Idle);
        Assert.Equal(20, s.Streams.DirectLinksPerOwner);
        Assert.Equal(3, Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_DIRECT_LINKS_PER_OWNER"] = "3" }).Streams.DirectLinksPerOwner);
        // A pool size written in the connection string counts unless EXPORTS_DB_POOL_SIZE says otherwise.
        Assert.Equal(80, Load(new() { ["EXPORTS_DB"] = Db + ";Maximum Pool Size=80" }).DbPoolSize);
        Assert.Equal(30, Load(new() { ["EXPORTS_DB"] = Db + ";MaxPoolSize=80", ["EXPORTS_DB_POOL_SIZE"] = "30" }).DbPoolSize);
    }

    [Fact]
    public void ReserveAndWorkersLeavingNoStreamingSlot_StopTheStart()
    {
        var e = Assert.Throws<SettingsException>(() => Load(new() { ["EXPORTS_DB"] = Db, ["EXPORTS_DB_POOL_SIZE"] = "12", ["EXPORTS_WORKER_CONCURRENCY"] = "2" }));
        Assert.Contains("EXPORTS_DB_POOL_RESERVE", e.Message);
        Assert.Contains("EXPORTS_WORKER_CONCURRENCY", e.Message);
    }

    [Fact]
    public void ContentDisposition_HasAsciiFallbackAndUtf8Name()
    {
        var h = FileResponse.ContentDisposition("Bericht März \"Q3\".csv");
        Assert.Equal("attachment; filename=\"Bericht Marz _Q3_.csv\"; filename*=UTF-8''Bericht%20M%C3%A4rz%20%22Q3%22.csv", h);
    }

    /// <summary>Every setting the service reads is in the README's settings: by its full name, or as <c>`_TAIL`</c> on
    /// the line of its group (<c>`EXPORTS_S3_ENDPOINT`, `_BUCKET`</c>).</summary>
    [Fact]
    public void EverySettingTheServiceReads_IsDocumentedInTheReadme()
    {
        var root = Infrastructure.NodeReaders.Root;
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var names = Directory.EnumerateFiles(Path.Combine(root, "api"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("Tests.cs", StringComparison.Ordinal))
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "\"(EXPORTS_[A-Z0-9_]+)\"").Select(m => m.Groups[1].Value))
            .Distinct().Order().ToList();
        Assert.Contains("EXPORTS_JOB_MAX_STARTS", names); // the scan sees what it should
        var missing = names.Where(n => !readme.Any(l => l.Contains($"`{n}`") ||
            Enumerable.Range(2, n.Count(ch => ch == '_') - 1).Any(k =>
            {
                var cut = n.Split('_');
                var (group, tail) = (string.Join('_', cut[..k]) + "_", "_" + string.Join('_', cut[k..]));
                return l.Contains($"`{group}", StringComparison.Ordinal) && l.Contains($"`{tail}`", StringComparison.Ordinal);
            }))).ToList();
        Assert.True(missing.Count == 0, "Not in the README: " + string.Join(", ", missing));
    }
}
