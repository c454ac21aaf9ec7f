using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Features.Live;
using Exports.Series;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Live;

/// <summary>The stream without a token, for its signed-in owner (the SPA's Live toggle with its session cookie, or a
/// client with an API key): the source has no stream token and no sink, so only the stream's watcher makes the ingest
/// log what it commits; values are compared with SQL on the stored rows.</summary>
[Collection(ApiCollection.Name)]
public sealed class SignedInStreamTests(ApiFixture api)
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    async Task<(Guid Owner, Guid Source, HttpClient Client)> SourceAsync(string name = "watched")
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name, kind = "timeseries" })).StatusCode);
        return (owner, await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = $2", owner, name), client);
    }

    static async Task IngestAsync(HttpClient client, int minute, string source = "watched")
    {
        var r = await client.PostAsync($"/api/v1/sources/{source}/points", Json(
            $$$"""[{"timestamp":"2026-05-01T08:{{{minute:00}}}:00.000457Z","metric":"m","value":{{{minute}}}.125},{"timestamp":"2026-05-01T08:{{{minute:00}}}:30Z","metric":"m","value":-{{{minute}}}}]"""));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    static Task<HttpResponseMessage> OpenAsync(HttpClient http, string source, string? origin = null, string? cookie = null,
        string? lastEventId = null, string? fetchSite = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sources/{source}/stream");
        if (origin is not null) req.Headers.Add("Origin", origin);
        if (lastEventId is not null) req.Headers.Add("Last-Event-ID", lastEventId);
        if (fetchSite is not null) req.Headers.Add("Sec-Fetch-Site", fetchSite);
        if (cookie is not null) req.Headers.Add("Cookie", cookie);
        return http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
    }

    async Task<List<(string Ts, double Value)>> StoredAsync(Guid source) =>
        (await api.RowsAsync("""
            SELECT to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p.value
            FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = $1 ORDER BY p.ts
            """, source)).Select(r => ((string)r[0]!, (double)r[1]!)).ToList();

    static IEnumerable<(string Ts, double Value)> Rows(SseEvent e) =>
        e.Json.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("ts").GetString()!, r.GetProperty("value").GetDouble()));

    Task<long> WatchersAsync(Guid source) => api.ScalarAsync<long>("SELECT count(*) FROM live_watchers WHERE source_id = $1", source);

    /// <summary>As if the source's watchers' lease ran out (their streams gone longer than it).</summary>
    Task LapseAsync(Guid source) =>
        api.ScalarAsync<int>("WITH u AS (UPDATE live_watchers SET expires_at = now() - interval '1 second' WHERE source_id = $1 RETURNING 1) SELECT count(*)::int FROM u", source);

    [Fact]
    public async Task WithAnApiKey_TheOwnerStreamsTheirSource_WithoutAToken_ExactValues_AndTheIngestStopsLoggingALeaseAfterTheStreamEnds()
    {
        var (_, source, client) = await SourceAsync();
        // No token, no sink: nothing is logged before the stream opens.
        await IngestAsync(client, 1);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));

        var res = await OpenAsync(client, "watched");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        Assert.False(res.Headers.Contains("Access-Control-Allow-Origin"));
        var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        Assert.Equal(1L, await WatchersAsync(source));
        await IngestAsync(client, 2);
        await IngestAsync(client, 3);
        var events = new[] { await sse.NextAsync(Wait), await sse.NextAsync(Wait) };
        Assert.Equal(["1", "2"], events.Select(e => e.Id));
        // The rows of minutes 2 and 3 exactly as stored (minute 1 came before the stream: not news to it).
        Assert.Equal((await StoredAsync(source)).Skip(2).ToList(), events.SelectMany(Rows).ToList());
        Assert.Equal("2026-05-01T08:02:00.000457Z", Rows(events[0]).First().Ts);

        await sse.DisposeAsync();
        res.Dispose();
        // Within the lease the source still logs (a reconnect misses nothing); once it lapses, nothing more is logged.
        await IngestAsync(client, 4);
        Assert.Equal(3L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));
        await LapseAsync(source);
        await IngestAsync(client, 5);
        Assert.Equal(3L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));
    }

    [Fact]
    public async Task AReconnectWithinTheLease_ResumesWithEveryRowMissed_ButAfterALapse_ItFirstSaysResync()
    {
        var (_, source, client) = await SourceAsync();
        using (var res = await OpenAsync(client, "watched"))
        {
            await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
            await IngestAsync(client, 1);
            Assert.Equal("1", (await sse.NextAsync(Wait)).Id);
        }
        // Disconnected: rows arrive; the reconnect (EventSource sends Last-Event-ID) gets them, with no resync.
        await IngestAsync(client, 2);
        using (var res = await OpenAsync(client, "watched", lastEventId: "1"))
        {
            await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
            var e = await sse.NextAsync(Wait);
            Assert.Null(e.Event);
            Assert.Equal("2", e.Id);
            Assert.Equal((await StoredAsync(source)).Skip(2).ToList(), Rows(e).ToList());
        }
        // Away longer than the lease: rows committed meanwhile were not logged, and the resumed stream says so first.
        await LapseAsync(source);
        await IngestAsync(client, 3);
        using (var res = await OpenAsync(client, "watched", lastEventId: "2"))
        {
            await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
            var resync = await sse.NextAsync(Wait);
            Assert.Equal("resync", resync.Event);
            Assert.Null(resync.Id);
            Assert.Equal(2, resync.Json.GetProperty("lastEventId").GetInt64());
            await IngestAsync(client, 4);
            var next = await sse.NextAsync(Wait);
            Assert.Equal("3", next.Id);
            Assert.Equal("2026-05-01T08:04:00.000457Z", Rows(next).First().Ts);
        }
        // A stream token keeps the log whole: no resync however long away.
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources/watched/stream-tokens", new { origins = Array.Empty<string>() })).StatusCode);
        await LapseAsync(source);
        await IngestAsync(client, 5);
        using (var res = await OpenAsync(client, "watched", lastEventId: "3"))
        {
            await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
            var e = await sse.NextAsync(Wait);
            Assert.Null(e.Event);
            Assert.Equal("4", e.Id);
        }
    }

    [Fact]
    public async Task AnIngestThatLookedForAConsumerBeforeTheStreamBegan_AndCommitsAfter_IsAResync_NotASilentHole()
    {
        var (_, source, client) = await SourceAsync();
        await IngestAsync(client, 1);
        // An ingest under way: it looked for a consumer before the stream's watcher existed (found none), so it will
        // commit without logging. Here it is held open, and commits once the stream is open.
        await using var pending = await api.Host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        await using var tx = await pending.BeginTransactionAsync();
        await using (var look = new Npgsql.NpgsqlCommand($"SELECT {LiveLog.ConsumerSql}", pending, tx))
        {
            look.Parameters.Add(new Npgsql.NpgsqlParameter { Value = source });
            Assert.False((bool)(await look.ExecuteScalarAsync())!);
        }
        using var res = await OpenAsync(client, "watched");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        foreach (var sql in new[] { "UPDATE points p SET value = 99 FROM series s WHERE s.id = p.series_id AND s.source_id = $1", Exports.Series.Staging.BumpDataVersionUnlogged })
        {
            await using var write = new Npgsql.NpgsqlCommand(sql, pending, tx);
            write.Parameters.Add(new Npgsql.NpgsqlParameter { Value = source });
            await write.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        // The next read (here woken by the next ingest) says so before the event.
        await IngestAsync(client, 2);
        var resync = await sse.NextAsync(Wait);
        Assert.Equal("resync", resync.Event);
        Assert.Equal(0, resync.Json.GetProperty("lastEventId").GetInt64());
        var e = await sse.NextAsync(Wait);
        Assert.Equal("1", e.Id);
        Assert.Equal("2026-05-01T08:02:00.000457Z", Rows(e).First().Ts);
    }

    [Fact]
    public async Task AStreamWhoseWatcherLapsed_EndsAtItsNextCheck_ItIsNeverRenewed()
    {
        var (_, source, client) = await SourceAsync();
        using var res = await OpenAsync(client, "watched");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        await IngestAsync(client, 1);
        Assert.Equal("1", (await sse.NextAsync(Wait)).Id);
        await LapseAsync(source);
        // Wake the stream's check at once (a token change on the source), rather than wait for the keepalive.
        var token = await (await client.PostJsonAsync("/api/v1/sources/watched/stream-tokens", new { origins = Array.Empty<string>() })).JsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/sources/watched/stream-tokens/{token.GetProperty("id").GetString()}")).StatusCode);
        Assert.Null(await sse.NextOrEndAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await api.ScalarAsync<bool>("SELECT bool_and(expires_at < now()) FROM live_watchers WHERE source_id = $1", source));
    }

    [Fact]
    public async Task RevokingTheApiKey_EndsItsOpenStreamAtOnce()
    {
        var (owner, key) = await api.NewUserWithKeyAsync();
        using var client = api.Client(key);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "watched", kind = "timeseries" })).StatusCode);
        using var res = await OpenAsync(client, "watched");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        await IngestAsync(client, 1);
        Assert.Equal("1", (await sse.NextAsync(Wait)).Id);
        var keyId = await api.ScalarAsync<Guid>("SELECT id FROM api_keys WHERE owner_id = $1", owner);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/keys/{keyId}")).StatusCode);
        // Well within the keepalive interval (15 s): the revocation's signal ends it, not the periodic check.
        var ended = Stopwatch.StartNew();
        Assert.Null(await sse.NextOrEndAsync(TimeSpan.FromSeconds(10)));
        Assert.True(ended.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WithTheSessionCookie_TheSpaStreamsItsOwnersSource_FromItsOwnOriginOnly()
    {
        var (owner, source, client) = await SourceAsync();
        var email = await api.ScalarAsync<string>("SELECT email FROM users WHERE id = $1", owner);
        using var anonymous = api.CreateClient();
        var login = await anonymous.PostJsonAsync("/api/v1/auth/login", new { email, password = "secret-password" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("exports.session=", StringComparison.Ordinal)).Split(';')[0];

        // Another origin is refused even with the cookie (no CORS for signed-in streams: that is what tokens are for).
        var foreign = await OpenAsync(anonymous, "watched", origin: "https://elsewhere.example.com", cookie: cookie);
        var problem = await foreign.ProblemAsync(403);
        Assert.Contains("stream token", problem.GetProperty("detail").GetString());
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
        // Nor does a request another site's page makes without an Origin (an <img>, a <script>) use the session.
        await (await OpenAsync(anonymous, "watched", cookie: cookie, fetchSite: "same-site")).ProblemAsync(403);
        await (await OpenAsync(anonymous, "watched", cookie: cookie, fetchSite: "cross-site")).ProblemAsync(403);
        Assert.Equal(0L, await WatchersAsync(source));

        var publicUrl = new Uri(api.Host.Services.GetRequiredService<Exports.Host.ExportsSettings>().PublicUrl).GetLeftPart(UriPartial.Authority);
        using var res = await OpenAsync(anonymous, "watched", origin: publicUrl, cookie: cookie, fetchSite: "same-origin");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        await IngestAsync(client, 5);
        var e = await sse.NextAsync(Wait);
        Assert.Equal("1", e.Id);
        Assert.Equal(await StoredAsync(source), Rows(e).ToList());
    }

    [Fact]
    public async Task AnotherOwnersSource_Is404_WithNoWatcherLeft_AndNoCredentialIs400()
    {
        var (_, source, _) = await SourceAsync();
        var (_, other) = await api.NewUserAsync();
        await (await OpenAsync(other, "watched")).ProblemAsync(404);
        await (await OpenAsync(other, "no-such-source")).ProblemAsync(404);
        Assert.Equal(0L, await WatchersAsync(source));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM live_watchers w JOIN sources s ON s.id = w.source_id WHERE s.name = 'no-such-source'"));
        using var anonymous = api.CreateClient();
        await (await OpenAsync(anonymous, "watched")).ProblemAsync(400, "token");
    }

    [Fact]
    public async Task AnOwnersSignedInStreams_CountAsOneToken_PastItIs429_AndAClosedOneGivesItsPlaceBack()
    {
        var (_, source, client) = await SourceAsync();
        var limit = api.Host.Services.GetRequiredService<LiveSettings>().StreamsPerToken;
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < limit; i++)
            {
                open.Add(await OpenAsync(client, "watched"));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            var refused = await OpenAsync(client, "watched");
            var problem = await refused.ProblemAsync(429);
            Assert.Contains("EXPORTS_LIVE_STREAMS_PER_TOKEN", problem.GetProperty("detail").GetString());
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal((long)limit, await WatchersAsync(source)); // the refused one made none
            open[0].Dispose();
            open.RemoveAt(0);
            var deadline = DateTime.UtcNow + Wait;
            HttpResponseMessage again;
            while ((again = await OpenAsync(client, "watched")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "the closed stream's place was never given back");
                again.Dispose();
                await Task.Delay(50);
            }
            open.Add(again);
        }
        finally { foreach (var r in open) r.Dispose(); }
        Assert.Equal((long)limit + 1, await WatchersAsync(source)); // closed ones lapse a lease later (the sweep deletes them)
    }

    [Fact]
    public async Task AWatcherIsAConsumerOnlyWhileUnexpired_ItsRenewalExtendsIt_ALapsedOneIsNeverRenewed_AndTheSweepDeletesIt()
    {
        var (owner, source, client) = await SourceAsync();
        var db = api.Host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        var keepalive = TimeSpan.FromSeconds(15);
        var grant = await LiveWatchers.OpenAsync(db, owner, null, "watched", keepalive, DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);
        Assert.NotNull(grant);
        Assert.True(grant.Watcher);
        Assert.Equal(source, grant.SourceId);
        var lease = await api.ScalarAsync<double>("SELECT extract(epoch FROM expires_at - now())::float8 FROM live_watchers WHERE id = $1", grant.TokenId);
        Assert.InRange(lease, LiveWatchers.Lease(keepalive).TotalSeconds - 5, LiveWatchers.Lease(keepalive).TotalSeconds + 1);

        await IngestAsync(client, 1);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));
        await api.ScalarAsync<int>("WITH u AS (UPDATE live_watchers SET expires_at = now() + interval '5 seconds' WHERE id = $1 RETURNING 1) SELECT count(*)::int FROM u", grant.TokenId);
        Assert.True(await grant.StillLiveAsync(db, keepalive, CancellationToken.None)); // renewed for a whole lease
        Assert.InRange(await api.ScalarAsync<double>("SELECT extract(epoch FROM expires_at - now())::float8 FROM live_watchers WHERE id = $1", grant.TokenId),
            LiveWatchers.Lease(keepalive).TotalSeconds - 5, LiveWatchers.Lease(keepalive).TotalSeconds + 1);

        // Lapsed (its node died, or its stream was gone longer than a lease): not a consumer, never renewed, and the
        // sweep deletes it.
        await LapseAsync(source);
        await IngestAsync(client, 2);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));
        Assert.False(await grant.StillLiveAsync(db, keepalive, CancellationToken.None));
        await IngestAsync(client, 3);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT live_seq FROM sources WHERE id = $1", source));
        var live = api.Host.Services.GetRequiredService<LiveLog>();
        Assert.True(await live.PruneWatchersAsync(CancellationToken.None) >= 1);
        Assert.Equal(0L, await WatchersAsync(source));
    }
}
