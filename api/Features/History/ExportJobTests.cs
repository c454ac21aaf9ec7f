using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.History;

/// <summary>Background export jobs through the API, run by the fixture's own Wolverine worker (the PostgreSQL queue
/// `exports`, waited on with tracked sessions) on the real database:
/// every state transition, downloads (whole, ranged, signed links), idempotency, quotas, cancel, expiry, delete.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExportJobTests(ApiFixture api)
{
    async Task<object> SixHourCsvAsync(string format = "csv")
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(6));
        return new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" }, granularity = "raw", format,
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
    }

    static object BigCsv() => new { source = "servers", timeframe = new { last = "30d" }, granularity = "raw", format = "csv" };

    string ArtifactDir(JsonElement job) => Path.Combine(api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.LocalDir,
        job.GetProperty("ownerId").GetGuid().ToString("N"), job.GetProperty("id").GetGuid().ToString("N"));

    [Fact]
    public async Task SeriesJob_GoesPendingToCompleted_AndItsFileIsTheSyncExportByteForByte()
    {
        var c = api.Demo();
        var series = await SixHourCsvAsync();
        JsonElement job = default;
        var (ran, _) = await RunTrackedAsync(api.Host, c, async () => (job = await SubmitAsync(c, new { kind = "series", series })).GetProperty("id").GetString()!);
        Assert.Equal("pending", job.Status());
        Assert.True(job.GetProperty("estimatedRows").GetInt64() > 1000);
        var done = AssertCompleted(ran);
        var id = done.GetProperty("id").GetString()!;

        var sync = await (await c.PostJsonAsync("/api/v1/exports/series", series)).Content.ReadAsByteArrayAsync();
        var file = await c.GetAsync($"/api/v1/exports/{id}/download");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var bytes = await file.Content.ReadAsByteArrayAsync();
        Assert.Equal(sync, bytes);
        Assert.Equal("bytes", file.Headers.AcceptRanges.Single());
        Assert.Matches(@"^servers-.*\.csv$", done.GetProperty("fileName").GetString());
        Assert.Equal(bytes.Length, done.GetProperty("sizeBytes").GetInt64());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), done.GetProperty("checksum").GetString());
        var lines = Encoding.UTF8.GetString(bytes).TrimEnd('\n').Split('\n');
        Assert.Equal(lines.Length - 1, done.GetProperty("rowCount").GetInt64());
        Assert.Equal(Files.ReadCsv(Encoding.UTF8.GetString(bytes)).Count, done.GetProperty("rowCount").GetInt64());
        Assert.Equal(done.GetProperty("estimatedRows").GetInt64(), done.GetProperty("rowCount").GetInt64()); // raw estimates are exact
        Assert.Equal("raw", done.GetProperty("tier").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal(100, done.GetProperty("percent").GetInt32());
        Assert.True(done.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6.9));

        // A range answers 206 with exactly those bytes and is not counted as a download; whole downloads are.
        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{id}/download");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 149);
        var part = await c.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[100..150], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 100-149/{bytes.Length}", part.Content.Headers.ContentRange!.ToString());
        var beyond = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{id}/download");
        beyond.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(bytes.Length + 10, null);
        await (await c.SendAsync(beyond)).ProblemAsync(416);
        var after = await GetAsync(c, id);
        Assert.Equal(1, after.GetProperty("downloadCount").GetInt32());
        Assert.True(after.TryGetProperty("lastDownloadedAt", out _));

        // History lists it; another user sees neither the record nor the file.
        var list = await (await c.GetAsync("/api/v1/exports?status=completed&kind=series&limit=200")).JsonAsync();
        Assert.Contains(list.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        var (_, stranger) = await api.NewUserAsync();
        await (await stranger.GetAsync($"/api/v1/exports/{id}")).ProblemAsync(404);
        await (await stranger.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(404);
    }

    [Fact]
    public async Task LayoutJob_RendersThePng()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout("Notes for the team"));
        Assert.Equal("layout", done.GetProperty("kind").GetString());
        Assert.Equal("image/png", done.GetProperty("mediaType").GetString());
        var png = await (await c.GetAsync($"/api/v1/exports/{done.GetProperty("id").GetString()}/download")).Content.ReadAsByteArrayAsync();
        var img = CairoSurfaces.DecodePng(png);
        Assert.Equal(600, img.Width);
    }

    [Fact]
    public async Task BadEnvelope_Returns400WithFieldErrors_AndRecordsNothing()
    {
        var (owner, c) = await api.NewUserAsync();
        await (await c.PostJsonAsync("/api/v1/exports", new { kind = "spreadsheet" })).ProblemAsync(400, "kind");
        await (await c.PostJsonAsync("/api/v1/exports", new { kind = "layout", format = "png", layout = new { widgets = new object[] { new { id = "a", type = "sparkles", x = 0, y = 0, w = 2, h = 2 } } } }))
            .ProblemAsync(400, "layout.widgets[0].type");
        var demo = api.Demo();
        await (await demo.PostJsonAsync("/api/v1/exports", new { kind = "series", series = new { source = "servers", timeframe = new { last = "1h" } }, format = "docx" }))
            .ProblemAsync(400, "series.format");
        await (await demo.PostJsonAsync("/api/v1/exports", new { kind = "series", series = new { source = "no-such-source" } })).ProblemAsync(404);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task IdempotencyKey_ReturnsTheSameJob_AndRefusesTheKeyForADifferentRequest()
    {
        var (owner, c) = await api.NewUserAsync();
        var key = "nightly-" + Guid.NewGuid();
        // The replays happen while the first job is queued or running, inside the session that waits for its run.
        var (ran, _) = await RunTrackedAsync(api.Host, c, async () =>
        {
            var first = await SubmitAsync(c, TextLayout("Once"), key);
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = System.Net.Http.Json.JsonContent.Create(TextLayout("Once")) };
            req.Headers.Add("Idempotency-Key", key);
            var again = await c.SendAsync(req);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(first.GetProperty("id").GetString(), (await again.JsonAsync()).GetProperty("id").GetString());
            var other = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = System.Net.Http.Json.JsonContent.Create(TextLayout("Twice")) };
            other.Headers.Add("Idempotency-Key", key);
            await (await c.SendAsync(other)).ProblemAsync(422);
            Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
            return first.GetProperty("id").GetString()!;
        });
        AssertCompleted(ran);
    }

    [Fact]
    public async Task Cancel_StopsARunningJobWithinASecond_DeletesItsPartialFile_AndRecordsWho()
    {
        var c = api.Demo();
        var job = await SubmitAsync(c, new { kind = "series", series = BigCsv() });
        var id = job.GetProperty("id").GetString()!;
        var running = await WaitAsync(c, id, j => j.Status() == "processing" && j.GetProperty("bytesWritten").GetInt64() > 0, pollMs: 50);
        Assert.Contains(Directory.EnumerateFiles(ArtifactDir(running)), f => f.EndsWith(".partial"));
        var ack = await c.PostAsync($"/api/v1/exports/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        var requested = (await ack.JsonAsync()).GetProperty("updatedAt").GetDateTimeOffset();
        var cancelled = await WaitAsync(c, id, j => j.Status() == "cancelled", TimeSpan.FromSeconds(5), pollMs: 25);
        // Server clock on both ends: from the cancel being recorded to the runner having stopped and cleaned up.
        var took = cancelled.GetProperty("completedAt").GetDateTimeOffset() - requested;
        Assert.True(took < TimeSpan.FromSeconds(1), $"Cancel took {took.TotalMilliseconds:F0} ms");
        Assert.Equal("Demo User", cancelled.GetProperty("cancelledBy").GetString());
        // No file and no empty folder are left behind (the runner removes them as it stops).
        var dir = ArtifactDir(cancelled);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(dir) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.False(Directory.Exists(dir), $"{dir} is left behind by a cancelled job");
        await (await c.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(409);
        await (await c.PostAsync($"/api/v1/exports/{id}/cancel", null)).ProblemAsync(409);
    }

    [Fact]
    public async Task HostileNames_GiveAStorableCleanFileName_AndTheJobCompletesAndDeletes()
    {
        var (_, c) = await api.NewUserAsync();
        foreach (var title in new[] { "..", "../../etc/passwd", "a..b", "invoice\u202Egpj.exe", "CON", "\u2066..\u2069" })
        {
            var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout(title));
            var id = done.GetProperty("id").GetString()!;
            var file = done.GetProperty("fileName").GetString()!;
            Assert.DoesNotContain("..", file);
            Assert.DoesNotContain('/', file);
            Assert.DoesNotContain('\u202E', file);
            Assert.DoesNotContain('\u2066', file);
            Assert.EndsWith(".png", file);
            var download = await c.GetAsync($"/api/v1/exports/{id}/download");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(file, download.Content.Headers.ContentDisposition?.FileNameStar);
            Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"/api/v1/exports/{id}")).StatusCode);
        }
    }

    [Fact]
    public async Task Events_ReportStateAndProgress_AndEndAtTheFinalState()
    {
        var c = api.Demo();
        // Long enough (every raw point of 30 days, about 2 million rows) to run through several progress ticks on any
        // machine: a job shorter than one tick has no progress to report (a 7-day export once finished inside one).
        var job = await SubmitAsync(c, new { kind = "series", series = new { source = "servers", timeframe = new { last = "30d" }, granularity = "raw", format = "jsonl" } });
        var id = job.GetProperty("id").GetString()!;
        using var stream = await c.GetStreamAsync($"/api/v1/exports/{id}/events");
        using var reader = new StreamReader(stream);
        var events = new List<(string Name, JsonElement Data)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line) // ends when the server closes the stream
        {
            if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) events.Add((name!, JsonDocument.Parse(line[6..]).RootElement.Clone()));
        }
        Assert.Equal("state", events[0].Name);
        Assert.Equal(("state", "completed"), (events[^1].Name, events[^1].Data.Status()));
        var progress = events.Where(e => e.Name == "progress").Select(e => e.Data.GetProperty("bytesWritten").GetInt64()).ToList();
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        Assert.True(progress[^1] < events[^1].Data.GetProperty("sizeBytes").GetInt64() || progress.Count > 1);
    }

    [Fact]
    public async Task SignedLinks_WorkWithoutASession_Tampered403_Expired410()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        var owned = await (await c.GetAsync($"/api/v1/exports/{id}/download")).Content.ReadAsByteArrayAsync();
        var link = await (await c.PostJsonAsync($"/api/v1/exports/{id}/links", new { expiresInMinutes = 30 })).JsonAsync();
        var url = link.GetProperty("url").GetString()!;
        Assert.InRange(link.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(29), DateTimeOffset.UtcNow.AddMinutes(31));
        var anonymous = api.CreateClient();
        var r = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(owned, await r.Content.ReadAsByteArrayAsync());

        var token = url[(url.IndexOf("token=") + 6)..];
        var flipped = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        await (await anonymous.GetAsync($"/api/v1/exports/{id}/download?token={flipped}")).ProblemAsync(403);
        var longer = (long.Parse(token[..token.IndexOf('.')]) + 3600) + token[token.IndexOf('.')..];
        await (await anonymous.GetAsync($"/api/v1/exports/{id}/download?token={longer}")).ProblemAsync(403);
        await (await anonymous.GetAsync($"/api/v1/exports/{Guid.NewGuid()}/download?token={token}")).ProblemAsync(403);
        var expired = api.Host.Services.GetRequiredService<DownloadLinks>().Create(Guid.Parse(id), DateTimeOffset.UtcNow.AddSeconds(-5));
        await (await anonymous.GetAsync($"/api/v1/exports/{id}/download?token={expired}")).ProblemAsync(410);
        await (await anonymous.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(401);
        Assert.Equal(2, (await GetAsync(c, id)).GetProperty("downloadCount").GetInt32());
    }

    [Fact]
    public async Task SignedLinks_AnEmptyBodyGetsTheDefaultExpiry_AndTheRouteIdCannotBeReplacedByTheQuery()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        // Content-Type: application/json with no bytes is no body: the default 24 hours, not a 400.
        var empty = new ByteArrayContent([]);
        empty.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var link = await (await c.PostAsync($"/api/v1/exports/{id}/links", empty)).JsonAsync();
        Assert.InRange(link.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(23.9), DateTimeOffset.UtcNow.AddHours(24.1));
        var token = link.GetProperty("url").GetString()!.Split("token=")[1];

        // The id is the route's: ?id= names neither the export checked against the token nor the one served.
        var anonymous = api.CreateClient();
        var other = Guid.NewGuid();
        var forOther = Uri.EscapeDataString(api.Host.Services.GetRequiredService<DownloadLinks>().Create(other, DateTimeOffset.UtcNow.AddHours(1)));
        await (await anonymous.GetAsync($"/api/v1/exports/{id}/download?token={forOther}&id={other}")).ProblemAsync(403);
        await (await anonymous.GetAsync($"/api/v1/exports/{other}/download?token={token}&id={id}")).ProblemAsync(403);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/exports/{id}/download?token={token}&id={other}")).StatusCode);
        Assert.Equal(id, (await (await c.GetAsync($"/api/v1/exports/{id}?id={other}")).JsonAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Events_OfAFinishedExport_AreOneStateEventInServerSentEventsFraming_WithNoRetryLine()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        var r = await c.GetAsync($"/api/v1/exports/{id}/events");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
        Assert.True(r.Headers.CacheControl?.NoStore);
        Assert.Equal("no", r.Headers.GetValues("X-Accel-Buffering").Single());
        var text = await r.Content.ReadAsStringAsync();
        Assert.EndsWith("\n\n", text);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(["data", "event", "id"], lines.Select(l => l[..l.IndexOf(':')]).Order().ToArray());
        Assert.Contains("event: state", lines);
        var data = JsonDocument.Parse(lines.Single(l => l.StartsWith("data: "))[6..]).RootElement;
        Assert.Equal(("completed", id), (data.Status(), data.GetProperty("id").GetString()));
        Assert.Equal($"id: {data.GetProperty("updatedAt").GetDateTimeOffset().UtcTicks}", lines.Single(l => l.StartsWith("id: ")));
    }

    [Fact]
    public async Task Quotas_RunningJobs429_ExportsPerHour429_StoredBytes409_WithRetryAfter()
    {
        var (owner, c) = await api.NewUserAsync();
        async Task Fake(string status, DateTimeOffset created, long? size = null) =>
            await api.ScalarAsync<int>("""
                INSERT INTO export_jobs (id, owner_id, kind, format, title, status, phase, request, request_hash, file_name, media_type,
                    storage, storage_key, size_bytes, created_at, updated_at) VALUES
                (gen_random_uuid(), $1, 'layout', 'png', 'fake', $2, 'done', '{}', 'x', 'f.png', 'image/png', 'local', 'k', $3, $4, $4)
                RETURNING 1
                """, owner, status, (object?)size ?? DBNull.Value, created);
        var settings = api.Host.Services.GetRequiredService<ExportsSettings>().Jobs;
        for (var i = 0; i < settings.QuotaConcurrent; i++) await Fake("processing", DateTimeOffset.UtcNow.AddHours(-2));
        var busy = await c.PostJsonAsync("/api/v1/exports", TextLayout());
        await busy.ProblemAsync(429);
        Assert.Equal(TimeSpan.FromSeconds(10), busy.Headers.RetryAfter!.Delta);

        await api.ScalarAsync<int>("UPDATE export_jobs SET status = 'completed', size_bytes = $2 WHERE owner_id = $1 RETURNING 1", owner, settings.QuotaStoredBytes);
        await (await c.PostJsonAsync("/api/v1/exports", TextLayout())).ProblemAsync(409);

        await api.ScalarAsync<int>("DELETE FROM export_jobs WHERE owner_id = $1 RETURNING 1", owner);
        for (var i = 0; i < settings.QuotaPerHour; i++) await Fake("completed", DateTimeOffset.UtcNow.AddMinutes(-30), 1);
        // The hourly quota counts the submission ledger, which a real submit writes with its job.
        await api.ScalarAsync<int>("INSERT INTO export_submissions (job_id, owner_id, submitted_at) SELECT id, owner_id, created_at FROM export_jobs WHERE owner_id = $1 RETURNING 1", owner);
        var hourly = await c.PostJsonAsync("/api/v1/exports", TextLayout());
        await hourly.ProblemAsync(429);
        Assert.InRange(hourly.Headers.RetryAfter!.Delta!.Value.TotalMinutes, 25, 31);
        Assert.Equal((long)settings.QuotaPerHour, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task DeletingHistory_DoesNotGiveHourlyQuotaBack_NextSubmitIs429WithRetryAfter()
    {
        var (owner, c) = await api.NewUserAsync();
        var perHour = api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.QuotaPerHour;
        // All but one of the hour's exports were started 20 minutes ago; the last one now, through the API.
        await api.ScalarAsync<int>("INSERT INTO export_submissions (job_id, owner_id, submitted_at) SELECT gen_random_uuid(), $1, now() - interval '20 minutes' FROM generate_series(1, $2) RETURNING 1", owner, perHour - 1);
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        await (await c.PostJsonAsync("/api/v1/exports", TextLayout())).ProblemAsync(429);

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{done.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
        var again = await c.PostJsonAsync("/api/v1/exports", TextLayout());
        var p = await again.ProblemAsync(429);
        Assert.Contains("EXPORTS_QUOTA_PER_HOUR", p.GetProperty("detail").GetString());
        Assert.InRange(again.Headers.RetryAfter!.Delta!.Value.TotalMinutes, 35, 41);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
        Assert.Equal((long)perHour, await api.ScalarAsync<long>("SELECT count(*) FROM export_submissions WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task DownloadWhoseCountUpdateFails_ClosesTheArtifact()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetGuid();
        var file = Directory.EnumerateFiles(ArtifactDir(done)).Single();
        int OpenHandles() => Directory.EnumerateFiles("/proc/self/fd").Count(fd =>
        {
            try { return new FileInfo(fd).LinkTarget == file; } catch (IOException) { return false; } catch (UnauthorizedAccessException) { return false; }
        });
        var fn = "fail_count_" + Guid.NewGuid().ToString("N")[..8];
        await api.ScalarAsync<int>($$"""
            CREATE FUNCTION {{fn}}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.id = '{{id}}' AND NEW.download_count <> OLD.download_count THEN RAISE EXCEPTION 'injected count failure'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER {{fn}} BEFORE UPDATE ON export_jobs FOR EACH ROW EXECUTE FUNCTION {{fn}}();
            SELECT 1
            """);
        try
        {
            for (var i = 0; i < 3; i++) await (await c.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(500);
        }
        finally { await api.ScalarAsync<int>($"DROP TRIGGER {fn} ON export_jobs; DROP FUNCTION {fn}(); SELECT 1"); }
        Assert.Equal(0, OpenHandles());
        Assert.Equal(0, (await GetAsync(c, id.ToString())).GetProperty("downloadCount").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync($"/api/v1/exports/{id}/download")).StatusCode);
    }

    [Fact]
    public async Task Retention_ExpiresOldArtifacts_DeletesTheirFiles_AndDownloadsAnswer410()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetGuid();
        Assert.Single(Directory.EnumerateFiles(ArtifactDir(done)));
        await api.ScalarAsync<int>("UPDATE export_jobs SET expires_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", id);
        Assert.True(await api.Host.Services.GetRequiredService<RetentionSweep>().RunAsync(default) >= 1);
        var expired = await GetAsync(c, id.ToString());
        Assert.Equal("expired", expired.Status());
        Assert.False(Directory.Exists(ArtifactDir(done)));
        await (await c.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(410);
    }

    [Fact]
    public async Task Delete_RemovesTheRecordAndTheFile_Rerun_MakesANewJob()
    {
        var (owner, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        var (second, _) = await RunTrackedAsync(api.Host, c, async () =>
        {
            var rerun = await c.PostAsync($"/api/v1/exports/{id}/rerun", null);
            Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
            return (await rerun.JsonAsync()).GetProperty("id").GetString()!;
        });
        Assert.NotEqual(id, second.GetProperty("id").GetString());
        AssertCompleted(second);
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{id}")).StatusCode);
        Assert.False(Directory.Exists(ArtifactDir(done)));
        await (await c.GetAsync($"/api/v1/exports/{id}")).ProblemAsync(404);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task History_FiltersSortsAndPagesByCursor()
    {
        var (_, c) = await api.NewUserAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await SubmitAndCompleteAsync(api.Host, c, TextLayout($"N{i}"))).GetProperty("id").GetString()!);
        var page1 = await (await c.GetAsync("/api/v1/exports?limit=2")).JsonAsync();
        var cursor = page1.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        var page2 = await (await c.GetAsync($"/api/v1/exports?limit=2&cursor={cursor}")).JsonAsync();
        Assert.False(page2.TryGetProperty("nextCursor", out var more) && more.ValueKind != JsonValueKind.Null);
        var seen = page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray()).Select(j => j.GetProperty("id").GetString()).ToList();
        Assert.Equal(Enumerable.Reverse(ids), seen); // newest first, each once
        var oldest = await (await c.GetAsync("/api/v1/exports?sort=createdAt&limit=1")).JsonAsync();
        Assert.Equal(ids[0], oldest.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Empty((await (await c.GetAsync("/api/v1/exports?status=failed")).JsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(3, (await (await c.GetAsync("/api/v1/exports?kind=layout&format=png")).JsonAsync()).GetProperty("items").GetArrayLength());
        await (await c.GetAsync("/api/v1/exports?status=done")).ProblemAsync(400, "status");
        await (await c.GetAsync("/api/v1/exports?cursor=bm9wZQ")).ProblemAsync(400, "cursor");
    }

    [Fact]
    public async Task LargeSynchronousExport_Answers202WithABackgroundJob_AndSaysWhy()
    {
        var c = api.Demo();
        var r = await c.PostJsonAsync("/api/v1/exports/series", BigCsv());
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var body = await r.JsonAsync();
        Assert.True(body.GetProperty("background").GetBoolean());
        Assert.Contains("above the 100 MB", body.GetProperty("reason").GetString());
        var id = body.GetProperty("job").GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/exports/{id}", r.Headers.Location!.ToString());
        await c.PostAsync($"/api/v1/exports/{id}/cancel", null);
        await WaitAsync(c, id, j => j.Status() == "cancelled", TimeSpan.FromSeconds(10));
    }
}
