using Exports.Features.Schedule;
using Exports.Shared;

namespace Exports.Tests.Features.Schedule;

/// <summary>Cron translation and fire times across daylight-saving changes, driven by explicit instants (the fake
/// clock is the "after" each computation starts from).</summary>
public sealed class ScheduleSpecTests
{
    static string Cron(ScheduleBody b)
    {
        var e = new Errors();
        var (cron, _) = ScheduleSpec.Translate(b, e);
        Assert.False(e.Any, string.Join("; ", e.ToDictionary().Select(kv => $"{kv.Key}: {string.Join(",", kv.Value)}")));
        return cron!;
    }

    [Theory]
    [InlineData("hourly", 15, null, null, null, "0 15 * * * ?")]
    [InlineData("daily", null, "09:00", null, null, "0 0 9 * * ?")]
    [InlineData("weekly", null, "07:30", "wed,MON", null, "0 30 7 ? * MON,WED")]
    [InlineData("monthly", null, "06:00", null, "last", "0 0 6 L * ?")]
    [InlineData("monthly", null, "06:00", null, "15", "0 0 6 15 * ?")]
    public void Frequencies_TranslateToQuartzCron(string every, int? minute, string? time, string? days, string? dom, string expected) =>
        Assert.Equal(expected, Cron(new ScheduleBody { Frequency = new FrequencySpec { Every = every, Minute = minute, Time = time, Days = days?.Split(',').ToList(), DayOfMonth = dom } }));

    [Fact]
    public void StandardFiveFieldCron_IsTranslated_SundayIsZeroThere_AndQuartzCronIsKept()
    {
        // crontab: 09:30 on Sunday (0) and Monday (1); Quartz numbers days 1-7 from Sunday.
        var translated = Cron(new ScheduleBody { Cron = "30 9 * * 0,1" });
        var next = ScheduleSpec.Next(translated, TimeZoneInfo.Utc, new DateTimeOffset(2026, 11, 18, 0, 0, 0, TimeSpan.Zero), 2); // a Wednesday
        Assert.Equal([new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero)], next);
        Assert.Equal("0 */5 * * * ?", Cron(new ScheduleBody { Cron = "0 */5 * * * ?" }));
        foreach (var bad in new[] { "61 * * * *", "* * *", "0 0 25 * * ?" })
        {
            var e = new Errors();
            ScheduleSpec.Translate(new ScheduleBody { Cron = bad }, e);
            Assert.True(e.ToDictionary().ContainsKey("cron"), bad);
        }
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-03-27", 4)]      // spring forward on 29 March
    [InlineData("Europe/Berlin", "2026-10-23", 4)]      // fall back on 25 October
    [InlineData("America/New_York", "2026-03-06", 4)]   // 8 March
    [InlineData("America/New_York", "2026-10-30", 4)]   // 1 November
    [InlineData("Australia/Lord_Howe", "2026-04-03", 4)] // the 30-minute shift back on 5 April
    [InlineData("Australia/Lord_Howe", "2026-10-02", 4)] // and forward on 4 October
    public void DailyAtNine_FiresOncePerDay_AtNineLocal_ThroughDaylightSavingChanges(string tz, string fromDay, int days)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var start = DateOnly.Parse(fromDay);
        var after = new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(start.ToDateTime(TimeOnly.MinValue)));
        var fires = ScheduleSpec.Next(Cron(new ScheduleBody { Frequency = new FrequencySpec { Every = "daily", Time = "09:00" }, Timezone = tz }), zone, after, days);
        Assert.Equal(Enumerable.Range(0, days).Select(i => start.AddDays(i)), fires.Select(f => DateOnly.FromDateTime(f.DateTime)));
        Assert.All(fires, f => Assert.Equal(new TimeOnly(9, 0), TimeOnly.FromDateTime(f.DateTime)));
        Assert.Equal(fires.Count, fires.Select(f => f.UtcDateTime).Distinct().Count());
        // The UTC offset changes across the transition, and so does the UTC time of the run.
        Assert.True(fires.Select(f => f.Offset).Distinct().Count() == 2, string.Join(", ", fires));
    }

    [Theory]
    [InlineData("Europe/Berlin", "02:30", "2026-03-28", "2026-10-24")]
    [InlineData("America/New_York", "01:30", "2026-03-07", "2026-10-31")]
    [InlineData("Australia/Lord_Howe", "01:45", "2026-04-04", "2026-10-03")]
    public void RunInsideTheChangingHour_IsNeitherSkippedNorDoubled(string tz, string time, string springWeek, string autumnWeek)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var cron = Cron(new ScheduleBody { Frequency = new FrequencySpec { Every = "daily", Time = time }, Timezone = tz });
        foreach (var from in new[] { springWeek, autumnWeek })
        {
            var d = DateOnly.Parse(from);
            var after = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(d.ToDateTime(TimeOnly.MinValue)));
            var fires = ScheduleSpec.Next(cron, zone, after, 3);
            // One run on each of three consecutive days, the transition day included: not skipped, not twice.
            Assert.Equal([d, d.AddDays(1), d.AddDays(2)], fires.Select(f => DateOnly.FromDateTime(f.DateTime)));
        }
    }

    [Fact]
    public void Window_WaitsUntilItOpens_EvenAcrossMidnight()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var at = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.FromHours(1)), ScheduleSpec.WaitForWindow("08:00-18:00", berlin, at));
        Assert.Null(ScheduleSpec.WaitForWindow("08:00-18:00", berlin, at.AddHours(3)));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.FromHours(1)), ScheduleSpec.WaitForWindow("08:00-18:00", berlin, at.AddHours(13)));
        Assert.Null(ScheduleSpec.WaitForWindow("22:00-06:00", berlin, at.AddHours(-2)));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 22, 0, 0, TimeSpan.FromHours(1)), ScheduleSpec.WaitForWindow("22:00-06:00", berlin, at.AddHours(1)));
        // A window opening at 02:30 on the night clocks skip it opens at the first valid minute.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)),
            ScheduleSpec.WaitForWindow("02:30-04:00", berlin, new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void StartAndEndDates_BoundTheFireTimes()
    {
        var utc = TimeZoneInfo.Utc;
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var end = new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero);
        var fires = ScheduleSpec.Next("0 0 9 * * ?", utc, now, 10, start, end);
        Assert.Equal([start.AddHours(9), start.AddDays(1).AddHours(9), start.AddDays(2).AddHours(9)], fires);
        Assert.Empty(ScheduleSpec.Next("0 0 9 * * ?", utc, end, 5, start, end));
    }

    static Dictionary<string, string[]> Times(ScheduleBody b, TimeSpan minInterval)
    {
        var e = new Errors();
        var (cron, zone) = ScheduleSpec.Translate(b, e);
        Assert.False(e.Any);
        ScheduleSpec.CheckTimes(b, cron!, zone!, new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), minInterval, e);
        return e.ToDictionary();
    }

    [Theory]
    [InlineData("* * * * * ?")]
    [InlineData("0,1 * * * * ?")]            // 1 s, then 59 s
    [InlineData("0 0,1 9 * * ?")]            // 09:00 and 09:01 once a day: 60 s apart is allowed, checked below
    [InlineData("0 0 9 1 1 ? 2020")]         // never fires again
    [InlineData("0 0 0 31 2 ? *")]           // 31 February
    public void Crons_AreCheckedForFireTimesAndTheMinimumInterval(string cron)
    {
        var errors = Times(new ScheduleBody { Cron = cron }, TimeSpan.FromSeconds(60));
        if (cron == "0 0,1 9 * * ?") Assert.Empty(errors);
        else Assert.Contains("cron", errors.Keys);
        if (cron == "0 0,1 9 * * ?") Assert.Contains("cron", Times(new ScheduleBody { Cron = cron }, TimeSpan.FromSeconds(61)).Keys);
    }

    [Fact]
    public void AFrequencyUnderTheMinimumInterval_NamesFrequency()
    {
        var errors = Times(new ScheduleBody { Frequency = new FrequencySpec { Every = "hourly" } }, TimeSpan.FromHours(2));
        Assert.Contains("7200 s (EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS)", Assert.Single(errors["frequency"]));
        Assert.Empty(Times(new ScheduleBody { Frequency = new FrequencySpec { Every = "hourly" } }, TimeSpan.FromSeconds(60)));
    }
}
