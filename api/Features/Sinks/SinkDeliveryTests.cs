using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Features.Sinks;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Sinks;

/// <summary>Sinks delivering what ingests commit, to a real receiver (<see cref="SinkReceiver"/>: an HttpListener that
/// verifies every signature): batching by count and by time, the rows equal to SQL on the stored points and records,
/// retries with the same body and Idempotency-Key, a refused batch pausing the sink, the failing window pausing it, and
/// resume sending the held batch again first.</summary>
[Collection(ApiCollection.Name)]
public sealed class SinkDeliveryTests(ApiFixture api)
{
    const string Secret = "sink-delivery-secret-0123456789";
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    sealed record Setup(Guid Owner, HttpClient Client, string SinkId, string Source);

    async Task<Setup> SinkAsync(SinkReceiver receiver, object? extra = null, string source = "metrics")
    {
        var (owner, c) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await c.PostJsonAsync("/api/v1/sources", new { name = "metrics", kind = "timeseries" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await c.PostJsonAsync("/api/v1/sources", new
        {
            name = "deploys", kind = "records",
            fields = new[] { new { name = "host", role = "dimension", type = "string" }, new { name = "took", role = "measure", type = "double" } },
        })).StatusCode);
        var body = JsonSerializer.SerializeToElement(new { url = receiver.Url, secret = Secret });
        var merged = new Dictionary<string, JsonElement>();
        foreach (var p in body.EnumerateObject()) merged[p.Name] = p.Value;
        if (extra is not null) foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject()) merged[p.Name] = p.Value;
        var r = await c.PostJsonAsync($"/api/v1/sources/{source}/sinks", merged);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return new Setup(owner, c, JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!, source);
    }

    static async Task IngestAsync(HttpClient c, string source, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var r = await c.PostAsync($"/api/v1/sources/{source}/{(source == "metrics" ? "points" : "records")}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(r.StatusCode == expected, await r.Content.ReadAsStringAsync());
    }

    /// <summary><paramref name="n"/> points from <paramref name="start"/> on, minute apart, alternating hosts, microsecond instants.</summary>
    static string Points(int start, int n, string metric = "cpu") =>
        JsonSerializer.Serialize(Enumerable.Range(start, n).Select(i => new
        {
            timestamp = new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddMinutes(i).AddTicks(1234560).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"),
            metric, value = i + 0.25, tags = new { host = i % 2 == 0 ? "a" : "b" },
        }));

    /// <summary>A point row as a comparable key: metric, tags, ts and value exactly as sent.</summary>
    static string Key(JsonElement row) =>
        $"{row.GetProperty("metric").GetString()}|{string.Join(",", row.GetProperty("tags").EnumerateObject().Select(t => $"{t.Name}={t.Value.GetString()}").Order())}|{row.GetProperty("ts").GetString()}|{row.GetProperty("value").GetDouble():R}";

    /// <summary>The same keys from the stored points, by SQL.</summary>
    async Task<List<string>> StoredPointsAsync(Guid owner, string where = "true")
    {
        var rows = await api.RowsAsync($"""
            SELECT s.metric, (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM jsonb_each_text(s.tags)),
                   to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p.value
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            WHERE src.owner_id = $1 AND src.name = 'metrics' AND {where}
            """, owner);
        return rows.Select(r => $"{r[0]}|{r[1]}|{r[2]}|{(double)r[3]!:R}").Order(StringComparer.Ordinal).ToList();
    }

    async Task<JsonElement> SinkAsync(Setup s) => await (await s.Client.GetAsync($"/api/v1/sources/{s.Source}/sinks/{s.SinkId}")).JsonAsync();
    async Task<JsonElement> DeliveriesAsync(Setup s) => await (await s.Client.GetAsync($"/api/v1/sources/{s.Source}/sinks/{s.SinkId}/deliveries")).JsonAsync();

    async Task<JsonElement> UntilAsync(Setup s, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var sink = await SinkAsync(s);
            if (done(sink)) return sink;
            Assert.True(DateTime.UtcNow < deadline, "The sink never got there: " + sink);
            await Task.Delay(100);
        }
    }

    static void AssertOrdered(List<SinkReceiver.Received> accepted, string sinkId)
    {
        Assert.Equal(Enumerable.Range(1, accepted.Count).Select(i => (long)i), accepted.Select(a => a.Sequence));
        Assert.All(accepted, a => Assert.Equal($"{Guid.Parse(sinkId):N}-{a.Sequence}", a.IdempotencyKey));
        Assert.All(accepted, a => Assert.Equal(sinkId, a.Json.GetProperty("sink").GetString()));
        // Batches cover the live log in order, each from where the last ended.
        for (var i = 1; i < accepted.Count; i++)
            Assert.True(accepted[i].Json.GetProperty("batch").GetProperty("fromSeq").GetInt64() >= accepted[i - 1].Json.GetProperty("batch").GetProperty("toSeq").GetInt64());
    }

    [Fact]
    public async Task FullBatches_GoAtOnce_TheRestWaitsForMoreRows_AndEveryRowEqualsTheStoredPoints()
    {
        using var receiver = new SinkReceiver(Secret);
        var s = await SinkAsync(receiver, new { maxBatch = 10, batchMs = 60_000 });
        // All or nothing: an ingest refused for a bad row commits nothing, so nothing of it is sent.
        await IngestAsync(s.Client, "metrics", """[{"timestamp":"2026-03-01T09:00:00Z","metric":"cpu","value":1},{"timestamp":"nope","metric":"cpu","value":2}]""", HttpStatusCode.BadRequest);
        await IngestAsync(s.Client, "metrics", Points(0, 25));
        var first = await receiver.WaitAsync(r => r.Accepted().Count >= 2, Wait);
        Assert.Equal([10, 10], first.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
        // The last 5 rows are not a full batch: they wait for more (batchMs is a minute), as the sink's batches say.
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM sink_batches WHERE sink_id = $1", Guid.Parse(s.SinkId)));
        await IngestAsync(s.Client, "metrics", Points(25, 5));
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= 3, Wait);
        Assert.Equal([10, 10, 10], all.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
        AssertOrdered(all, s.SinkId);
        Assert.Empty(receiver.BadSignatures);
        var third = all[2].Json.GetProperty("batch");
        Assert.True(third.GetProperty("toSeq").GetInt64() > third.GetProperty("fromSeq").GetInt64()); // rows of both ingests
        var sent = all.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).ToList();
        Assert.Equal(sent.Count, sent.Distinct().Count());
        Assert.Equal(await StoredPointsAsync(s.Owner), sent.Order(StringComparer.Ordinal).ToList());
        Assert.DoesNotContain(sent, k => k.Contains("T09:00:00")); // the refused ingest's good row was not sent
        var deliveries = await DeliveriesAsync(s);
        Assert.Equal([3L, 2L, 1L], deliveries.EnumerateArray().Select(d => d.GetProperty("sequence").GetInt64()));
        Assert.All(deliveries.EnumerateArray(), d => Assert.Equal(("delivered", 1, 200, 10), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32(), d.GetProperty("httpStatus").GetInt32(), d.GetProperty("rows").GetInt32())));
    }

    [Fact]
    public async Task PartialBatch_IsSentOnceBatchMsPassedSinceItsFirstRowCommitted_NotBefore()
    {
        using var receiver = new SinkReceiver(Secret);
        var s = await SinkAsync(receiver, new { batchMs = 1500 });
        await IngestAsync(s.Client, "metrics", Points(0, 2));
        await IngestAsync(s.Client, "metrics", Points(2, 3));
        var all = await receiver.WaitAsync(r => r.Accepted().Sum(b => b.Json.GetProperty("rows").GetArrayLength()) >= 5, Wait);
        AssertOrdered(all, s.SinkId);
        Assert.Empty(receiver.BadSignatures);
        foreach (var b in all)
        {
            var from = b.Json.GetProperty("batch").GetProperty("fromSeq").GetInt64();
            var committed = await api.ScalarAsync<DateTime>("SELECT e.committed_at FROM live_events e JOIN sources s ON s.id = e.source_id WHERE s.owner_id = $1 AND s.name = 'metrics' AND e.seq = $2", s.Owner, from);
            Assert.True(b.At >= new DateTimeOffset(DateTime.SpecifyKind(committed, DateTimeKind.Utc)).AddMilliseconds(1500), $"Batch {b.Sequence} came {b.At:O}, its first row committed {committed:O}.");
        }
        Assert.Equal(await StoredPointsAsync(s.Owner), all.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Receiver503_IsRetried_WithTheSameBodyAndIdempotencyKey_ThenDelivered()
    {
        using var receiver = new SinkReceiver(Secret) { Answer = i => i < 2 ? (503, i == 0 ? "1" : null) : (200, null) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        await IngestAsync(s.Client, "metrics", Points(0, 3));
        await receiver.WaitAsync(r => r.Accepted().Count >= 1, Wait);
        var tries = receiver.All.OrderBy(r => r.Index).ToList();
        Assert.Equal([503, 503, 200], tries.Select(t => t.Answered));
        Assert.Single(tries.Select(t => t.Body).Distinct());
        Assert.Single(tries.Select(t => t.IdempotencyKey).Distinct());
        Assert.All(tries, t => Assert.Equal(1, t.Sequence));
        Assert.True(tries[1].At - tries[0].At >= TimeSpan.FromSeconds(1), "Retry-After: 1 was not honoured."); // lower bound only
        Assert.Empty(receiver.BadSignatures);
        var d = Assert.Single((await DeliveriesAsync(s)).EnumerateArray());
        Assert.Equal(("delivered", 3, 200), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32(), d.GetProperty("httpStatus").GetInt32()));
        Assert.False(d.TryGetProperty("lastError", out var e) && e.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Receiver400_PausesTheSinkWithTheReason_ResumeSendsTheSameBatchFirst_ThenWhatCameSince()
    {
        using var receiver = new SinkReceiver(Secret) { Answer = i => i == 0 ? (400, null) : (200, null) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        await IngestAsync(s.Client, "metrics", Points(0, 2));
        var paused = await UntilAsync(s, x => x.GetProperty("status").GetString() == "paused");
        Assert.Contains("HTTP 400", paused.GetProperty("pausedReason").GetString());
        var failed = Assert.Single((await DeliveriesAsync(s)).EnumerateArray());
        Assert.Equal(("failed", 1, 400), (failed.GetProperty("status").GetString(), failed.GetProperty("attempts").GetInt32(), failed.GetProperty("httpStatus").GetInt32()));
        await IngestAsync(s.Client, "metrics", Points(2, 3));
        Assert.Single(receiver.All); // paused: nothing more went out
        var resumed = await (await s.Client.PostAsync($"/api/v1/sources/metrics/sinks/{s.SinkId}/resume", null)).JsonAsync();
        Assert.Equal("active", resumed.GetProperty("status").GetString());
        var all = await receiver.WaitAsync(r => r.Accepted().Sum(b => b.Json.GetProperty("rows").GetArrayLength()) >= 5, Wait);
        AssertOrdered(all, s.SinkId);
        var refused = receiver.All.Single(r => r.Index == 0);
        Assert.Equal((refused.Body, refused.IdempotencyKey), (all[0].Body, all[0].IdempotencyKey));
        Assert.Equal(3, all[1].Json.GetProperty("rows").GetArrayLength());
        Assert.Equal(await StoredPointsAsync(s.Owner), all.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task SinkFailingLongerThanTheWindow_IsPausedSayingSo_AndResumes()
    {
        var pump = api.Host.Services.GetRequiredService<SinkPump>();
        var window = pump.PauseAfter;
        pump.PauseAfter = TimeSpan.FromSeconds(2);
        try
        {
            using var receiver = new SinkReceiver(Secret) { Answer = _ => (503, null) };
            var s = await SinkAsync(receiver, new { batchMs = 0 });
            await IngestAsync(s.Client, "metrics", Points(0, 1));
            var paused = await UntilAsync(s, x => x.GetProperty("status").GetString() == "paused");
            Assert.Contains("EXPORTS_SINK_PAUSE_AFTER_MINUTES", paused.GetProperty("pausedReason").GetString());
            Assert.Contains("HTTP 503", paused.GetProperty("pausedReason").GetString());
            var failed = Assert.Single((await DeliveriesAsync(s)).EnumerateArray());
            Assert.Equal("failed", failed.GetProperty("status").GetString());
            Assert.True(failed.GetProperty("attempts").GetInt32() >= 2);
            Assert.Equal(failed.GetProperty("attempts").GetInt32(), receiver.All.Count);
            receiver.Answer = _ => (200, null);
            await s.Client.PostAsync($"/api/v1/sources/metrics/sinks/{s.SinkId}/resume", null);
            var all = await receiver.WaitAsync(r => r.Accepted().Count >= 1, Wait);
            Assert.Equal(1, Assert.Single(all).Sequence);
            var active = await UntilAsync(s, x => x.GetProperty("deliveredSeq").GetInt64() == 1);
            Assert.Equal("active", active.GetProperty("status").GetString());
            Assert.False(active.TryGetProperty("pausedReason", out var reason) && reason.ValueKind != JsonValueKind.Null);
        }
        finally { pump.PauseAfter = window; }
    }

    /// <summary>A batch is full at EXPORTS_SINK_MAX_BATCH_BYTES of rows' JSON (it goes at once, as a batch full by count
    /// does), and a row larger than that is a batch of its own.</summary>
    [Fact]
    public async Task Batches_AreCutAtMaxBatchBytes_AndOneLargerRowGoesAlone()
    {
        var pump = api.Host.Services.GetRequiredService<SinkPump>();
        var cap = pump.MaxBatchBytes;
        pump.MaxBatchBytes = 1000;
        try
        {
            using var receiver = new SinkReceiver(Secret);
            var s = await SinkAsync(receiver, new { maxBatch = 100, batchMs = 60_000 });
            await IngestAsync(s.Client, "metrics", Points(0, 30));
            var full = (await receiver.WaitAsync(r => r.Accepted().Count >= 2, Wait)).Take(2).ToList();
            AssertOrdered(full, s.SinkId);
            foreach (var b in full)
            {
                Assert.InRange(Encoding.UTF8.GetByteCount(b.Json.GetProperty("rows").GetRawText()), 800, 1000); // full: the next row would not fit
                Assert.InRange(b.Json.GetProperty("rows").GetArrayLength(), 2, 29);
            }
            var sent = full.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).ToList();
            Assert.Equal(sent.Count, sent.Distinct().Count());
            Assert.Subset((await StoredPointsAsync(s.Owner)).ToHashSet(), sent.ToHashSet());

            pump.MaxBatchBytes = 10; // smaller than any row
            using var single = new SinkReceiver(Secret);
            var t = await SinkAsync(single, new { maxBatch = 100, batchMs = 0 }); // without the cap: one batch of 3
            await IngestAsync(t.Client, "metrics", Points(0, 3));
            var alone = await single.WaitAsync(r => r.Accepted().Count >= 3, Wait);
            AssertOrdered(alone, t.SinkId);
            Assert.Equal([1, 1, 1], alone.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
            Assert.Equal(await StoredPointsAsync(t.Owner), alone.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).Order(StringComparer.Ordinal).ToList());
        }
        finally { pump.MaxBatchBytes = cap; }
    }

    /// <summary>A step that throws (here a stored filter that no longer compiles) is a failure of the sink: its reason is
    /// shown as lastError, and past the failing window the sink is paused with it, never retaken forever.</summary>
    [Fact]
    public async Task StepThatThrows_IsShownOnTheSink_AndPausesItAfterTheWindow()
    {
        var pump = api.Host.Services.GetRequiredService<SinkPump>();
        var window = pump.PauseAfter;
        pump.PauseAfter = TimeSpan.FromSeconds(2);
        try
        {
            using var receiver = new SinkReceiver(Secret);
            var s = await SinkAsync(receiver, new { batchMs = 0, filter = new { field = "took", op = "gte", value = 10 } }, source: "deploys");
            await using (var cmd = api.Db.CreateCommand("""UPDATE sinks SET filter = '{"field":"gone","op":"eq","value":"x"}' WHERE id = $1"""))
            {
                cmd.Parameters.Add(new() { Value = Guid.Parse(s.SinkId) });
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            }
            await IngestAsync(s.Client, "deploys", """[{"timestamp":"2026-03-01T10:00:00Z","id":"d1","host":"a","took":12}]""");
            var failing = await UntilAsync(s, x => x.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String);
            Assert.Contains("no longer compiles", failing.GetProperty("lastError").GetString());
            var paused = await UntilAsync(s, x => x.GetProperty("status").GetString() == "paused");
            Assert.Contains("no longer compiles", paused.GetProperty("pausedReason").GetString());
            Assert.Contains("EXPORTS_SINK_PAUSE_AFTER_MINUTES", paused.GetProperty("pausedReason").GetString());
            Assert.Empty(receiver.All);
            Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM sink_batches WHERE sink_id = $1", Guid.Parse(s.SinkId)));
        }
        finally { pump.PauseAfter = window; }
    }

    /// <summary>A delivered batch keeps no body, and a sink keeps its latest 100 batches: storage per sink is bounded.</summary>
    [Fact]
    public async Task DeliveredBatches_DropTheirBody_AndOnlyTheLatest100AreKept()
    {
        using var receiver = new SinkReceiver(Secret);
        var s = await SinkAsync(receiver, new { maxBatch = 1, batchMs = 0 });
        await IngestAsync(s.Client, "metrics", Points(0, SinkPump.KeptBatches + 5));
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= SinkPump.KeptBatches + 5, Wait);
        AssertOrdered(all, s.SinkId);
        await UntilAsync(s, x => x.GetProperty("nextSequence").GetInt64() == SinkPump.KeptBatches + 6 && x.GetProperty("deliveredSeq").GetInt64() == 1);
        var kept = await api.RowsAsync("SELECT min(sequence), max(sequence), count(*), count(body), bool_and(status = 'delivered') FROM sink_batches WHERE sink_id = $1", Guid.Parse(s.SinkId));
        Assert.Equal(new object?[] { 6L, (long)SinkPump.KeptBatches + 5, (long)SinkPump.KeptBatches, 0L, true }, kept[0]);
        Assert.Equal(SinkPump.KeptBatches, (await DeliveriesAsync(s)).GetArrayLength());
    }

    [Fact]
    public async Task MetricsAndFilter_ChooseTheRows_PointsAndRecords()
    {
        using var receiver = new SinkReceiver(Secret);
        var s = await SinkAsync(receiver, new { batchMs = 0, metrics = new[] { "cpu" }, filter = new { field = "host", op = "eq", value = "a" } });
        await IngestAsync(s.Client, "metrics", Points(0, 6, "cpu"));
        await IngestAsync(s.Client, "metrics", Points(0, 6, "mem"));
        await IngestAsync(s.Client, "metrics", Points(6, 2, "cpu")); // a commit after the unwanted one: the cursor passed it
        var all = await receiver.WaitAsync(r => r.Accepted().Sum(b => b.Json.GetProperty("rows").GetArrayLength()) >= 4, Wait);
        AssertOrdered(all, s.SinkId);
        Assert.Equal(await StoredPointsAsync(s.Owner, "s.metric = 'cpu' AND s.tags->>'host' = 'a'"),
            all.SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).Select(Key).Order(StringComparer.Ordinal).ToList());
        await UntilAsync(s, x => x.GetProperty("deliveredSeq").GetInt64() == 3);

        using var records = new SinkReceiver(Secret);
        var r = await s.Client.PostJsonAsync("/api/v1/sources/deploys/sinks", new { url = records.Url, secret = Secret, batchMs = 0, filter = new { field = "took", op = "gte", value = 10 } });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        await IngestAsync(s.Client, "deploys", """[{"timestamp":"2026-03-01T10:00:00Z","id":"d1","host":"a","took":5},{"timestamp":"2026-03-01T10:01:00.5Z","id":"d2","host":"b","took":12.5},{"timestamp":"2026-03-01T10:02:00Z","id":"d3","host":"c","took":10}]""");
        var got = (await records.WaitAsync(x => x.Accepted().Sum(b => b.Json.GetProperty("rows").GetArrayLength()) >= 2, Wait))
            .SelectMany(b => b.Json.GetProperty("rows").EnumerateArray()).ToList();
        var stored = await api.RowsAsync("""
            SELECT r.key, r.data->>'host', (r.data->>'took')::float8 FROM records r JOIN sources s ON s.id = r.source_id
            WHERE s.owner_id = $1 AND s.name = 'deploys' AND (r.data->>'took')::float8 >= 10 ORDER BY r.key
            """, s.Owner);
        Assert.Equal(stored.Select(x => $"{x[0]}|{x[1]}|{(double)x[2]!:R}"),
            got.Select(x => $"{x.GetProperty("id").GetString()}|{x.GetProperty("host").GetString()}|{x.GetProperty("took").GetDouble():R}").Order(StringComparer.Ordinal));
        Assert.Empty(records.BadSignatures);
    }

    /// <summary>Retention keeps the live events an active sink has not had delivered; a paused sink loses what passes
    /// the retention meanwhile, and on resume gets a batch of no rows over the lost sequence numbers ("lost": true),
    /// noted in its deliveries, between the batch it held and what came after.</summary>
    [Fact]
    public async Task Retention_KeepsWhatAnActiveSinkStillOwes_APausedSinkIsToldWhatItLost()
    {
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (503, null) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        var log = api.Host.Services.GetRequiredService<Exports.Series.LiveLog>();
        var source = await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = 'metrics'", s.Owner);
        async Task<long> AgeAndSweepAsync()
        {
            await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '2 hours' WHERE source_id = $1"))
            {
                cmd.Parameters.Add(new() { Value = source });
                await cmd.ExecuteNonQueryAsync();
            }
            await log.SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
            return await api.ScalarAsync<long>("SELECT count(*) FROM live_events WHERE source_id = $1", source);
        }

        await IngestAsync(s.Client, "metrics", Points(0, 2));
        await receiver.WaitAsync(r => r.Arrived >= 1, Wait);
        Assert.Equal(1L, await AgeAndSweepAsync()); // active and owed: kept past the retention

        receiver.Answer = _ => (400, null);
        await UntilAsync(s, x => x.GetProperty("status").GetString() == "paused");
        await IngestAsync(s.Client, "metrics", Points(2, 3));
        Assert.Equal(0L, await AgeAndSweepAsync()); // paused: both go (the first is in the batch the sink holds)

        receiver.Answer = _ => (200, null);
        await s.Client.PostAsync($"/api/v1/sources/metrics/sinks/{s.SinkId}/resume", null);
        await IngestAsync(s.Client, "metrics", Points(5, 1));
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= 3, Wait);
        AssertOrdered(all, s.SinkId);
        Assert.Equal([2, 0, 1], all.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
        var lost = all[1].Json;
        Assert.True(lost.GetProperty("lost").GetBoolean());
        Assert.Equal((2L, 2L), (lost.GetProperty("batch").GetProperty("fromSeq").GetInt64(), lost.GetProperty("batch").GetProperty("toSeq").GetInt64()));
        Assert.False(all[0].Json.TryGetProperty("lost", out _));
        Assert.Equal(3L, all[2].Json.GetProperty("batch").GetProperty("fromSeq").GetInt64());
        var note = (await DeliveriesAsync(s)).EnumerateArray().Single(d => d.GetProperty("sequence").GetInt64() == 2).GetProperty("note").GetString();
        Assert.Contains("Live events 2 to 2 were deleted by retention", note);
    }

    /// <summary>A paused sink whose owed events retention deleted is told so on resume even when nothing new comes:
    /// the lost batch is formed from the source's live sequence, not from an event after the gap.</summary>
    [Fact]
    public async Task LostEvents_AreReportedOnResume_WithNoNewIngest()
    {
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (400, null) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        var log = api.Host.Services.GetRequiredService<Exports.Series.LiveLog>();
        var source = await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = 'metrics'", s.Owner);
        await IngestAsync(s.Client, "metrics", Points(0, 2));
        await UntilAsync(s, x => x.GetProperty("status").GetString() == "paused");
        await IngestAsync(s.Client, "metrics", Points(2, 3)); // live event 2: never in a batch
        await using (var cmd = api.Db.CreateCommand("UPDATE live_events SET committed_at = now() - interval '2 hours' WHERE source_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        await log.SweepAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM live_events WHERE source_id = $1", source));

        receiver.Answer = _ => (200, null);
        await s.Client.PostAsync($"/api/v1/sources/metrics/sinks/{s.SinkId}/resume", null);
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= 2, Wait);
        AssertOrdered(all, s.SinkId);
        Assert.Equal([2, 0], all.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
        Assert.True(all[1].Json.GetProperty("lost").GetBoolean());
        Assert.Equal((2L, 2L), (all[1].Json.GetProperty("batch").GetProperty("fromSeq").GetInt64(), all[1].Json.GetProperty("batch").GetProperty("toSeq").GetInt64()));
        Assert.Equal(2L, (await UntilAsync(s, x => x.GetProperty("deliveredSeq").GetInt64() == 2)).GetProperty("deliveredSeq").GetInt64());
    }

    /// <summary>One owner's sends at once are at most half of EXPORTS_SINK_SENDS_PER_NODE (16): ten sinks of one owner
    /// with a slow receiver have 8 batches at the receiver at most, and every batch still arrives.</summary>
    [Fact]
    public async Task ConcurrentSends_OfOneOwner_AreCappedAtHalfTheNodesSends()
    {
        using var receiver = new SinkReceiver(Secret) { Delay = TimeSpan.FromSeconds(2) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        for (var i = 1; i < 10; i++)
            Assert.Equal(HttpStatusCode.Created, (await s.Client.PostJsonAsync("/api/v1/sources/metrics/sinks", new { url = receiver.Url, secret = Secret, batchMs = 0 })).StatusCode);
        await IngestAsync(s.Client, "metrics", Points(0, 3));
        await receiver.WaitAsync(r => r.All.Select(a => a.Json.GetProperty("sink").GetString()).Distinct().Count() == 10, Wait);
        Assert.Equal(8, receiver.MaxInFlight);
        Assert.Equal(10, receiver.All.Count); // one batch per sink, each sent once
        Assert.All(receiver.All, a => Assert.Equal((200, 3), (a.Answered, a.Json.GetProperty("rows").GetArrayLength())));
    }

    /// <summary>An active sink that keeps failing without being paused owes its events for at most
    /// EXPORTS_SINK_MAX_LAG_MINUTES: the retention sweep then deletes them, and the sink is told what it lost.</summary>
    [Fact]
    public async Task OwedEventsOlderThanTheMaxLag_AreSwept_AndReportedLost()
    {
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (503, null) };
        var s = await SinkAsync(receiver, new { batchMs = 0 });
        var source = await api.ScalarAsync<Guid>("SELECT id FROM sources WHERE owner_id = $1 AND name = 'metrics'", s.Owner);
        await IngestAsync(s.Client, "metrics", Points(0, 2));
        await receiver.WaitAsync(r => r.Arrived >= 1, Wait);
        await IngestAsync(s.Client, "metrics", Points(2, 3)); // live event 2, behind the batch being retried
        async Task AgeAsync(string age)
        {
            await using var cmd = api.Db.CreateCommand($"UPDATE live_events SET committed_at = now() - interval '{age}' WHERE source_id = $1");
            cmd.Parameters.Add(new() { Value = source });
            await cmd.ExecuteNonQueryAsync();
        }
        var sweep = api.Host.Services.GetRequiredService<Exports.Jobs.RetentionSweep>();
        await AgeAsync("23 hours");
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM live_events WHERE source_id = $1", source)); // owed, within the lag
        await AgeAsync("25 hours");
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM live_events WHERE source_id = $1", source));
        Assert.Equal("active", (await SinkAsync(s)).GetProperty("status").GetString());

        receiver.Answer = _ => (200, null);
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= 2, Wait);
        AssertOrdered(all, s.SinkId);
        Assert.Equal([2, 0], all.Select(b => b.Json.GetProperty("rows").GetArrayLength()));
        Assert.True(all[1].Json.GetProperty("lost").GetBoolean());
        Assert.Equal((2L, 2L), (all[1].Json.GetProperty("batch").GetProperty("fromSeq").GetInt64(), all[1].Json.GetProperty("batch").GetProperty("toSeq").GetInt64()));
    }

    /// <summary>maxBatch counts rows however many ingests they came in: 210 one-row ingests made while the sink was
    /// paused are one batch of 210 on resume (a batch once read at most 200 live events).</summary>
    [Fact]
    public async Task ManyOneRowIngests_FillABatchOfMaxBatchRows()
    {
        using var receiver = new SinkReceiver(Secret);
        var s = await SinkAsync(receiver, new { maxBatch = 210, batchMs = 60_000 });
        await using (var cmd = api.Db.CreateCommand("UPDATE sinks SET paused_at = now(), paused_reason = 'held by the test' WHERE id = $1"))
        {
            cmd.Parameters.Add(new() { Value = Guid.Parse(s.SinkId) });
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(0, 210).Select(async i =>
        {
            await gate.WaitAsync();
            try { await IngestAsync(s.Client, "metrics", Points(i, 1)); } finally { gate.Release(); }
        }));
        Assert.Empty(receiver.All);
        await s.Client.PostAsync($"/api/v1/sources/metrics/sinks/{s.SinkId}/resume", null);
        var all = await receiver.WaitAsync(r => r.Accepted().Count >= 1, Wait);
        Assert.Equal(210, all[0].Json.GetProperty("rows").GetArrayLength());
        Assert.Equal((1L, 210L), (all[0].Json.GetProperty("batch").GetProperty("fromSeq").GetInt64(), all[0].Json.GetProperty("batch").GetProperty("toSeq").GetInt64()));
        Assert.Equal(await StoredPointsAsync(s.Owner), all[0].Json.GetProperty("rows").EnumerateArray().Select(Key).Order(StringComparer.Ordinal).ToList());
    }
}
