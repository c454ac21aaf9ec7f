using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.History;

/// <summary>One owner's submissions take turns on a node before they take a connection (OwnerTurns), so a burst waits
/// in memory instead of in the pool.</summary>
[Collection(ApiCollection.Name)]
public sealed class OwnerTurnsTests(ApiFixture api)
{
    [Fact]
    public async Task OneOwnerHoldsOneTurnAtATime_OtherOwnersDoNotWait_AndNothingIsLeftBehind()
    {
        var turns = new OwnerTurns();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var held = 0;
        var most = 0;
        async Task Use(Guid owner)
        {
            using var _ = await turns.WaitAsync(owner, CancellationToken.None);
            if (owner == a)
            {
                var now = Interlocked.Increment(ref held);
                InterlockedMax(ref most, now);
                await Task.Delay(2);
                Interlocked.Decrement(ref held);
            }
        }
        // Another owner's turn is free while a's is taken.
        using (await turns.WaitAsync(a, CancellationToken.None))
        {
            var other = turns.WaitAsync(b, CancellationToken.None);
            Assert.True(other.IsCompletedSuccessfully);
            (await other).Dispose();
            var second = turns.WaitAsync(a, CancellationToken.None);
            await Task.Delay(50);
            Assert.False(second.IsCompleted);
            // A waiter that gives up leaves without taking the turn or leaking it.
            using var cts = new CancellationTokenSource(20);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => turns.WaitAsync(a, cts.Token));
            _ = second.ContinueWith(t => t.Result.Dispose(), TaskScheduler.Default);
        }
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => Use(i % 2 == 0 ? a : Guid.NewGuid()))));
        Assert.Equal(1, most);
        for (var i = 0; i < 50 && turns.Count > 0; i++) await Task.Delay(10);
        Assert.Equal(0, turns.Count);
    }

    static void InterlockedMax(ref int target, int value)
    {
        for (int seen = target; value > seen; seen = target)
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    /// <summary>A burst of one owner's submissions: every one answered (202, or 429 past the running quota), and while
    /// it runs no connection waits for the owner's advisory lock (only the owner's turn on this node reaches it). Before
    /// the turns, each submission past the planning step held a pooled connection while it waited for that lock.</summary>
    [Fact]
    public async Task ABurstOfOneOwnersSubmissions_NeverHasAConnectionWaitingForTheOwnersLock()
    {
        var c = api.Demo();
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(30));
        object Small() => new { kind = "series", series = new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw", format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") } } };
        using var done = new CancellationTokenSource();
        var waiting = 0L;
        var samples = 0;
        var watch = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                waiting = Math.Max(waiting, await api.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = current_database()"));
                samples++;
            }
        });
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            var r = await c.PostJsonAsync("/api/v1/exports", Small());
            var body = await r.Content.ReadAsStringAsync();
            if ((int)r.StatusCode == 202) Assert.Contains("\"status\":\"pending\"", body);
            else Assert.True((int)r.StatusCode == 429 && r.Headers.RetryAfter is not null, $"{(int)r.StatusCode}: {body}");
            return ((int)r.StatusCode, (int)r.StatusCode == 202 ? System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString() : null);
        }));
        var statuses = answers.Select(x => x.Item1).ToList();
        done.Cancel();
        await watch;
        Assert.All(statuses, s => Assert.Contains(s, new[] { 202, 429 }));
        Assert.Contains(202, statuses);
        Assert.True(samples > 3, $"only {samples} samples of pg_stat_activity were taken during the burst");
        Assert.Equal(0L, waiting);
        // Every job it queued finishes before the next test of the collection (quotas count running jobs).
        foreach (var id in answers.Select(x => x.Item2).OfType<string>())
            Assert.Equal("completed", (await WaitAsync(c, id, j => Exports.Jobs.JobStatus.IsFinal(j.Status()), TimeSpan.FromSeconds(60))).Status());
    }
}
