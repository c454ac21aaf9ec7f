using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.History;

/// <summary>Direct downloads: POST /exports/series/direct keeps a checked request behind a signed, single-use GET link
/// that works without a session; the download is recorded in history (direct, with its rows and bytes).</summary>
[Collection(ApiCollection.Name)]
public sealed class DirectDownloadTests(ApiFixture api)
{
    static readonly DateTime Base = DateTime.UtcNow.Date.AddDays(-1).AddHours(6);

    async Task<(Guid Owner, HttpClient Client)> OwnerWithPointsAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "rooms", kind = "timeseries" })).StatusCode);
        var points = Enumerable.Range(0, 6 * 12).SelectMany(i => new[] { "a", "b" }.Select(host => new
        {
            timestamp = Base.AddMinutes(i * 5 + 2).ToString("O"), metric = "temp", value = 20 + i % 9 * 0.37 + (host == "b" ? 1.5 : 0), tags = new { host },
        }));
        var r = await client.PostAsync("/api/v1/sources/rooms/points", new StringContent(JsonSerializer.Serialize(points), Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (owner, client);
    }

    static object Request(string format = "csv") => new
    {
        source = "rooms", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "host" }, aggregations = new[] { "avg", "max" },
        timezone = "UTC", format, timeframe = new { from = Base.ToString("O"), to = Base.AddHours(6).ToString("O") },
    };

    static async Task<(string Url, string FileName)> LinkAsync(HttpClient c, object? request = null)
    {
        var r = await c.PostJsonAsync("/api/v1/exports/series/direct", request ?? Request());
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, body);
        var link = JsonDocument.Parse(body).RootElement;
        var expires = link.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));
        var url = link.GetProperty("url").GetString()!;
        Assert.StartsWith("/api/v1/exports/series/direct/", url);
        Assert.Equal(url, r.Headers.Location?.ToString());
        return (url, link.GetProperty("fileName").GetString()!);
    }

    HttpClient Anonymous() => api.CreateClient();

    /// <summary>The owner's history once every direct download in it has finished: the record is written as
    /// processing before the first byte and finished when the response has ended, just after the client read it.</summary>
    static async Task<List<JsonElement>> SettledHistoryAsync(HttpClient c)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var items = (await (await c.GetAsync("/api/v1/exports")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
            if (items.All(j => j.Status() is not ("pending" or "processing"))) return items;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Direct downloads still running: {string.Join(", ", items)}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task SignedLink_StreamsWithoutAuth_NumbersEqualSql_AndHistoryRecordsTheDirectDownload()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var (url, fileName) = await LinkAsync(client);
        var r = await Anonymous().GetAsync(url);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        Assert.Equal(fileName, r.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("false", r.Headers.GetValues("Export-Approximate").Single());
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(bytes));
        var expected = (await api.RowsAsync("""
            SELECT s.tags->>'host', date_trunc('hour', p.ts, 'UTC'), avg(p.value), max(p.value)
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            WHERE src.owner_id = $1 AND p.ts >= $2 AND p.ts < $3 GROUP BY 1, 2
            """, owner, Base, Base.AddHours(6))).ToDictionary(x => ((string)x[0]!, DateTime.SpecifyKind((DateTime)x[1]!, DateTimeKind.Utc)));
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            var e = expected[(row["host"], DateTimeOffset.Parse(row["time"]).UtcDateTime)];
            Assert.Equal((double)e[2]!, Files.D(row["avg"]), 1e-9);
            Assert.Equal((double)e[3]!, Files.D(row["max"]), 1e-9);
        }

        // Recorded when it ran: completed, direct, with the rows and bytes the browser received; no file kept.
        var job = Assert.Single(await SettledHistoryAsync(client));
        Assert.True(job.GetProperty("direct").GetBoolean());
        Assert.Equal("completed", job.Status());
        Assert.Equal(rows.Count, job.GetProperty("rowCount").GetInt64());
        Assert.Equal(bytes.Length, job.GetProperty("bytesWritten").GetInt64());
        Assert.Equal(fileName, job.GetProperty("fileName").GetString());
        Assert.Equal("csv", job.GetProperty("format").GetString());
        Assert.Equal("rooms", job.GetProperty("request").GetProperty("series").GetProperty("source").GetString());
        Assert.True(!job.TryGetProperty("sizeBytes", out var size) || size.ValueKind == JsonValueKind.Null, "a direct download stores no file");
        var id = job.GetProperty("id").GetString();
        var download = await (await client.GetAsync($"/api/v1/exports/{id}/download")).ProblemAsync(409);
        Assert.Equal("A direct download keeps no file", download.GetProperty("title").GetString());
        await (await client.PostJsonAsync($"/api/v1/exports/{id}/links", new { expiresInMinutes = 60 })).ProblemAsync(409);

        // Single use: the same link again is gone, and records nothing more.
        var again = await (await Anonymous().GetAsync(url)).ProblemAsync(410);
        Assert.Contains("already used", again.GetProperty("title").GetString());
        Assert.Single(await SettledHistoryAsync(client));
    }

    [Fact]
    public async Task TamperedToken_OtherOwnersLink_MissingToken_Are403_AndAnExpiredOneIs410()
    {
        var (ownerA, a) = await OwnerWithPointsAsync();
        var (_, b) = await OwnerWithPointsAsync();
        var (urlA, _) = await LinkAsync(a);
        var (urlB, _) = await LinkAsync(b);
        var idA = Guid.Parse(urlA.Split('/')[^1].Split('?')[0]);
        var tokenA = urlA.Split("token=")[1];

        var sig = Uri.UnescapeDataString(tokenA);
        var flipped = sig[..^2] + (sig[^2] == 'A' ? 'B' : 'A') + sig[^1];
        await (await Anonymous().GetAsync($"/api/v1/exports/series/direct/{idA}?token={Uri.EscapeDataString(flipped)}")).ProblemAsync(403);
        // A's token on B's link: signed for another link and owner.
        await (await Anonymous().GetAsync(urlB.Split('?')[0] + "?token=" + tokenA)).ProblemAsync(403);
        await (await Anonymous().GetAsync(urlA.Split('?')[0])).ProblemAsync(403);
        // An unknown link answers as a bad token does: an id alone tells nothing.
        var unknown = await (await Anonymous().GetAsync($"/api/v1/exports/series/direct/{Guid.NewGuid()}?token={tokenA}")).ProblemAsync(403);
        Assert.Equal("This download link is not valid", unknown.GetProperty("title").GetString());

        // A genuinely signed token whose expiry has passed.
        var links = api.Host.Services.GetRequiredService<DownloadLinks>();
        var expired = links.Create($"direct:{idA:N}:{ownerA:N}", DateTimeOffset.UtcNow.AddMinutes(-1));
        var gone = await (await Anonymous().GetAsync($"/api/v1/exports/series/direct/{idA}?token={Uri.EscapeDataString(expired)}")).ProblemAsync(410);
        Assert.Contains("expired", gone.GetProperty("title").GetString());

        // None of the refused tries used the links or recorded anything: the genuine ones still work once.
        Assert.Empty((await (await a.GetAsync("/api/v1/exports")).JsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(urlA)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(urlB)).StatusCode);
        var recorded = await SettledHistoryAsync(b);
        Assert.Single(recorded);
        Assert.Equal("completed", recorded[0].Status());
    }

    [Fact]
    public async Task BadRequest_Is400OnTheField_AndKeepsNoLink()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var r = await client.PostJsonAsync("/api/v1/exports/series/direct", new { source = "rooms", format = "csv", timeframe = new { last = "forever" } });
        await r.ProblemAsync(400, "timeframe.last");
        await (await client.PostJsonAsync("/api/v1/exports/series/direct", new { source = "nope", format = "csv" })).ProblemAsync(404);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM direct_downloads WHERE owner_id = $1", owner));
        await (await Anonymous().PostJsonAsync("/api/v1/exports/series/direct", Request())).ProblemAsync(401);
    }

    [Fact]
    public async Task Post_TakesTheOwnersPlaceFirst_429WithRetryAfterWhenAllAreTaken()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var gate = api.Host.Services.GetRequiredService<ExportGate>();
        var held = Enumerable.Range(0, gate.Settings.Streams.PerOwner).Select(_ => gate.TryOwner(owner, SyncKind.Direct)!).ToList();
        try
        {
            Assert.DoesNotContain(null, held);
            var r = await client.PostJsonAsync("/api/v1/exports/series/direct", Request());
            await r.ProblemAsync(429);
            Assert.NotNull(r.Headers.RetryAfter);
            Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM direct_downloads WHERE owner_id = $1", owner));
        }
        finally { held.ForEach(h => h.Dispose()); }
        await LinkAsync(client);
    }

    [Fact]
    public async Task UnusedLinks_AreBoundedPerOwner_429WithRetryAfter_UsingOrExpiringOneFreesAPlace()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var limit = api.Host.Services.GetRequiredService<ExportGate>().Settings.Streams.DirectLinksPerOwner;
        var urls = new List<string>();
        for (var i = 0; i < limit; i++) urls.Add((await LinkAsync(client)).Url);
        var r = await client.PostJsonAsync("/api/v1/exports/series/direct", Request());
        var p = await r.ProblemAsync(429);
        Assert.Contains("EXPORTS_DIRECT_LINKS_PER_OWNER", p.GetProperty("detail").GetString());
        Assert.InRange(r.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5.1));
        Assert.Equal((long)limit, await api.ScalarAsync<long>("SELECT count(*) FROM direct_downloads WHERE owner_id = $1", owner));

        // A used link no longer counts.
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(urls[0])).StatusCode);
        await LinkAsync(client);
        await (await client.PostJsonAsync("/api/v1/exports/series/direct", Request())).ProblemAsync(429);
        // Nor does an expired one.
        Assert.Equal(1L, await api.ScalarAsync<long>("WITH x AS (UPDATE direct_downloads SET expires_at = now() - interval '1 minute' WHERE id = (SELECT id FROM direct_downloads WHERE owner_id = $1 AND used_at IS NULL ORDER BY created_at LIMIT 1) RETURNING 1) SELECT count(*) FROM x", owner));
        await LinkAsync(client);
        await SettledHistoryAsync(client);
    }

    [Fact]
    public async Task DirectDownloads_CountInTheHourlyQuota_AndAGetRefusedForNowKeepsItsLink()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var (url, _) = await LinkAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(url)).StatusCode);
        await SettledHistoryAsync(client);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM export_submissions WHERE owner_id = $1", owner));

        var (url2, _) = await LinkAsync(client);
        var perHour = api.Host.Services.GetRequiredService<ExportGate>().Settings.Jobs.QuotaPerHour;
        await api.ScalarAsync<long>("""
            WITH x AS (INSERT INTO export_submissions (job_id, owner_id, submitted_at)
                SELECT gen_random_uuid(), $1, now() FROM generate_series(1, $2) RETURNING 1) SELECT count(*) FROM x
            """, owner, perHour - 1);
        var r = await Anonymous().GetAsync(url2);
        var p = await r.ProblemAsync(429);
        Assert.Equal("Too many exports this hour", p.GetProperty("title").GetString());
        Assert.NotNull(r.Headers.RetryAfter);
        await (await client.PostJsonAsync("/api/v1/exports/series/direct", Request())).ProblemAsync(429);
        // The refused GET did not use the link, and recorded nothing.
        var id2 = Guid.Parse(url2.Split('/')[^1].Split('?')[0]);
        Assert.True(await api.ScalarAsync<bool>("SELECT used_at IS NULL FROM direct_downloads WHERE id = $1", id2));
        Assert.Single(await SettledHistoryAsync(client));

        await api.ScalarAsync<long>("WITH x AS (DELETE FROM export_submissions WHERE owner_id = $1 RETURNING 1) SELECT count(*) FROM x", owner);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(url2)).StatusCode);
        Assert.Equal(2, (await SettledHistoryAsync(client)).Count);
    }

    [Fact]
    public async Task DirectRows_AreNotCancelledHere_NeverCountAsRunning_StaleOnesAreFailedBySweep_AndTheyExpire()
    {
        var (owner, client) = await OwnerWithPointsAsync();
        var (url, _) = await LinkAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous().GetAsync(url)).StatusCode);
        var id = Guid.Parse(Assert.Single(await SettledHistoryAsync(client)).GetProperty("id").GetString()!);
        // Retention applies to a finished direct row like any other.
        Assert.True(await api.ScalarAsync<bool>("SELECT expires_at > completed_at FROM export_jobs WHERE id = $1", id));

        // As if its node died mid-stream an hour ago, and some more still streaming now (beaten just now).
        var settings = api.Host.Services.GetRequiredService<ExportGate>().Settings;
        await api.ScalarAsync<long>("""
            WITH x AS (UPDATE export_jobs SET status = 'processing', phase = 'streaming', completed_at = NULL, updated_at = now() - interval '1 hour'
                WHERE id = $1 RETURNING 1) SELECT count(*) FROM x
            """, id);
        await api.ScalarAsync<long>("""
            WITH x AS (INSERT INTO export_jobs SELECT (jsonb_populate_record(null::export_jobs,
                to_jsonb(j) || jsonb_build_object('id', gen_random_uuid(), 'updated_at', now()))).*
                FROM export_jobs j, generate_series(1, $2) WHERE j.id = $1 RETURNING 1) SELECT count(*) FROM x
            """, id, settings.Jobs.QuotaConcurrent);

        var cancel = await (await client.PostAsync($"/api/v1/exports/{id}/cancel", null)).ProblemAsync(409);
        Assert.Equal("A direct download is cancelled by the browser", cancel.GetProperty("title").GetString());

        // Running direct downloads are not queued or running jobs: a background export is still accepted.
        var submit = await client.PostJsonAsync("/api/v1/exports", new { kind = "series", series = Request() });
        Assert.True(submit.StatusCode == HttpStatusCode.Accepted, await submit.Content.ReadAsStringAsync());

        await api.Host.Services.GetRequiredService<RetentionSweep>().RunAsync(default);
        var rows = (await api.RowsAsync("SELECT id, status, error FROM export_jobs WHERE owner_id = $1 AND direct", owner))
            .ToDictionary(x => (Guid)x[0]!, x => ((string)x[1]!, x[2] as string));
        Assert.Equal("failed", rows[id].Item1);
        Assert.Contains("stopped", rows[id].Item2);
        Assert.All(rows.Where(kv => kv.Key != id), kv => Assert.Equal("processing", kv.Value.Item1));
        await api.ScalarAsync<long>("WITH x AS (UPDATE export_jobs SET status = 'failed', phase = 'done' WHERE owner_id = $1 AND direct AND status = 'processing' RETURNING 1) SELECT count(*) FROM x", owner);
    }

    [Fact]
    public async Task AGetGrownPastTheStreamingThreshold_Is409_NeverA202TheBrowserWouldSave()
    {
        var (owner, _) = await OwnerWithPointsAsync();
        var services = api.Host.Services;
        var settings = services.GetRequiredService<ExportsSettings>();
        // The same request on a gate whose threshold it has now outgrown.
        var gate = new ExportGate(settings with { Jobs = settings.Jobs with { AsyncThresholdBytes = 1 } });
        var req = JsonSerializer.Deserialize<Exports.Series.ExportRequest>(JsonSerializer.Serialize(Request()), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = services };
        var result = await Exports.Features.ExportSeries.StartSeriesExport.StreamAsync(req, services.GetRequiredService<Exports.Series.SeriesExports>(),
            services.GetRequiredService<JobQueue>(), gate, services.GetRequiredService<ResultCache>(), owner, http, default, streamOnly: true);
        var problem = Assert.IsAssignableFrom<Microsoft.AspNetCore.Http.IStatusCodeHttpResult>(result);
        Assert.Equal(409, problem.StatusCode);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
    }
}
