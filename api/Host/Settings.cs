using Npgsql;

namespace Exports.Host;

public sealed class SettingsException(string message) : Exception(message);

/// <summary>All configuration, read once from appsettings and EXPORTS_* variables and validated at start-up.</summary>
public sealed record ExportsSettings
{
    public required string ConnectionString { get; init; }
    public int Port { get; init; } = 5080;
    public string DataDir { get; init; } = ".data";
    public string? DemoApiKey { get; init; }
    public bool Seed { get; init; } = true;
    public int RawMaxDays { get; init; } = 31;
    /// <summary>The longest range whose buckets are computed from raw points for exact: true or a zone whose offset
    /// is not a whole hour.</summary>
    public int BucketsFromRawMaxDays { get; init; } = 400;
    /// <summary>The longest time range any export, preview or layout may ask for.</summary>
    public int MaxRangeDays { get; init; } = 3660;
    /// <summary>The largest JSON request body the API reads (ingest has its own limit).</summary>
    public long MaxJsonBytes { get; init; } = 1024 * 1024;
    public int PreviewRows { get; init; } = 100;
    public string? SpaDir { get; init; }
    public JobSettings Jobs { get; init; } = new();
    /// <summary>The address users reach this service at, for links in e-mails and webhooks.</summary>
    public string PublicUrl { get; init; } = "http://127.0.0.1:5080";
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 587;
    public string SmtpFrom { get; init; } = "exports@localhost";
    public string? SmtpUser { get; init; }
    public string? SmtpPassword { get; init; }
    public bool SmtpStartTls { get; init; } = true;
    /// <summary>The SMTP server's certificate SHA-256 (lower-case hex of the DER bytes), trusted instead of the
    /// system's CAs (a self-signed relay); null: the system's trust.</summary>
    public string? SmtpTlsFingerprint { get; init; }
    /// <summary>Largest destination config (and largest secrets object), in bytes of JSON.</summary>
    public int DestinationConfigMaxBytes { get; init; } = 16 * 1024;
    /// <summary>Test sends (POST /destinations/test, /destinations/{id}/test) per owner per minute, counted per
    /// request in each node's memory; besides, one at a time per owner.</summary>
    public int TestSendsPerMinute { get; init; } = 10;
    /// <summary>Let deliveries reach loopback and private networks (off: SSRF protection).</summary>
    public bool DeliveryAllowPrivateNetworks { get; init; }
    /// <summary>Webhook sinks (Features/Sinks): a sink whose batches fail for this long is paused with the reason.</summary>
    public TimeSpan SinkPauseAfter { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Webhook sinks: most bytes of rows in one batch (one row larger than this is a batch of its own).</summary>
    public int SinkMaxBatchBytes { get; init; } = 1 << 20;
    /// <summary>Webhook sinks an owner may have, over all their sources.</summary>
    public int SinksPerOwner { get; init; } = 20;
    /// <summary>Sink batches this node sends at once (an owner: half of it, at least one).</summary>
    public int SinkSendsPerNode { get; init; } = 16;
    /// <summary>Longest an active sink's undelivered live events are kept past the live retention: older ones are
    /// deleted and the sink told it lost them.</summary>
    public TimeSpan SinkMaxLag { get; init; } = TimeSpan.FromMinutes(1440);
    /// <summary>Largest ingest body (points or records) in bytes: a longer body is a 413 before or while it streams.</summary>
    public long IngestMaxBytes { get; init; } = DefaultIngestMaxBytes;
    /// <summary>Longest tag key or value (and records dimension value) in UTF-8 bytes: the series index holds a
    /// metric and its tags in one btree entry (at most ~2.7 KB), so tags are bounded well below it.</summary>
    public int IngestMaxTagBytes { get; init; } = DefaultIngestMaxTagBytes;
    public const long DefaultIngestMaxBytes = 64L * 1024 * 1024;
    public const int DefaultIngestMaxTagBytes = 1024;
    public LoginSettings Login { get; init; } = new();
    /// <summary>The most connections this node opens to PostgreSQL for requests and jobs (one pool, shared by
    /// Npgsql commands and Marten); written into <see cref="ConnectionString"/> as Maximum Pool Size.</summary>
    public int DbPoolSize { get; init; } = 50;
    /// <summary>Connections streaming exports never take: kept for health, sign-in, previews, renders and bookkeeping.</summary>
    public int DbPoolReserve { get; init; } = 10;
    public StreamSettings Streams { get; init; } = new();
    public Series.LiveSettings Live { get; init; } = new();
    public Layouts.LayoutLimits Layouts { get; init; } = new();

    /// <summary>Streaming exports this node runs at once: the pool minus the reserve minus what background jobs hold.</summary>
    public int StreamSlots => DbPoolSize - DbPoolReserve - (Jobs.Worker ? Jobs.Concurrency : 0);
    /// <summary>Synchronous exports planned (validated, estimated, previewed, rendered) at once: half the reserve.</summary>
    public int PlanningSlots => Math.Max(1, DbPoolReserve / 2);

    public static ExportsSettings Load(IConfiguration config)
    {
        string? Get(string name) => config[name] ?? config[$"Exports:{name["EXPORTS_".Length..]}"];

        var db = Get("EXPORTS_DB");
        if (string.IsNullOrWhiteSpace(db))
            throw new SettingsException("EXPORTS_DB is not set: give a PostgreSQL connection string (npm start sets it for the embedded database).");
        try { _ = new NpgsqlConnectionStringBuilder(db); }
        catch (Exception e) { throw new SettingsException($"EXPORTS_DB is not a valid PostgreSQL connection string: {e.Message}"); }

        var csb = new NpgsqlConnectionStringBuilder(db);
        var poolSize = Int("EXPORTS_DB_POOL_SIZE", Get("EXPORTS_DB_POOL_SIZE"), ExplicitPoolSize(db) ?? 50, 2, 10_000);
        csb.MaxPoolSize = poolSize;
        if (csb.MinPoolSize > poolSize) csb.MinPoolSize = poolSize;

        var reserve = Int("EXPORTS_DB_POOL_RESERVE", Get("EXPORTS_DB_POOL_RESERVE"), 10, 1, 10_000);
        var settings = new ExportsSettings
        {
            ConnectionString = csb.ConnectionString,
            DbPoolSize = poolSize,
            DbPoolReserve = reserve,
            Port = Int("EXPORTS_PORT", Get("EXPORTS_PORT"), 5080, 1, 65535),
            DataDir = Path.GetFullPath(Path.Combine(Root, Get("EXPORTS_DATA_DIR") is { Length: > 0 } d ? d : ".data")),
            DemoApiKey = Get("EXPORTS_DEMO_API_KEY") is { Length: > 0 } k ? k : null,
            Seed = Bool("EXPORTS_SEED", Get("EXPORTS_SEED"), true),
            RawMaxDays = Int("EXPORTS_RAW_MAX_DAYS", Get("EXPORTS_RAW_MAX_DAYS"), 31, 1, 3660),
            BucketsFromRawMaxDays = Int("EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS", Get("EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS"), 400, 1, 3660),
            MaxRangeDays = Int("EXPORTS_MAX_RANGE_DAYS", Get("EXPORTS_MAX_RANGE_DAYS"), 3660, 1, 36_600),
            MaxJsonBytes = Long("EXPORTS_MAX_JSON_BYTES", Get("EXPORTS_MAX_JSON_BYTES"), 1024 * 1024, 1024, 256L * 1024 * 1024),
            SpaDir = Get("EXPORTS_SPA_DIR") is { Length: > 0 } s ? Path.GetFullPath(Path.Combine(Root, s)) : null,
        };
        settings = settings with
        {
            Jobs = JobSettings.Load(Get, Path.GetFullPath(settings.DataDir)),
            PublicUrl = (Get("EXPORTS_PUBLIC_URL") is { Length: > 0 } pu ? pu : $"http://127.0.0.1:{settings.Port}").TrimEnd('/'),
            SmtpHost = Get("EXPORTS_SMTP_HOST") is { Length: > 0 } sh ? sh : null,
            SmtpPort = Int("EXPORTS_SMTP_PORT", Get("EXPORTS_SMTP_PORT"), 587, 1, 65535),
            SmtpFrom = Get("EXPORTS_SMTP_FROM") is { Length: > 0 } sf ? sf : "exports@localhost",
            SmtpUser = Get("EXPORTS_SMTP_USER") is { Length: > 0 } su ? su : null,
            SmtpPassword = Get("EXPORTS_SMTP_PASSWORD") is { Length: > 0 } sp ? sp : null,
            SmtpStartTls = Bool("EXPORTS_SMTP_STARTTLS", Get("EXPORTS_SMTP_STARTTLS"), true),
            SmtpTlsFingerprint = Fingerprint("EXPORTS_SMTP_TLS_FINGERPRINT", Get("EXPORTS_SMTP_TLS_FINGERPRINT")),
            DestinationConfigMaxBytes = Int("EXPORTS_DESTINATION_CONFIG_MAX_BYTES", Get("EXPORTS_DESTINATION_CONFIG_MAX_BYTES"), 16 * 1024, 1024, 1024 * 1024),
            TestSendsPerMinute = Int("EXPORTS_TEST_SENDS_PER_MINUTE", Get("EXPORTS_TEST_SENDS_PER_MINUTE"), 10, 1, 600),
            DeliveryAllowPrivateNetworks = Bool("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", Get("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS"), false),
            SinkPauseAfter = TimeSpan.FromMinutes(Int("EXPORTS_SINK_PAUSE_AFTER_MINUTES", Get("EXPORTS_SINK_PAUSE_AFTER_MINUTES"), 30, 0, 7 * 24 * 60)),
            SinksPerOwner = Int("EXPORTS_SINKS_PER_OWNER", Get("EXPORTS_SINKS_PER_OWNER"), 20, 1, 10_000),
            SinkSendsPerNode = Int("EXPORTS_SINK_SENDS_PER_NODE", Get("EXPORTS_SINK_SENDS_PER_NODE"), 16, 1, 1000),
            SinkMaxLag = TimeSpan.FromMinutes(Int("EXPORTS_SINK_MAX_LAG_MINUTES", Get("EXPORTS_SINK_MAX_LAG_MINUTES"), 1440, 1, 30 * 24 * 60)),
            SinkMaxBatchBytes = Int("EXPORTS_SINK_MAX_BATCH_BYTES", Get("EXPORTS_SINK_MAX_BATCH_BYTES"), 1 << 20, 1024, 64 << 20),
            IngestMaxBytes = Long("EXPORTS_INGEST_MAX_BYTES", Get("EXPORTS_INGEST_MAX_BYTES"), DefaultIngestMaxBytes, 1024, 4L * 1024 * 1024 * 1024),
            IngestMaxTagBytes = Int("EXPORTS_INGEST_MAX_TAG_BYTES", Get("EXPORTS_INGEST_MAX_TAG_BYTES"), DefaultIngestMaxTagBytes, 16, 2048),
            Login = LoginSettings.Load(Get),
            Streams = new StreamSettings
            {
                PerOwner = Int("EXPORTS_STREAMS_PER_OWNER", Get("EXPORTS_STREAMS_PER_OWNER"), 4, 1, 1000),
                Idle = TimeSpan.FromSeconds(Int("EXPORTS_STREAM_IDLE_SECONDS", Get("EXPORTS_STREAM_IDLE_SECONDS"), 30, 1, 3600)),
                BufferBytes = Int("EXPORTS_STREAM_BUFFER_BYTES", Get("EXPORTS_STREAM_BUFFER_BYTES"), 1 << 20, 0, 64 << 20),
                DirectLinksPerOwner = Int("EXPORTS_DIRECT_LINKS_PER_OWNER", Get("EXPORTS_DIRECT_LINKS_PER_OWNER"), 20, 1, 10_000),
            },
            Live = new Series.LiveSettings
            {
                ChunkRows = Int("EXPORTS_LIVE_CHUNK_ROWS", Get("EXPORTS_LIVE_CHUNK_ROWS"), 500, 1, 100_000),
                Retention = TimeSpan.FromMinutes(Int("EXPORTS_LIVE_RETENTION_MINUTES", Get("EXPORTS_LIVE_RETENTION_MINUTES"), 60, 1, 7 * 24 * 60)),
                Keepalive = TimeSpan.FromSeconds(Int("EXPORTS_LIVE_KEEPALIVE_SECONDS", Get("EXPORTS_LIVE_KEEPALIVE_SECONDS"), 15, 1, 3600)),
                EventsPerSecond = Int("EXPORTS_LIVE_EVENTS_PER_SECOND", Get("EXPORTS_LIVE_EVENTS_PER_SECOND"), 20, 1, 1000),
                StreamsPerToken = Int("EXPORTS_LIVE_STREAMS_PER_TOKEN", Get("EXPORTS_LIVE_STREAMS_PER_TOKEN"), 10, 1, 10_000),
                StreamsPerOwner = Int("EXPORTS_LIVE_STREAMS_PER_OWNER", Get("EXPORTS_LIVE_STREAMS_PER_OWNER"), 100, 1, 100_000),
                StreamsPerNode = Int("EXPORTS_LIVE_STREAMS_PER_NODE", Get("EXPORTS_LIVE_STREAMS_PER_NODE"), 1000, 1, 1_000_000),
                TokensPerSource = Int("EXPORTS_LIVE_TOKENS_PER_SOURCE", Get("EXPORTS_LIVE_TOKENS_PER_SOURCE"), 20, 1, 10_000),
                ReadSlots = Math.Max(1, reserve / 2),
            },
            Layouts = new Layouts.LayoutLimits
            {
                MaxWidgets = Int("EXPORTS_LAYOUT_MAX_WIDGETS", Get("EXPORTS_LAYOUT_MAX_WIDGETS"), 60, 1, 1000),
                MaxErrors = Int("EXPORTS_LAYOUT_MAX_ERRORS", Get("EXPORTS_LAYOUT_MAX_ERRORS"), 50, 1, 1000),
                WidgetsHeaderBytes = Int("EXPORTS_WIDGETS_HEADER_BYTES", Get("EXPORTS_WIDGETS_HEADER_BYTES"), 4096, 256, 16_384),
                PdfTableRows = Int("EXPORTS_PDF_TABLE_ROWS", Get("EXPORTS_PDF_TABLE_ROWS"), 2000, 1, 50_000),
            },
        };
        if (settings.StreamSlots < 1)
            throw new SettingsException($"EXPORTS_DB_POOL_SIZE ({settings.DbPoolSize}) must be larger than EXPORTS_DB_POOL_RESERVE ({settings.DbPoolReserve})"
                + (settings.Jobs.Worker ? $" plus EXPORTS_WORKER_CONCURRENCY ({settings.Jobs.Concurrency})" : "")
                + ": what is left is the number of streaming exports a node runs at once.");
        if (!Uri.TryCreate(settings.PublicUrl, UriKind.Absolute, out _))
            throw new SettingsException($"EXPORTS_PUBLIC_URL must be an absolute URL (got '{settings.PublicUrl}').");
        if (settings.SmtpTlsFingerprint is not null && !settings.SmtpStartTls)
            throw new SettingsException("EXPORTS_SMTP_TLS_FINGERPRINT pins the certificate of a TLS connection: it needs EXPORTS_SMTP_STARTTLS=true.");
        if (settings.DemoApiKey is { } key && (key.Length < 24 || key.Any(char.IsWhiteSpace)))
            throw new SettingsException("EXPORTS_DEMO_API_KEY must be at least 24 characters without spaces.");
        return settings;
    }

    /// <summary>A SHA-256 fingerprint in hex (64 digits; colons and spaces allowed, as openssl and browsers print
    /// it), returned as lower-case hex.</summary>
    internal static string? Fingerprint(string name, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var hex = new string(raw.Where(c => c is not (':' or ' ')).ToArray()).ToLowerInvariant();
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            throw new SettingsException($"{name} must be the certificate's SHA-256 fingerprint: 64 hex digits, colons allowed (openssl x509 -noout -fingerprint -sha256) (got '{raw}').");
        return hex;
    }

    /// <summary>Where relative paths in settings are read from: the repository root (the folder holding Exports.sln)
    /// when the app runs from a checkout, whether started from the root or from api/; otherwise the working directory.</summary>
    public static string Root { get; } = FindRoot();

    static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Exports.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>The Maximum Pool Size written in the connection string itself, if any (under any of its spellings).</summary>
    static int? ExplicitPoolSize(string connectionString)
    {
        var generic = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in generic.Keys)
            if (key.Replace(" ", "").ToLowerInvariant() is "maxpoolsize" or "maximumpoolsize")
                return new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize;
        return null;
    }

    internal static long Long(string name, string? raw, long fallback, long min, long max)
    {
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!long.TryParse(raw, out var v) || v < min || v > max)
            throw new SettingsException($"{name} must be a whole number from {min} to {max} (got '{raw}').");
        return v;
    }

    internal static int Int(string name, string? raw, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!int.TryParse(raw, out var v) || v < min || v > max)
            throw new SettingsException($"{name} must be a whole number from {min} to {max} (got '{raw}').");
        return v;
    }

    internal static bool Bool(string name, string? raw, bool fallback) => raw?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new SettingsException($"{name} must be true or false (got '{raw}')."),
    };
}

/// <summary>Synchronous streaming exports: how many one owner may hold open, how long a client may stop reading,
/// and how much of a file is produced before the first byte (a file that fits holds no connection while it is sent).</summary>
public sealed record StreamSettings
{
    public int PerOwner { get; init; } = 4;
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(30);
    public int BufferBytes { get; init; } = 1 << 20;
    /// <summary>Direct download links an owner may hold unexpired and unused at once (429 beyond).</summary>
    public int DirectLinksPerOwner { get; init; } = 20;
}

/// <summary>Background jobs, artifact storage, retention and per-owner quotas (EXPORTS_WORKER, EXPORTS_STORAGE, …).</summary>
public sealed record JobSettings
{
    /// <summary>false: this node takes requests and queues jobs but runs none.</summary>
    public bool Worker { get; init; } = true;
    public int Concurrency { get; init; } = Math.Max(2, Environment.ProcessorCount);
    /// <summary>Synchronous exports estimated above this answer 202 with a job instead of streaming.</summary>
    public long AsyncThresholdBytes { get; init; } = 100L * 1024 * 1024;
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);
    public int MaxAttempts { get; init; } = 3;
    /// <summary>How many times one export may be started in all (retries plus runs cut short by a stopped node): an
    /// export that brings its node down is not started on the next one forever.</summary>
    public int MaxStarts { get; init; } = 10;
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ClusterCheckin { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How late a tick may fire before it counts as missed (then the misfire policy applies).</summary>
    public TimeSpan MisfireThreshold { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Nodes with the same name on the same database form one cluster (Quartz's instance name, and the
    /// PostgreSQL schema of Wolverine's messages: <c>wolverine_{name}</c>).</summary>
    public string SchedulerName { get; init; } = "exports";
    /// <summary>How often nodes beat, look for work left by dead nodes and move due scheduled messages.</summary>
    public TimeSpan DurabilityPoll { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A node that has not beaten for this long is dead: its messages go to the others.</summary>
    public TimeSpan NodeStale { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a running export's record may go without a beat before another node may take the run over:
    /// twice <see cref="NodeStale"/>, so a node Wolverine still counts as alive is never overtaken.</summary>
    public TimeSpan TakeOver => 2 * NodeStale;
    /// <summary>How long a handled message's inbox row is kept to refuse a duplicate: six times <see cref="NodeStale"/>
    /// and at least a minute, far past the time a dead node's unsent messages take to be resent.</summary>
    public TimeSpan InboxKeep => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, 6 * NodeStale.Ticks));
    /// <summary>How long one background message (an export, or an export's deliveries with their retries) may run
    /// before it is stopped; Wolverine's own default is 60 seconds.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromHours(1);
    /// <summary>How often a worker looks for new messages in the shared queues when it has a free slot.</summary>
    public TimeSpan QueuePoll { get; init; } = TimeSpan.FromMilliseconds(100);
    public int QuotaConcurrent { get; init; } = 4;
    public int QuotaPerHour { get; init; } = 120;
    public long QuotaStoredBytes { get; init; } = 20L * 1024 * 1024 * 1024;
    public long MaxArtifactBytes { get; init; } = 5L * 1024 * 1024 * 1024;
    /// <summary>The result cache (Jobs/ResultCache): an identical series export of the same owner, over data unchanged
    /// since, within <see cref="CacheTtl"/> of the earlier one's completion, is answered from that export's file.</summary>
    public bool Cache { get; init; } = true;
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>The shortest gap a schedule may leave between two fire times (cron or frequency).</summary>
    public TimeSpan ScheduleMinInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>local (files under LocalDir) or s3.</summary>
    public string Storage { get; init; } = "local";
    public string LocalDir { get; init; } = ".data/exports";
    public string? S3Endpoint { get; init; }
    public string S3Bucket { get; init; } = "exports";
    public string S3Prefix { get; init; } = "";
    public string? S3Region { get; init; }
    public string? S3AccessKey { get; init; }
    public string? S3SecretKey { get; init; }
    public bool S3PathStyle { get; init; } = true;

    public static JobSettings Load(Func<string, string?> get, string dataDir)
    {
        var s = new JobSettings
        {
            Worker = ExportsSettings.Bool("EXPORTS_WORKER", get("EXPORTS_WORKER"), true),
            Concurrency = ExportsSettings.Int("EXPORTS_WORKER_CONCURRENCY", get("EXPORTS_WORKER_CONCURRENCY"), Math.Max(2, Environment.ProcessorCount), 1, 256),
            AsyncThresholdBytes = ExportsSettings.Long("EXPORTS_ASYNC_THRESHOLD_BYTES", get("EXPORTS_ASYNC_THRESHOLD_BYTES"), 100L * 1024 * 1024, 0, long.MaxValue),
            Retention = TimeSpan.FromMinutes(ExportsSettings.Long("EXPORTS_RETENTION_MINUTES", get("EXPORTS_RETENTION_MINUTES"), 7 * 24 * 60, 1, 10L * 365 * 24 * 60)),
            MaxAttempts = ExportsSettings.Int("EXPORTS_JOB_ATTEMPTS", get("EXPORTS_JOB_ATTEMPTS"), 3, 1, 20),
            MaxStarts = ExportsSettings.Int("EXPORTS_JOB_MAX_STARTS", get("EXPORTS_JOB_MAX_STARTS"), 10, 1, 1000),
            RetryBase = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_RETRY_BASE_MS", get("EXPORTS_RETRY_BASE_MS"), 1000, 1, 600_000)),
            RetryMax = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_RETRY_MAX_MS", get("EXPORTS_RETRY_MAX_MS"), 30_000, 1, 3_600_000)),
            ClusterCheckin = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_CLUSTER_CHECKIN_MS", get("EXPORTS_CLUSTER_CHECKIN_MS"), 5000, 200, 600_000)),
            MisfireThreshold = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_MISFIRE_THRESHOLD_MS", get("EXPORTS_MISFIRE_THRESHOLD_MS"), 60_000, 100, 3_600_000)),
            SchedulerName = get("EXPORTS_SCHEDULER_NAME") is { Length: > 0 } sn ? sn : "exports",
            DurabilityPoll = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_DURABILITY_POLL_MS", get("EXPORTS_DURABILITY_POLL_MS"), 1000, 100, 60_000)),
            NodeStale = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_NODE_STALE_MS", get("EXPORTS_NODE_STALE_MS"), 5000, 1000, 600_000)),
            // EXPORTS_JOB_TIMEOUT_MINUTES was the setting's first name (deliveries only); a deployment that set it keeps it.
            JobTimeout = get("EXPORTS_JOB_TIMEOUT_SECONDS") is null && get("EXPORTS_JOB_TIMEOUT_MINUTES") is { } minutes
                ? TimeSpan.FromMinutes(ExportsSettings.Int("EXPORTS_JOB_TIMEOUT_MINUTES", minutes, 60, 1, 7 * 24 * 60))
                : TimeSpan.FromSeconds(ExportsSettings.Int("EXPORTS_JOB_TIMEOUT_SECONDS", get("EXPORTS_JOB_TIMEOUT_SECONDS"), 3600, 1, 7 * 24 * 3600)),
            QueuePoll = TimeSpan.FromMilliseconds(ExportsSettings.Int("EXPORTS_QUEUE_POLL_MS", get("EXPORTS_QUEUE_POLL_MS"), 100, 10, 60_000)),
            QuotaConcurrent = ExportsSettings.Int("EXPORTS_QUOTA_CONCURRENT", get("EXPORTS_QUOTA_CONCURRENT"), 4, 1, 10_000),
            QuotaPerHour = ExportsSettings.Int("EXPORTS_QUOTA_PER_HOUR", get("EXPORTS_QUOTA_PER_HOUR"), 120, 1, 1_000_000),
            QuotaStoredBytes = ExportsSettings.Long("EXPORTS_QUOTA_STORED_BYTES", get("EXPORTS_QUOTA_STORED_BYTES"), 20L * 1024 * 1024 * 1024, 1, long.MaxValue),
            MaxArtifactBytes = ExportsSettings.Long("EXPORTS_MAX_ARTIFACT_BYTES", get("EXPORTS_MAX_ARTIFACT_BYTES"), 5L * 1024 * 1024 * 1024, 1, long.MaxValue),
            Cache = ExportsSettings.Bool("EXPORTS_CACHE", get("EXPORTS_CACHE"), true),
            CacheTtl = TimeSpan.FromMinutes(ExportsSettings.Int("EXPORTS_CACHE_TTL_MINUTES", get("EXPORTS_CACHE_TTL_MINUTES"), 10, 1, 7 * 24 * 60)),
            ScheduleMinInterval = TimeSpan.FromSeconds(ExportsSettings.Int("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS", get("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS"), 60, 1, 86_400)),
            Storage = (get("EXPORTS_STORAGE") ?? "local").Trim().ToLowerInvariant(),
            LocalDir = get("EXPORTS_STORAGE_DIR") is { Length: > 0 } d ? Path.GetFullPath(Path.Combine(ExportsSettings.Root, d)) : Path.Combine(dataDir, "exports"),
            S3Endpoint = get("EXPORTS_S3_ENDPOINT") is { Length: > 0 } e ? e : null,
            S3Bucket = get("EXPORTS_S3_BUCKET") is { Length: > 0 } b ? b : "exports",
            S3Prefix = (get("EXPORTS_S3_PREFIX") ?? "").Trim('/'),
            S3Region = get("EXPORTS_S3_REGION") is { Length: > 0 } r ? r : null,
            S3AccessKey = get("EXPORTS_S3_ACCESS_KEY") is { Length: > 0 } a ? a : null,
            S3SecretKey = get("EXPORTS_S3_SECRET_KEY") is { Length: > 0 } k ? k : null,
            S3PathStyle = ExportsSettings.Bool("EXPORTS_S3_PATH_STYLE", get("EXPORTS_S3_PATH_STYLE"), true),
        };
        if (s.Storage is not ("local" or "s3"))
            throw new SettingsException($"EXPORTS_STORAGE must be local or s3 (got '{s.Storage}').");
        if (s.Storage == "s3" && (s.S3AccessKey is null || s.S3SecretKey is null))
            throw new SettingsException("EXPORTS_STORAGE=s3 needs EXPORTS_S3_ACCESS_KEY and EXPORTS_S3_SECRET_KEY (and EXPORTS_S3_ENDPOINT for a server other than AWS).");
        return s;
    }
}

/// <summary>Sign-in throttling (EXPORTS_LOGIN_*): failed passwords per account and per client address within a
/// sliding window; past either limit a login answers 429 with Retry-After before any password is hashed.</summary>
public sealed record LoginSettings
{
    /// <summary>Failed sign-ins one account (e-mail) may have within <see cref="Window"/>.</summary>
    public int MaxFailures { get; init; } = 10;
    /// <summary>Failed sign-ins one client address may have within <see cref="Window"/>, over all accounts.</summary>
    public int MaxFailuresPerAddress { get; init; } = 50;
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    public static LoginSettings Load(Func<string, string?> get) => new()
    {
        MaxFailures = ExportsSettings.Int("EXPORTS_LOGIN_MAX_FAILURES", get("EXPORTS_LOGIN_MAX_FAILURES"), 10, 1, 10_000),
        MaxFailuresPerAddress = ExportsSettings.Int("EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS", get("EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS"), 50, 1, 100_000),
        Window = TimeSpan.FromMinutes(ExportsSettings.Int("EXPORTS_LOGIN_WINDOW_MINUTES", get("EXPORTS_LOGIN_WINDOW_MINUTES"), 15, 1, 24 * 60)),
    };
}
