using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Features.Live;
using Exports.Series;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Live;

/// <summary>Stream tokens and the SSE stream of a source, read by an HTTP client line by line as a browser's
/// EventSource would, every value compared with SQL on the stored rows.</summary>
[Collection(ApiCollection.Name)]
public sealed class LiveStreamTests(ApiFixture api)
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    const string AppOrigin = "https://app.example.com";

    static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    async Task<(Guid Owner, Guid Source, HttpClient Client)> SourceAsync(string name = "live")
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name, kind = "timeseries" })).StatusCode);
        return (owner, await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = $2", owner, name), client);
    }

    static async Task<(string Id, string Token, JsonElement Body)> TokenAsync(HttpClient client, string source = "live", string[]? origins = null)
    {
        var r = await client.PostJsonAsync($"/api/v1/sources/{source}/stream-tokens", new { name = "dash", origins = origins ?? [AppOrigin] });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var body = await r.JsonAsync();
        return (body.GetProperty("id").GetString()!, body.GetProperty("token").GetString()!, body);
    }

    static async Task IngestAsync(HttpClient client, int batch, string source = "live")
    {
        var r = await client.PostAsync($"/api/v1/sources/{source}/points", Json(
            $$$"""[{"timestamp":"2026-03-01T10:{{{batch:00}}}:00.000123Z","metric":"t","value":{{{batch}}}.25,"tags":{"b":"{{{batch}}}"}},{"timestamp":"2026-03-01T10:{{{batch:00}}}:30Z","metric":"t","value":-{{{batch}}},"tags":{"b":"{{{batch}}}"}}]"""));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>Opens the stream (headers read, body streamed).</summary>
    static async Task<HttpResponseMessage> OpenAsync(HttpClient http, string source, string token, string? lastEventId = null, string? origin = null, string? query = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sources/{source}/stream?token={Uri.EscapeDataString(token)}{query}");
        if (lastEventId is not null) req.Headers.Add("Last-Event-ID", lastEventId);
        if (origin is not null) req.Headers.Add("Origin", origin);
        return await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Every stored point of the source as the stream shows it, in the log's row order.</summary>
    async Task<List<(string Ts, double? Value, string Tag)>> StoredAsync(Guid source) =>
        (await api.RowsAsync("""
            SELECT to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p.value, s.tags->>'b'
            FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = $1 ORDER BY p.ts, s.metric, s.tags_key
            """, source)).Select(r => ((string)r[0]!, (double?)r[1], (string)r[2]!)).ToList();

    static IEnumerable<(string Ts, double? Value, string Tag)> Rows(SseEvent e) =>
        e.Json.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("ts").GetString()!,
            r.GetProperty("value").ValueKind == JsonValueKind.Null ? (double?)null : r.GetProperty("value").GetDouble(),
            r.GetProperty("tags").GetProperty("b").GetString()!));

    [Fact]
    public async Task Tokens_CreatedOnce_ListedWithoutTheToken_StoredHashed_BadInputIs400_OtherOwnersGet404()
    {
        var (_, _, client) = await SourceAsync();
        var (id, token, body) = await TokenAsync(client, origins: ["https://App.Example.com:443", "http://localhost:5173"]);
        Assert.StartsWith(StreamTokens.TokenPrefix, token);
        Assert.EndsWith($"/api/v1/sources/live/stream?token={token}", body.GetProperty("url").GetString());
        Assert.Equal(["https://app.example.com", "http://localhost:5173"], body.GetProperty("origins").EnumerateArray().Select(o => o.GetString()));
        var listed = await (await client.GetAsync("/api/v1/sources/live/stream-tokens")).Content.ReadAsStringAsync();
        Assert.Contains(id, listed);
        Assert.DoesNotContain(token, listed);
        Assert.DoesNotContain(token[10..], listed);
        Assert.Equal(Convert.ToHexString(StreamTokens.Hash(token)),
            Convert.ToHexString(await api.ScalarAsync<byte[]>("SELECT hash FROM stream_tokens WHERE id = $1", Guid.Parse(id))));

        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = new[] { "*" } })).ProblemAsync(400, "origins[0]");
        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = new[] { AppOrigin, "https://x.example.com/app" } })).ProblemAsync(400, "origins[1]");
        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = new[] { "ftp://x.example.com" } })).ProblemAsync(400, "origins[0]");
        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { name = "x" })).ProblemAsync(400, "origins");
        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = Array.Empty<string>(), expiresInDays = 0 })).ProblemAsync(400, "expiresInDays");
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM stream_tokens t JOIN sources s ON s.id = t.source_id WHERE s.name = 'live' AND t.id = $1", Guid.Parse(id)));

        var (_, other) = await api.NewUserAsync();
        await (await other.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = new[] { AppOrigin } })).ProblemAsync(404);
        await (await other.GetAsync("/api/v1/sources/live/stream-tokens")).ProblemAsync(404);
        await (await other.DeleteAsync($"/api/v1/sources/live/stream-tokens/{id}")).ProblemAsync(404);
        Assert.True(await api.ScalarAsync<bool>("SELECT revoked_at IS NULL FROM stream_tokens WHERE id = $1", Guid.Parse(id)));
    }

    [Fact]
    public async Task Stream_SendsEachCommittedIngest_InSeqOrder_WithExactValues()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        for (var b = 1; b <= 3; b++) await IngestAsync(client, b);
        var events = new List<SseEvent>();
        for (var i = 0; i < 3; i++) events.Add(await sse.NextAsync(Wait));
        Assert.Equal(["1", "2", "3"], events.Select(e => e.Id));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Json.GetProperty("seq").GetInt64()));
        Assert.All(events, e => Assert.Equal(2, e.Json.GetProperty("rowCount").GetInt32()));
        Assert.Equal(await StoredAsync(source), events.SelectMany(Rows).OrderBy(r => r.Ts).ToList());
        Assert.Equal("2026-03-01T10:01:00.000123Z", Rows(events[0]).First().Ts);
    }

    [Fact]
    public async Task Resume_WithLastEventId_AfterADisconnectDuringWhichRowsArrived_LosesAndRepeatsNothing()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        using var http = api.CreateClient();
        string lastId;
        using (var res = await OpenAsync(http, "live", token))
        await using (var sse = new SseReader(await res.Content.ReadAsStreamAsync()))
        {
            await IngestAsync(client, 1);
            lastId = (await sse.NextAsync(Wait)).Id!;
        }
        Assert.Equal("1", lastId);
        for (var b = 2; b <= 4; b++) await IngestAsync(client, b); // while disconnected

        var seen = new List<SseEvent>();
        using (var res = await OpenAsync(http, "live", token, lastEventId: lastId))
        await using (var sse = new SseReader(await res.Content.ReadAsStreamAsync()))
        {
            for (var i = 0; i < 3; i++) seen.Add(await sse.NextAsync(Wait));
            await IngestAsync(client, 5); // and live again after the catch-up
            seen.Add(await sse.NextAsync(Wait));
        }
        Assert.Equal(["2", "3", "4", "5"], seen.Select(e => e.Id));
        var stored = await StoredAsync(source);
        Assert.Equal(stored.Where(r => r.Tag != "1").ToList(), seen.SelectMany(Rows).OrderBy(r => r.Ts).ToList());

        // The lastEventId query parameter does the same (for clients that cannot set the header).
        using var again = await OpenAsync(http, "live", token, query: "&lastEventId=3");
        await using var sse2 = new SseReader(await again.Content.ReadAsStreamAsync());
        Assert.Equal(["4", "5"], [(await sse2.NextAsync(Wait)).Id, (await sse2.NextAsync(Wait)).Id]);
        await (await OpenAsync(http, "live", token, query: "&lastEventId=x")).ProblemAsync(400, "lastEventId");
    }

    [Fact]
    public async Task Resume_FromOlderThanRetention_SendsAGapEvent_ThenTheRest()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        for (var b = 1; b <= 3; b++) await IngestAsync(client, b);
        await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '3 hours' WHERE source_id = $1 AND seq <= 2"))
        {
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        await api.Host.Services.GetRequiredService<LiveLog>().SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token, lastEventId: "0");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        var gap = await sse.NextAsync(Wait);
        Assert.Equal("gap", gap.Event);
        Assert.Equal((1, 2), (gap.Json.GetProperty("from").GetInt32(), gap.Json.GetProperty("to").GetInt32()));
        Assert.Equal("2", gap.Id);
        var next = await sse.NextAsync(Wait);
        Assert.Equal("3", next.Id);
        Assert.Equal((await StoredAsync(source)).Where(r => r.Tag == "3").ToList(), Rows(next).ToList());
    }

    [Fact]
    public async Task AMissingSeq_IsAGapEvent_WhateverTheCause_ThenTheRest()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        for (var b = 1; b <= 3; b++) await IngestAsync(client, b);
        await using (var cmd = api.Db.CreateCommand("DELETE FROM live_events WHERE source_id = $1 AND seq = 2"))
        {
            cmd.Parameters.Add(new() { Value = source });
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token, lastEventId: "0");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        var seen = new List<SseEvent>();
        for (var i = 0; i < 3; i++) seen.Add(await sse.NextAsync(Wait));
        Assert.Equal([("1", (string?)null), ("2", "gap"), ("3", null)], seen.Select(e => (e.Id!, e.Event)));
        Assert.Equal((2, 2), (seen[1].Json.GetProperty("from").GetInt32(), seen[1].Json.GetProperty("to").GetInt32()));
        var stored = await StoredAsync(source);
        Assert.Equal(stored.Where(r => r.Tag == "1").ToList(), Rows(seen[0]).ToList());
        Assert.Equal(stored.Where(r => r.Tag == "3").ToList(), Rows(seen[2]).ToList());
    }

    [Fact]
    public async Task Resume_FromPastTheLastSeq_IsAResetEvent_ThenGoesOnFromTheHead()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        await IngestAsync(client, 1);
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token, lastEventId: "99");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        var reset = await sse.NextAsync(Wait);
        Assert.Equal(("reset", "1"), (reset.Event, reset.Id));
        Assert.Equal((99, 1), (reset.Json.GetProperty("lastEventId").GetInt32(), reset.Json.GetProperty("seq").GetInt32()));
        await IngestAsync(client, 2);
        var next = await sse.NextAsync(Wait);
        Assert.Equal("2", next.Id);
        Assert.Equal((await StoredAsync(source)).Where(r => r.Tag == "2").ToList(), Rows(next).ToList());
    }

    [Fact]
    public async Task ManyStreamsOfASource_OneIngest_ReadTheLogAtMostReadSlotsAtOnce()
    {
        var (_, source, client) = await SourceAsync();
        var log = api.Host.Services.GetRequiredService<LiveLog>();
        var slots = api.Host.Services.GetRequiredService<LiveSettings>().ReadSlots;
        var streams = Math.Max(12, 3 * slots);
        var perToken = api.Host.Services.GetRequiredService<LiveSettings>().StreamsPerToken;
        var tokens = new List<string>();
        for (var i = 0; i < (streams + perToken - 1) / perToken; i++) tokens.Add((await TokenAsync(client)).Token);
        using var http = api.CreateClient();
        var open = new List<(HttpResponseMessage Res, SseReader Sse)>();
        try
        {
            for (var i = 0; i < streams; i++)
            {
                var res = await OpenAsync(http, "live", tokens[i / perToken]);
                Assert.Equal(HttpStatusCode.OK, res.StatusCode);
                open.Add((res, new SseReader(await res.Content.ReadAsStreamAsync())));
            }
            await Task.Delay(500); // every stream past its first read and waiting
            log.ResetPeakReads();
            await IngestAsync(client, 1);
            var events = await Task.WhenAll(open.Select(o => o.Sse.NextAsync(Wait)));
            Assert.All(events, e => Assert.Equal("1", e.Id));
            Assert.InRange(log.PeakReads, 1, slots);
        }
        finally
        {
            foreach (var o in open) { await o.Sse.DisposeAsync(); o.Res.Dispose(); }
        }
    }

    [Fact]
    public async Task LiveTokensPerSource_AreCapped_409NamesTheSetting_RevokedAndExpiredDoNotCount_AndArePrunedAfterADay()
    {
        var (_, source, client) = await SourceAsync();
        var cap = api.Host.Services.GetRequiredService<LiveSettings>().TokensPerSource;
        var ids = new List<string>();
        for (var i = 0; i < cap; i++) ids.Add((await TokenAsync(client, origins: [])).Id);
        var refused = await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = Array.Empty<string>() })).ProblemAsync(409);
        Assert.Contains("EXPORTS_LIVE_TOKENS_PER_SOURCE", refused.GetProperty("detail").GetString());
        Assert.Equal((long)cap, await api.ScalarAsync<long>("SELECT count(*) FROM stream_tokens WHERE source_id = $1", source));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/sources/live/stream-tokens/{ids[0]}")).StatusCode);
        var afterRevoke = (await TokenAsync(client, origins: [])).Id;
        await (await client.PostJsonAsync("/api/v1/sources/live/stream-tokens", new { origins = Array.Empty<string>() })).ProblemAsync(409);
        await using (var cmd = api.Db.CreateCommand("UPDATE stream_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1"))
        {
            cmd.Parameters.Add(new() { Value = Guid.Parse(ids[1]) });
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.NotEqual(afterRevoke, (await TokenAsync(client, origins: [])).Id);

        // The sweep deletes tokens revoked or expired over a day ago; the rest stay listed.
        await using (var cmd = api.Db.CreateCommand("UPDATE stream_tokens SET revoked_at = now() - interval '25 hours' WHERE id = $1"))
        {
            cmd.Parameters.Add(new() { Value = Guid.Parse(ids[0]) });
            await cmd.ExecuteNonQueryAsync();
        }
        await api.Host.Services.GetRequiredService<Exports.Jobs.RetentionSweep>().RunAsync(CancellationToken.None);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM stream_tokens WHERE id = $1", Guid.Parse(ids[0])));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM stream_tokens WHERE id = $1", Guid.Parse(ids[1]))); // expired a minute ago
        Assert.Equal((long)cap + 1, await api.ScalarAsync<long>("SELECT count(*) FROM stream_tokens WHERE source_id = $1", source));
    }

    [Fact]
    public async Task OverTheEventRate_TheExcessIsCoalesced_NothingDropped()
    {
        var (_, source, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        var rate = api.Host.Services.GetRequiredService<LiveSettings>().EventsPerSecond;
        var batches = rate + 11;
        for (var b = 1; b <= batches; b++) await IngestAsync(client, b);
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token, lastEventId: "0");
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        var events = new List<SseEvent>();
        while (events.Count == 0 || events[^1].Id != batches.ToString()) events.Add(await sse.NextAsync(Wait));
        Assert.True(events.Count <= rate, $"{events.Count} events for {batches} seqs at {rate}/s");
        var coalesced = Assert.Single(events, e => e.Json.TryGetProperty("fromSeq", out _));
        Assert.Equal(batches, coalesced.Json.GetProperty("seq").GetInt32());
        Assert.Equal((batches - coalesced.Json.GetProperty("fromSeq").GetInt32() + 1) * 2, coalesced.Json.GetProperty("rowCount").GetInt32());
        // Every seq's rows exactly once, in order.
        Assert.Equal(await StoredAsync(source), events.SelectMany(Rows).OrderBy(r => r.Ts).ToList());
        Assert.Equal(events.Select(e => long.Parse(e.Id!)).Order(), events.Select(e => long.Parse(e.Id!)));
    }

    [Fact]
    public async Task Cors_AllowsExactlyTheTokensOrigins_PreflightToo_NeverStar()
    {
        var (_, _, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        using var http = api.CreateClient();

        async Task<HttpResponseMessage> Preflight(string origin)
        {
            var req = new HttpRequestMessage(HttpMethod.Options, $"/api/v1/sources/live/stream?token={token}");
            req.Headers.Add("Origin", origin);
            req.Headers.Add("Access-Control-Request-Method", "GET");
            req.Headers.Add("Access-Control-Request-Headers", "last-event-id");
            return await http.SendAsync(req);
        }
        var ok = await Preflight(AppOrigin);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal(AppOrigin, ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("GET", ok.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("last-event-id", ok.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Contains("Origin", ok.Headers.Vary);
        var refused = await Preflight("https://evil.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using (var get = await OpenAsync(http, "live", token, origin: AppOrigin))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(AppOrigin, get.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("Origin", get.Headers.Vary);
        }
        using var bad = await OpenAsync(http, "live", token, origin: "https://evil.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
        Assert.False(bad.Headers.Contains("Access-Control-Allow-Origin"));
        using var none = await OpenAsync(http, "live", token); // curl, a server: no Origin, no CORS header
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.False(none.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task RevokingAToken_ClosesItsOpenStream_AndRefusesNewOnes()
    {
        var (_, _, client) = await SourceAsync();
        var (id, token, _) = await TokenAsync(client);
        using var http = api.CreateClient();
        using var res = await OpenAsync(http, "live", token);
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        await IngestAsync(client, 1);
        Assert.Equal("1", (await sse.NextAsync(Wait)).Id);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/sources/live/stream-tokens/{id}")).StatusCode);
        Assert.Null(await sse.NextOrEndAsync(Wait)); // the server ended the stream
        await (await OpenAsync(http, "live", token)).ProblemAsync(401);
        await (await client.DeleteAsync($"/api/v1/sources/live/stream-tokens/{id}")).ProblemAsync(404); // already revoked
    }

    [Fact]
    public async Task ATokenReadsItsOwnSourceOnly_AnotherSourceIs404_AnUnknownTokenIs401()
    {
        var (_, _, client) = await SourceAsync("a");
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "b", kind = "timeseries" })).StatusCode);
        var (_, tokenA, _) = await TokenAsync(client, "a");
        using var http = api.CreateClient();
        await (await OpenAsync(http, "b", tokenA)).ProblemAsync(404);
        await (await OpenAsync(http, "a", tokenA + "x")).ProblemAsync(401);
        await (await OpenAsync(http, "a", "")).ProblemAsync(400, "token");
        // Nor is the token an API key: it opens no other route.
        var key = new HttpRequestMessage(HttpMethod.Get, "/api/v1/sources");
        key.Headers.Authorization = new("Bearer", tokenA);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(key)).StatusCode);
    }

    [Fact]
    public async Task StreamsPastThePerTokenLimit_Are429WithRetryAfter()
    {
        var (_, _, client) = await SourceAsync();
        var (_, token, _) = await TokenAsync(client);
        var limit = api.Host.Services.GetRequiredService<LiveSettings>().StreamsPerToken;
        using var http = api.CreateClient();
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < limit; i++)
            {
                open.Add(await OpenAsync(http, "live", token));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            var refused = await OpenAsync(http, "live", token);
            await refused.ProblemAsync(429);
            Assert.NotNull(refused.Headers.RetryAfter);
            // One closed: its place is free again.
            open[0].Dispose();
            var deadline = DateTime.UtcNow + Wait;
            HttpResponseMessage again;
            while ((again = await OpenAsync(http, "live", token)).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "the closed stream's place was never given back");
                again.Dispose();
                await Task.Delay(50);
            }
            open.Add(again);
        }
        finally { foreach (var r in open) r.Dispose(); }
    }

    [Fact]
    public void Limits_CountPerTokenAndPerOwner_AndGiveBackOnDispose()
    {
        var limits = new LiveStreamLimits(new LiveSettings { StreamsPerToken = 2, StreamsPerOwner = 3 });
        var (owner, t1, t2) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var a = limits.TryAcquire(t1, owner, out _);
        var b = limits.TryAcquire(t1, owner, out _);
        Assert.NotNull(a); Assert.NotNull(b);
        Assert.Null(limits.TryAcquire(t1, owner, out var perToken));
        Assert.Contains("EXPORTS_LIVE_STREAMS_PER_TOKEN", perToken);
        Assert.NotNull(limits.TryAcquire(t2, owner, out _));
        Assert.Null(limits.TryAcquire(t2, owner, out var perOwner));
        Assert.Contains("EXPORTS_LIVE_STREAMS_PER_OWNER", perOwner);
        Assert.Null(limits.TryAcquire(t1, Guid.NewGuid(), out _)); // the token is full whoever asks
        a!.Dispose();
        a.Dispose(); // twice gives back once
        Assert.NotNull(limits.TryAcquire(t2, owner, out _));
        Assert.Null(limits.TryAcquire(t2, owner, out _));
    }

    [Fact]
    public void Limits_CountEveryStreamOfTheNode_OverAllOwners()
    {
        var limits = new LiveStreamLimits(new LiveSettings { StreamsPerNode = 3 });
        var held = Enumerable.Range(0, 3).Select(i => limits.TryAcquire(Guid.NewGuid(), Guid.NewGuid(), out _)).ToList();
        Assert.All(held, Assert.NotNull);
        Assert.Null(limits.TryAcquire(Guid.NewGuid(), Guid.NewGuid(), out var refused));
        Assert.Contains("EXPORTS_LIVE_STREAMS_PER_NODE = 3", refused);
        held[0]!.Dispose();
        Assert.NotNull(limits.TryAcquire(Guid.NewGuid(), Guid.NewGuid(), out _));
    }

    /// <summary>Two nodes over one database: the subscriber on node B (a real server process on loopback), the ingest and
    /// the revocation on node A (the fixture's host). B's request log is on (Information for ASP.NET Core) and must hold the stream's
    /// requests but never the token.</summary>
    [Fact]
    public async Task TwoNodes_IngestOnA_SubscriberOnB_RevokeOnAClosesB_AndTheTokenNeverReachesTheLog()
    {
        var (_, source, client) = await SourceAsync();
        var (tokenId, token, _) = await TokenAsync(client);
        var dir = Directory.CreateTempSubdirectory("exports-live-node-").FullName;
        using var node = NodeProcess.Start(api.ConnectionString, dir, new()
        {
            // Its own cluster: the second node never takes the fixture's messages.
            ["EXPORTS_SCHEDULER_NAME"] = "live-node-" + Guid.NewGuid().ToString("N")[..8],
            ["EXPORTS_WORKER"] = "false",
            ["EXPORTS_LIVE_KEEPALIVE_SECONDS"] = "1",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
        });
        await node.HealthyAsync();
        using var http = node.Client();
        using var res = await OpenAsync(http, "live", token, origin: AppOrigin);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        await using var sse = new SseReader(await res.Content.ReadAsStreamAsync());
        Assert.Equal(":keepalive", await sse.NextCommentAsync(Wait)); // the stream is open on B before A ingests
        for (var b = 1; b <= 2; b++) await IngestAsync(client, b);
        var events = new[] { await sse.NextAsync(Wait), await sse.NextAsync(Wait) };
        Assert.Equal(["1", "2"], events.Select(e => e.Id));
        Assert.Equal(await StoredAsync(source), events.SelectMany(Rows).OrderBy(r => r.Ts).ToList());
        // Revoked on node A: the stream on node B ends (the signal crosses nodes with the revocation's commit).
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/sources/live/stream-tokens/{tokenId}")).StatusCode);
        Assert.Null(await sse.NextOrEndAsync(Wait));
        // A token that does not exist is logged too (a 401): scrubbed the same way.
        await (await OpenAsync(http, "live", "lst_not_a_real_token_abc")).ProblemAsync(401);
        await sse.DisposeAsync();
        res.Dispose();
        var log = node.ReadLog();
        Assert.Contains("/api/v1/sources/live/stream?token=***", log); // the requests were logged, with the token scrubbed
        Assert.DoesNotContain(token, log);
        Assert.DoesNotContain(token[StreamTokens.TokenPrefix.Length..], log);
        Assert.DoesNotContain("lst_not_a_real_token_abc", log);
    }
}

/// <summary>One server-sent event: its id, its type (null: "message") and its data as JSON.</summary>
public sealed record SseEvent(string? Id, string? Event, JsonElement Json);

/// <summary>Reads a text/event-stream as EventSource does: fields up to a blank line, comments (":…") apart.</summary>
public sealed class SseReader(Stream stream) : IAsyncDisposable
{
    readonly StreamReader _reader = new(stream, Encoding.UTF8);
    readonly Queue<string> _comments = new();

    public async Task<SseEvent> NextAsync(TimeSpan timeout) =>
        await NextOrEndAsync(timeout) ?? throw new Xunit.Sdk.XunitException("The stream ended before the next event.");

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<SseEvent?> NextOrEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? id = null, type = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (data.Length > 0) return new SseEvent(id, type, JsonDocument.Parse(data.ToString()).RootElement.Clone());
                id = null; type = null;
                continue;
            }
            if (line[0] == ':') { _comments.Enqueue(line); continue; }
            var colon = line.IndexOf(':');
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": if (data.Length > 0) data.Append('\n'); data.Append(value); break;
            }
        }
    }

    /// <summary>The next comment line (e.g. ":keepalive"), skipping nothing else: an event before it fails the wait.</summary>
    public async Task<string> NextCommentAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (_comments.Count == 0)
        {
            var line = await _reader.ReadLineAsync(cts.Token) ?? throw new Xunit.Sdk.XunitException("The stream ended.");
            if (line.StartsWith(':')) return line;
            if (line.StartsWith("data:") || line.StartsWith("id:")) throw new Xunit.Sdk.XunitException($"An event came first: {line}");
        }
        return _comments.Dequeue();
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
