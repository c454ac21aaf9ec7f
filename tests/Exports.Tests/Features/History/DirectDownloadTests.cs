using System.Net;
using System.Text;
using System.Text.Json;
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
        await (await Anonymous().GetAsync($"/api/v1/exports/series/direct/{Guid.NewGuid()}?token={tokenA}")).ProblemAsync(404);

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
}
