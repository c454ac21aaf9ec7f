using Exports.Data;
using Exports.Features.Schedule;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Schedule;

/// <summary>schedule_runs on plain Npgsql commands: a tick's row is written once (a repeat of the tick is null and
/// writes nothing), refused ticks fold into the latest refused tick, "run now" always gets its own row, and what is
/// read back is what was written (triggers and statuses by their stored names).</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleRunStoreTests(ApiFixture api)
{
    static readonly DateTimeOffset T0 = new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero);

    sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public void Advance(TimeSpan by) => now += by;
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task RefusedTicks_FoldIntoTheLatestRefusedTick_ARepeatOfATickWritesNothing_AndRunNowGetsItsOwnRow()
    {
        var s = new ExportSchedule { Id = Guid.CreateVersion7(), OwnerId = Guid.CreateVersion7() };
        var clock = new Clock(T0.AddSeconds(1));
        Task<long> Rows() => api.ScalarAsync<long>("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", s.Id);
        try
        {
            var first = await ScheduleRunStore.RefusedAsync(api.Db, s, ScheduleTrigger.Cron, T0, "quota", clock, CancellationToken.None);
            Assert.NotNull(first);
            var stored = await ScheduleRunStore.FindAsync(api.Db, first.Id, CancellationToken.None);
            Assert.Equal((s.Id, s.OwnerId, (Guid?)null, ScheduleTrigger.Cron, T0, T0.AddSeconds(1), ScheduleRunStatus.Refused, "quota", 0, (DateTimeOffset?)null),
                (stored!.ScheduleId, stored.OwnerId, stored.ExportId, stored.Trigger, stored.ScheduledFor, stored.StartedAt, stored.Status, stored.Error, stored.Repeats, stored.LastScheduledFor));
            Assert.Equal(("cron", "refused"), (await api.RowsAsync("SELECT trigger, status FROM schedule_runs WHERE id = $1", first.Id)).Select(r => ((string)r[0]!, (string)r[1]!)).Single());

            // The same tick fired again (another node, a misfire): nothing is written, and the caller is told.
            Assert.Null(await ScheduleRunStore.RefusedAsync(api.Db, s, ScheduleTrigger.Cron, T0, "quota", clock, CancellationToken.None));
            Assert.Equal(1L, await Rows());

            // The next refused tick folds into the first: one row, counted.
            clock.Advance(TimeSpan.FromHours(1));
            var folded = await ScheduleRunStore.RefusedAsync(api.Db, s, ScheduleTrigger.Cron, T0.AddHours(1), "still quota", clock, CancellationToken.None);
            Assert.Equal((first.Id, 1, T0.AddHours(1), "still quota", T0), (folded!.Id, folded.Repeats, folded.LastScheduledFor!.Value, folded.Error, folded.ScheduledFor));
            Assert.Equal(1L, await Rows());

            // "Run now" refused: its own row, and a later tick does not fold into it.
            clock.Advance(TimeSpan.FromMinutes(1));
            var manual = await ScheduleRunStore.RefusedAsync(api.Db, s, ScheduleTrigger.Manual, clock.GetUtcNow(), "quota", clock, CancellationToken.None);
            Assert.Equal((ScheduleTrigger.Manual, 0), (manual!.Trigger, manual.Repeats));
            clock.Advance(TimeSpan.FromHours(1));
            var after = await ScheduleRunStore.RefusedAsync(api.Db, s, ScheduleTrigger.Window, T0.AddHours(2), "quota", clock, CancellationToken.None);
            Assert.NotEqual(first.Id, after!.Id);
            Assert.Equal((ScheduleTrigger.Window, 0), (after.Trigger, after.Repeats));
            Assert.Equal(3L, await Rows());

            // Newest first; the first run kept its count.
            var latest = await ScheduleRunStore.LatestAsync(api.Db, s.OwnerId, s.Id, 10, CancellationToken.None);
            Assert.Equal([after.Id, manual.Id, first.Id], latest.Select(r => r.Id));
            Assert.Equal([0, 0, 1], latest.Select(r => r.Repeats));
            Assert.Empty(await ScheduleRunStore.LatestAsync(api.Db, Guid.CreateVersion7(), s.Id, 10, CancellationToken.None));
        }
        finally { await api.ScalarAsync<long>("WITH d AS (DELETE FROM schedule_runs WHERE schedule_id = $1 RETURNING 1) SELECT count(*) FROM d", s.Id); }
    }

    [Fact]
    public async Task AWaitingTick_IsWrittenOnce()
    {
        var s = new ExportSchedule { Id = Guid.CreateVersion7(), OwnerId = Guid.CreateVersion7() };
        try
        {
            await ScheduleRunStore.WaitingAsync(api.Db, s, T0, T0.AddSeconds(2), "Outside the window.", CancellationToken.None);
            await ScheduleRunStore.WaitingAsync(api.Db, s, T0, T0.AddSeconds(3), "Outside the window again.", CancellationToken.None);
            var run = Assert.Single(await ScheduleRunStore.LatestAsync(api.Db, s.OwnerId, s.Id, 10, CancellationToken.None));
            Assert.Equal((ScheduleTrigger.Cron, ScheduleRunStatus.Waiting, T0, T0.AddSeconds(2), "Outside the window."),
                (run.Trigger, run.Status, run.ScheduledFor, run.StartedAt, run.Error));
            Assert.Equal(("cron", "waiting"), (await api.RowsAsync("SELECT trigger, status FROM schedule_runs WHERE id = $1", run.Id)).Select(r => ((string)r[0]!, (string)r[1]!)).Single());
        }
        finally { await api.ScalarAsync<long>("WITH d AS (DELETE FROM schedule_runs WHERE schedule_id = $1 RETURNING 1) SELECT count(*) FROM d", s.Id); }
    }
}
