using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.History;

/// <summary>The result cache on the real database and artifact store: an identical export of the same owner over
/// unchanged data within the TTL is answered from the earlier job's file (byte for byte, declared on the record, the
/// timeline and the downloads); a new point in the source, another owner, another option / format / range, an expired
/// TTL, a source job that did not complete, or Cache-Control: no-cache computes afresh. The fixture runs with the
/// cache off (EXPORTS_CACHE=false, so the other tests' repeated exports still run); each test here turns it on for
/// its own duration (the API tests run one at a time in their collection).</summary>
[Collection(ApiCollection.Name)]
public sealed class ResultCacheTests(ApiFixture api)
{
    const string From = "2026-03-01T10:00:00Z", To = "2026-03-01T11:00:00Z";

    ResultCache Cache => api.Host.Services.GetRequiredService<ResultCache>();

    sealed class CacheOn : IDisposable
    {
        readonly ResultCache _cache;
        readonly (bool, TimeSpan) _was;
        public CacheOn(ResultCache cache, TimeSpan? ttl = null)
        {
            _cache = cache;
            _was = (cache.Enabled, cache.Ttl);
            cache.Enabled = true;
            cache.Ttl = ttl ?? TimeSpan.FromMinutes(10);
        }
        public void Dispose() => (_cache.Enabled, _cache.Ttl) = _was;
    }

    /// <summary>A fresh owner with sources <c>a</c> and <c>b</c>, each holding one point a minute over the hour
    /// <see cref="From"/>..<see cref="To"/> for hosts h1 and h2.</summary>
    async Task<(Guid Owner, HttpClient Client)> OwnerWithSourcesAsync()
    {
        var (owner, c) = await api.NewUserAsync();
        foreach (var name in new[] { "a", "b" })
        {
            Assert.Equal(HttpStatusCode.Created, (await c.PostJsonAsync("/api/v1/sources", new { name, kind = "timeseries" })).StatusCode);
            var points = Enumerable.Range(0, 60).SelectMany(m => new[] { "h1", "h2" }.Select(h => new
            {
                timestamp = DateTime.Parse(From).ToUniversalTime().AddMinutes(m).ToString("O"), metric = "cpu", value = m * 1.5 + (h == "h1" ? 0 : 100),
                tags = new { host = h },
            })).ToArray();
            await IngestAsync(c, name, points);
        }
        return (owner, c);
    }

    static async Task IngestAsync(HttpClient c, string source, object points)
    {
        var r = await c.PostAsync($"/api/v1/sources/{source}/points", JsonContent.Create(points));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    static object Series(string source = "a", string format = "csv", object? options = null, string to = To) =>
        new { kind = "series", series = new { source, metrics = new[] { "cpu" }, format, formatOptions = options, timeframe = new { from = From, to } } };

    async Task<(JsonElement Job, byte[] File)> CompletedAsync(HttpClient c, object envelope)
    {
        var job = await SubmitAndCompleteAsync(api.Host, c, envelope);
        return (job, await (await c.GetAsync($"/api/v1/exports/{job.GetProperty("id").GetString()}/download")).Content.ReadAsByteArrayAsync());
    }

    static bool IsHit(JsonElement job) => job.TryGetProperty("cache", out var cache) && cache.ValueKind == JsonValueKind.Object && cache.GetProperty("hit").GetBoolean();

    async Task<long> PointsAsync(Guid owner, string source) => await api.ScalarAsync<long>("""
        SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
        WHERE src.owner_id = $1 AND src.name = $2 AND p.ts >= $3 AND p.ts < $4
        """, owner, source, DateTime.Parse(From).ToUniversalTime(), DateTime.Parse(To).ToUniversalTime());

    /// <summary>Waits until none of the owner's jobs is queued or running (a miss runs in the background and then
    /// becomes a cache source itself).</summary>
    async Task IdleAsync(Guid owner)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1 AND status IN ('pending', 'processing')", owner) > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Jobs of {owner} still running.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task SecondIdenticalExport_IsAnsweredFromTheFirstsFile_ByteForByte_AndSaysSoEverywhere()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();

        // Streamed exports store no file: they are never a source, so a second stream is computed too.
        var body = new { source = "a", metrics = new[] { "cpu" }, timeframe = new { from = From, to = To } };
        var s1 = await c.PostJsonAsync("/api/v1/exports/series", body);
        var s2 = await c.PostJsonAsync("/api/v1/exports/series", body);
        Assert.False(s1.Headers.Contains("Export-Cache"));
        Assert.False(s2.Headers.Contains("Export-Cache"));

        var (first, firstFile) = await CompletedAsync(c, Series());
        Assert.False(IsHit(first));
        var firstId = first.GetProperty("id").GetString()!;

        // The same request with its keys in another order, defaults spelled out and the format at the top level:
        // the same planned query, so the same export.
        var again = await SubmitAsync(c, new
        {
            format = "csv", kind = "series",
            series = new { timeframe = new { to = To, from = From }, granularity = "raw", timezone = "UTC", shape = "long", metrics = new[] { "cpu" }, source = "a" },
        });
        Assert.Equal("completed", again.Status()); // at once, in the submit's answer: nothing was queued to run
        Assert.True(IsHit(again));
        Assert.Equal(firstId, again.GetProperty("cache").GetProperty("fromJob").GetString());
        Assert.Equal(first.GetProperty("rowCount").GetInt64(), again.GetProperty("rowCount").GetInt64());
        Assert.Equal(first.GetProperty("checksum").GetString(), again.GetProperty("checksum").GetString());
        Assert.Equal(first.GetProperty("tier").GetString(), again.GetProperty("tier").GetString());
        var againId = again.GetProperty("id").GetString()!;
        Assert.NotEqual(firstId, againId);
        // Format options spelled out at their defaults are the same options.
        var spelled = await SubmitAsync(c, Series(options: new { delimiter = ",", header = "on", decimalSeparator = "." }));
        Assert.True(IsHit(spelled));
        Assert.Equal(firstId, spelled.GetProperty("cache").GetProperty("fromJob").GetString());

        var download = await c.GetAsync($"/api/v1/exports/{againId}/download");
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(firstFile, bytes);
        Assert.Equal("hit", download.Headers.GetValues("Export-Cache").Single());
        Assert.Equal(firstId, download.Headers.GetValues("Export-Cache-From").Single());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), again.GetProperty("checksum").GetString());
        // What the file says is what SQL says: every point of the range, once.
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(bytes));
        Assert.Equal(await PointsAsync(owner, "a"), rows.Count);
        Assert.Equal(rows.Count, again.GetProperty("rowCount").GetInt64());
        Assert.Equal(Enumerable.Range(0, 60).Sum(m => 2 * m * 1.5 + 100), rows.Sum(r => Files.D(r["value"])), 9);

        // History lists it as a hit, and its timeline says why it completed at once.
        var list = await (await c.GetAsync("/api/v1/exports")).JsonAsync();
        Assert.True(IsHit(list.GetProperty("items").EnumerateArray().Single(j => j.GetProperty("id").GetString() == againId)));
        var timeline = await (await c.GetAsync($"/api/v1/exports/{againId}/timeline")).JsonAsync();
        Assert.Equal(["queued", "completed"], timeline.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var done = timeline[1];
        Assert.Equal("cache hit", done.GetProperty("reason").GetString());
        Assert.Equal(firstId, done.GetProperty("fromJob").GetString());
        Assert.False(first.TryGetProperty("cache", out var fc) && fc.ValueKind == JsonValueKind.Object);

        // A streamed request for the same export is now sent from the job's file, and says so.
        var streamed = await c.PostJsonAsync("/api/v1/exports/series", body);
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal("hit", streamed.Headers.GetValues("Export-Cache").Single());
        Assert.Equal(firstId, streamed.Headers.GetValues("Export-Cache-From").Single());
        Assert.Equal(firstFile, await streamed.Content.ReadAsByteArrayAsync());

        // So is a direct download (the browser's single-use link), recorded in history as answered from the cache.
        var link = await c.PostJsonAsync("/api/v1/exports/series/direct", body);
        Assert.True(link.StatusCode == HttpStatusCode.Created, await link.Content.ReadAsStringAsync());
        var direct = await api.CreateClient().GetAsync((await link.JsonAsync()).GetProperty("url").GetString());
        Assert.Equal("hit", direct.Headers.GetValues("Export-Cache").Single());
        Assert.Equal(firstFile, await direct.Content.ReadAsByteArrayAsync());
        var until = DateTime.UtcNow.AddSeconds(30);
        JsonElement recorded;
        while (true)
        {
            var items = (await (await c.GetAsync("/api/v1/exports")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
            recorded = items.FirstOrDefault(j => j.GetProperty("direct").GetBoolean() && j.Status() == "completed");
            if (recorded.ValueKind == JsonValueKind.Object) break;
            Assert.True(DateTime.UtcNow < until, "The direct download was not recorded.");
            await Task.Delay(100);
        }
        Assert.True(IsHit(recorded));
        Assert.Equal(firstId, recorded.GetProperty("cache").GetProperty("fromJob").GetString());
        Assert.Equal(first.GetProperty("rowCount").GetInt64(), recorded.GetProperty("rowCount").GetInt64());

        // Cache-Control: no-cache computes afresh.
        var fresh = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = JsonContent.Create(Series()) };
        fresh.Headers.CacheControl = new() { NoCache = true };
        var freshJob = await (await c.SendAsync(fresh)).JsonAsync();
        Assert.Equal("pending", freshJob.Status());
        Assert.False(IsHit(freshJob));
        await IdleAsync(owner); // let it finish (and leave nothing running)
    }

    [Fact]
    public async Task NewPointInsideTheRange_MakesTheNextExportFresh_ButAPointInAnotherSourceDoesNot()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, _) = await CompletedAsync(c, Series());

        // Another source's new point leaves a's exports cached.
        await IngestAsync(c, "b", new[] { new { timestamp = "2026-03-01T10:30:30Z", metric = "cpu", value = 7.0, tags = new { host = "h1" } } });
        var stillCached = await SubmitAsync(c, Series());
        Assert.True(IsHit(stillCached));
        Assert.Equal(first.GetProperty("id").GetString(), stillCached.GetProperty("cache").GetProperty("fromJob").GetString());

        // A new point inside a's range: the next identical export is computed and holds it.
        await IngestAsync(c, "a", new[] { new { timestamp = "2026-03-01T10:30:30Z", metric = "cpu", value = 1000.25, tags = new { host = "h1" } } });
        var streamed = await c.PostJsonAsync("/api/v1/exports/series", new { source = "a", metrics = new[] { "cpu" }, timeframe = new { from = From, to = To } });
        Assert.False(streamed.Headers.Contains("Export-Cache"));
        var (next, file) = await CompletedAsync(c, Series());
        Assert.False(IsHit(next));
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(file));
        Assert.Equal(await PointsAsync(owner, "a"), rows.Count);
        Assert.Equal(first.GetProperty("rowCount").GetInt64() + 1, rows.Count);
        Assert.Contains(rows, r => r["value"] == "1000.25");
        Assert.Equal(Files.ReadCsv(await streamed.Content.ReadAsStringAsync()).Count, rows.Count);

        // And that fresh export is the source from now on.
        var hit = await SubmitAsync(c, Series());
        Assert.Equal(next.GetProperty("id").GetString(), hit.GetProperty("cache").GetProperty("fromJob").GetString());
    }

    [Fact]
    public async Task AnotherOwner_OtherOptionsFormatsOrRanges_AnExpiredTtl_OrASourceThatDidNotComplete_AllMiss()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, _) = await CompletedAsync(c, Series());
        var firstId = first.GetProperty("id").GetGuid();

        // Another owner with the very same sources and points never sees the first owner's files.
        var (otherOwner, other) = await OwnerWithSourcesAsync();
        var theirs = await SubmitAsync(other, Series());
        Assert.False(IsHit(theirs));
        Assert.Equal("pending", theirs.Status());

        foreach (var different in new[] { Series(options: new { decimals = 2 }), Series(format: "json"), Series(to: "2026-03-01T10:59:00Z"), Series(source: "b") })
        {
            var job = await SubmitAsync(c, different);
            Assert.False(IsHit(job), JsonSerializer.Serialize(different));
        }
        await IdleAsync(owner); // (a hit, too, waits for a place among the owner's running jobs: EXPORTS_QUOTA_CONCURRENT)
        Assert.True(IsHit(await SubmitAsync(c, Series())));

        // Past the TTL of the source's completion: computed afresh.
        await IdleAsync(owner);
        using (new CacheOn(Cache, TimeSpan.FromMinutes(5)))
        {
            await using var back = api.Db.CreateCommand("UPDATE export_jobs SET completed_at = completed_at - interval '6 minutes' WHERE id = $1");
            back.Parameters.Add(new() { Value = firstId });
            await back.ExecuteNonQueryAsync();
            Assert.False(IsHit(await SubmitAsync(c, Series())));
        }

        // Only completed exports are sources: one that failed, was cancelled or expired is not (whatever its key).
        foreach (var status in new[] { "failed", "cancelled", "expired" })
        {
            using var __ = new CacheOn(Cache);
            await IdleAsync(owner);
            await using var set = api.Db.CreateCommand("""
                UPDATE export_jobs SET status = $2, completed_at = now() WHERE owner_id = $1 AND cache_key IS NOT NULL
                """);
            set.Parameters.Add(new() { Value = owner });
            set.Parameters.Add(new() { Value = status });
            Assert.True(await set.ExecuteNonQueryAsync() > 0);
            Assert.False(IsHit(await SubmitAsync(c, Series())), status);
        }
        // With the cache switched off (EXPORTS_CACHE=false), nothing is answered from it either.
        await IdleAsync(otherOwner);
        Assert.True(IsHit(await SubmitAsync(other, Series()))); // the other owner's own export, now a source
        Cache.Enabled = false;
        Assert.False(IsHit(await SubmitAsync(other, Series())));
        await IdleAsync(owner);
        await IdleAsync(otherOwner);
    }

    [Fact]
    public async Task DeletingTheFirstJob_LeavesTheHitsDownloadWhole()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, firstFile) = await CompletedAsync(c, Series(format: "json"));
        var hit = await SubmitAsync(c, Series(format: "json"));
        Assert.True(IsHit(hit));
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{first.GetProperty("id").GetString()}")).StatusCode);

        var download = await c.GetAsync($"/api/v1/exports/{hit.GetProperty("id").GetString()}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(firstFile, bytes);
        // Read back as JSON: the rows are all there.
        using var doc = JsonDocument.Parse(bytes);
        Assert.Equal(120, doc.RootElement.GetProperty("data").GetArrayLength());
        // With its source gone, the next identical export is computed again.
        Assert.False(IsHit(await SubmitAsync(c, Series(format: "json"))));
        await IdleAsync(owner);
    }

    [Fact]
    public async Task AScheduleRunningTheSameTemplateTwice_ResolvesItsRelativeRangeEachTime_SoItsRunsAreComputed()
    {
        // A template's range is relative (templates refuse from/to), and each run resolves it at its own instant: two
        // runs read two different ranges, which are not the same export even over unchanged data.
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var created = await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "cached", request = new { kind = "series", series = new { source = "a", metrics = new[] { "cpu" }, format = "csv", granularity = "1d", aggregations = new[] { "count" }, timeframe = new { last = "3000d" } } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var template = (await created.JsonAsync()).GetProperty("id").GetString();
        var schedule = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, frequency = new { every = "weekly", days = new[] { "MON" }, time = "09:00" }, timezone = "UTC" })).JsonAsync()).GetProperty("id").GetString();
        var exports = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            var run = await (await c.PostAsync($"/api/v1/schedules/{schedule}/run", null)).JsonAsync();
            exports.Add(await JobTestKit.CompletedAsync(c, run.GetProperty("exportId").GetString()!));
        }
        Assert.All(exports, e => Assert.False(IsHit(e)));
        Assert.Equal(exports[0].GetProperty("rowCount").GetInt64(), exports[1].GetProperty("rowCount").GetInt64());
        var file = await (await c.GetAsync($"/api/v1/exports/{exports[1].GetProperty("id").GetString()}/download")).Content.ReadAsStringAsync();
        Assert.Equal(await PointsAsync(owner, "a"), Files.ReadCsv(file).Sum(r => long.Parse(r["count"])));
    }

    [Fact]
    public async Task AHitWithADestination_IsStillDelivered_WithTheSharedFile()
    {
        using var _ = new CacheOn(Cache);
        var (_, c) = await OwnerWithSourcesAsync();
        var (first, firstFile) = await CompletedAsync(c, Series());
        var tag = Guid.NewGuid().ToString("N")[..8];
        var made = await c.PostJsonAsync("/api/v1/destinations", new { name = "mail " + tag, kind = "email", config = new { to = new[] { $"cache-{tag}@example.com" } } });
        Assert.True(made.StatusCode == HttpStatusCode.Created, await made.Content.ReadAsStringAsync());
        var dest = (await made.JsonAsync()).GetProperty("id").GetString()!;

        // The hit completes in its submit; its message only hands it to the delivery, which sends the shared file.
        var (hit, session) = await RunTrackedAsync(api.Host, c, async () => (await SubmitAsync(c, new
        {
            kind = "series", delivery = new { destinations = new[] { dest } },
            series = new { source = "a", metrics = new[] { "cpu" }, format = "csv", timeframe = new { from = From, to = To } },
        })).GetProperty("id").GetString()!);
        Assert.True(IsHit(hit));
        Assert.Contains(session.MessageSucceeded.MessagesOf<Exports.Delivery.DeliverExport>(), m => m.ExportId == hit.GetProperty("id").GetGuid());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? eml = null;
        while (eml is null)
        {
            eml = Directory.EnumerateFiles(api.MailDir, "*.eml").FirstOrDefault(f => File.ReadAllText(f).Contains($"cache-{tag}@example.com"));
            Assert.True(eml is not null || DateTime.UtcNow < deadline, "No e-mail arrived.");
            if (eml is null) await Task.Delay(100);
        }
        var mail = await NodeReaders.RunAsync("mail.mjs", eml);
        var attachment = Assert.Single(mail.GetProperty("attachments").EnumerateArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(firstFile)), attachment.GetProperty("sha256").GetString());
        Assert.Equal(first.GetProperty("checksum").GetString(), hit.GetProperty("checksum").GetString());
    }

    static object Json(string filename, string to = To) =>
        new { kind = "series", series = new { source = "a", metrics = new[] { "cpu" }, format = "json", filename, timeframe = new { from = From, to } } };

    [Fact]
    public async Task AFormatThatEmbedsTheRequest_HitsOnlyTheSameSpelling_WhileCsvHitsAcrossSpellings()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, firstFile) = await CompletedAsync(c, Json("a"));
        using (var doc = JsonDocument.Parse(firstFile))
            Assert.Equal("a", doc.RootElement.GetProperty("meta").GetProperty("request").GetProperty("filename").GetString());

        // Another file name, or the same instant spelled with another offset: the JSON's metadata would show the
        // first request's text, so they are computed, and each file shows its own request.
        var (b, bFile) = await CompletedAsync(c, Json("b"));
        Assert.False(IsHit(b));
        using (var doc = JsonDocument.Parse(bFile))
        {
            Assert.Equal("b", doc.RootElement.GetProperty("meta").GetProperty("request").GetProperty("filename").GetString());
            Assert.Equal(120, doc.RootElement.GetProperty("data").GetArrayLength());
        }
        var offset = await SubmitAsync(c, Json("a", to: "2026-03-01T12:00:00+01:00"));
        Assert.False(IsHit(offset));
        await IdleAsync(owner);

        // The same spelling: a hit on the first, whose file is byte for byte what it would show.
        var again = await SubmitAsync(c, Json("a"));
        Assert.True(IsHit(again));
        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("cache").GetProperty("fromJob").GetString());
        Assert.Equal(firstFile, await (await c.GetAsync($"/api/v1/exports/{again.GetProperty("id").GetString()}/download")).Content.ReadAsByteArrayAsync());

        // CSV embeds no request: the same instants with another offset are the same file.
        var (csv, _) = await CompletedAsync(c, Series());
        var csvOffset = await SubmitAsync(c, Series(to: "2026-03-01T12:00:00+01:00"));
        Assert.True(IsHit(csvOffset));
        Assert.Equal(csv.GetProperty("id").GetString(), csvOffset.GetProperty("cache").GetProperty("fromJob").GetString());
    }

    /// <summary>The artifact store with a copy that always fails as S3 or a full disk would (everything else is the
    /// real store's).</summary>
    sealed class FailingCopyStore(Exports.Storage.IArtifactStore real, bool failOpen = false) : Exports.Storage.IArtifactStore
    {
        public int Copies, Opens;
        public string Name => real.Name;
        public Task<Exports.Storage.IArtifactUpload> BeginAsync(string key, string mediaType, CancellationToken ct) => real.BeginAsync(key, mediaType, ct);
        public Task<Exports.Storage.ArtifactRead?> OpenAsync(string key, long from, long? to, CancellationToken ct)
        {
            Interlocked.Increment(ref Opens);
            return failOpen ? throw new IOException("Access Denied (403)") : real.OpenAsync(key, from, to, ct);
        }
        public Task DeleteAsync(string key, CancellationToken ct) => real.DeleteAsync(key, ct);
        public Task<bool> CopyAsync(string from, string to, string mediaType, CancellationToken ct)
        {
            Interlocked.Increment(ref Copies);
            throw new IOException("No space left on device");
        }
    }

    [Fact]
    public async Task AStoreThatFailsTheCopy_LeavesAMiss_ThatIsComputed()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, firstFile) = await CompletedAsync(c, Series());
        var store = new FailingCopyStore(api.Host.Services.GetRequiredService<Exports.Storage.IArtifactStore>());
        var queue = ActivatorUtilities.CreateInstance<JobQueue>(api.Host.Services, (Exports.Storage.IArtifactStore)store);
        var envelope = JsonSerializer.Deserialize<ExportEnvelope>(JsonSerializer.Serialize(Series()), JsonSerializerOptions.Web)!;

        var (ok, refused) = await queue.SubmitAsync(owner, envelope, null, CancellationToken.None);
        Assert.Null(refused);
        Assert.Equal(1, store.Copies); // it was a hit until the copy failed
        Assert.Null(ok!.Job.Cache);
        Assert.Equal(JobStatus.Pending, ok.Job.Status);
        var done = await JobTestKit.CompletedAsync(c, ok.Job.Id.ToString());
        Assert.False(IsHit(done));
        var file = await (await c.GetAsync($"/api/v1/exports/{ok.Job.Id}/download")).Content.ReadAsByteArrayAsync();
        Assert.Equal(firstFile, file);
        Assert.Equal(await PointsAsync(owner, "a"), Files.ReadCsv(Encoding.UTF8.GetString(file)).Count);
        Assert.Equal(first.GetProperty("checksum").GetString(), done.GetProperty("checksum").GetString());
    }

    [Fact]
    public async Task AStoreThatFailsToOpenTheCachedFile_LeavesAStreamedMiss()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var (first, _) = await CompletedAsync(c, Series());
        var services = api.Host.Services;
        var req = JsonSerializer.Deserialize<ExportEnvelope>(JsonSerializer.Serialize(Series()), JsonSerializerOptions.Web)!.Series!;
        var (_, _, _, key) = await Cache.PrepareAsync(services.GetRequiredService<Exports.Series.SeriesExports>(), owner, req, CancellationToken.None);
        Assert.NotNull(key);
        // The real store opens it: a hit on the first export.
        var opened = await Cache.OpenAsync(owner, key, CancellationToken.None);
        Assert.Equal(first.GetProperty("id").GetGuid(), opened!.Value.Source.Id);
        await opened.Value.File.DisposeAsync();
        // A store that refuses to open it: a miss (the streamed route then computes the export), not a failure.
        var store = new FailingCopyStore(services.GetRequiredService<Exports.Storage.IArtifactStore>(), failOpen: true);
        var failing = ActivatorUtilities.CreateInstance<ResultCache>(services, (Exports.Storage.IArtifactStore)store);
        failing.Enabled = true;
        Assert.Null(await failing.OpenAsync(owner, key, CancellationToken.None));
        Assert.Equal(1, store.Opens);
    }

    async Task<JsonElement> SubmitWithAsync(HttpClient c, object envelope, Action<System.Net.Http.Headers.CacheControlHeaderValue> cc)
    {
        var m = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = JsonContent.Create(envelope) };
        m.Headers.CacheControl = new();
        cc(m.Headers.CacheControl);
        var r = await c.SendAsync(m);
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
        return await JobTestKit.CompletedAsync(c, (await r.JsonAsync()).GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task NoStore_IsNeitherAnsweredNorASource_NoCache_IsComputedButAnswersLaterRequests()
    {
        using var _ = new CacheOn(Cache);
        var (owner, c) = await OwnerWithSourcesAsync();
        var noStore = await SubmitWithAsync(c, Series(), h => h.NoStore = true);
        Assert.False(IsHit(noStore));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1 AND cache_key IS NOT NULL", owner));
        // Nothing answers the next identical export: the no-store one is not a source.
        var plain = await CompletedAsync(c, Series());
        Assert.False(IsHit(plain.Job));
        // And a no-store request is not answered from the plain one, which is.
        Assert.False(IsHit(await SubmitWithAsync(c, Series(), h => h.NoStore = true)));
        var streamed = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/series")
        {
            Content = JsonContent.Create(new { source = "a", metrics = new[] { "cpu" }, timeframe = new { from = From, to = To } }),
        };
        streamed.Headers.CacheControl = new() { NoStore = true };
        var s = await c.SendAsync(streamed);
        Assert.Equal(HttpStatusCode.OK, s.StatusCode);
        Assert.False(s.Headers.Contains("Export-Cache"));
        Assert.Equal(plain.File, await s.Content.ReadAsByteArrayAsync());
        Assert.Equal(plain.Job.GetProperty("id").GetString(), (await SubmitAsync(c, Series())).GetProperty("cache").GetProperty("fromJob").GetString());

        // no-cache: computed, and the newest source from then on.
        await IdleAsync(owner);
        var noCache = await SubmitWithAsync(c, Series(), h => h.NoCache = true);
        Assert.False(IsHit(noCache));
        var next = await SubmitAsync(c, Series());
        Assert.True(IsHit(next));
        Assert.Equal(noCache.GetProperty("id").GetString(), next.GetProperty("cache").GetProperty("fromJob").GetString());
    }
}
