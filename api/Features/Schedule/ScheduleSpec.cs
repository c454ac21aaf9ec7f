using System.Globalization;
using Exports.Shared;
using Quartz;

namespace Exports.Features.Schedule;

public sealed record FrequencySpec
{
    /// <summary>hourly, daily, weekly or monthly.</summary>
    public string? Every { get; init; }
    /// <summary>hourly: the minute past the hour (0-59).</summary>
    public int? Minute { get; init; }
    /// <summary>daily, weekly, monthly: local time HH:mm.</summary>
    public string? Time { get; init; }
    /// <summary>weekly: MON … SUN.</summary>
    public List<string>? Days { get; init; }
    /// <summary>monthly: 1-31 or "last".</summary>
    public string? DayOfMonth { get; init; }
}

/// <summary>Turns a schedule into a Quartz cron in its time zone (pure: unit-tested across DST changes) and answers
/// when it fires next and whether a time is inside its window.</summary>
public static class ScheduleSpec
{
    static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    public static (string? Cron, TimeZoneInfo? Zone) Translate(ScheduleBody b, Errors errors)
    {
        TimeZoneInfo? zone = null;
        var tz = string.IsNullOrWhiteSpace(b.Timezone) ? "UTC" : b.Timezone.Trim();
        if (!Exports.Series.TimeZones.TryIana(tz, out zone)) errors.Add("timezone", $"Unknown time zone '{tz}': use an IANA name such as Europe/Berlin.");
        if (b.Window is { } w && ParseWindow(w) is null) errors.Add("window", "window is HH:mm-HH:mm, for example 08:00-18:00.");
        if (b.StartAt is { } s && b.EndAt is { } e && e <= s) errors.Add("endAt", "endAt must be after startAt.");
        b.Retry?.Validate(errors, "retry");
        string? cron = null;
        if (b.Cron is not null && b.Frequency is not null) errors.Add("cron", "Give either cron or frequency, not both.");
        else if (b.Cron is { } c) cron = FromCron(c.Trim(), errors);
        else if (b.Frequency is { } f) cron = FromFrequency(f, errors);
        else errors.Add("frequency", "A schedule needs a frequency (hourly, daily, weekly, monthly) or a cron expression.");
        return (errors.Any ? null : cron, zone);
    }

    static string? FromCron(string c, Errors errors)
    {
        var fields = c.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            if (fields == 5) return CronExpression.Parse(c, CronFormat.Unix).CronExpressionString;
            if (fields is 6 or 7) return new CronExpression(c).CronExpressionString;
            errors.Add("cron", "cron has 5 fields (minute hour day-of-month month day-of-week) or Quartz's 6 or 7 (with seconds, and a year).");
        }
        catch (FormatException e) { errors.Add("cron", $"Not a valid cron expression: {e.Message}"); }
        catch (ArgumentException e) { errors.Add("cron", $"Not a valid cron expression: {e.Message}"); }
        return null;
    }

    static string? FromFrequency(FrequencySpec f, Errors errors)
    {
        (int H, int M)? time = null;
        if (f.Every is "daily" or "weekly" or "monthly")
        {
            time = f.Time is { } t && TimeOnly.TryParseExact(t, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var tt) ? (tt.Hour, tt.Minute) : null;
            if (time is null) { errors.Add("frequency.time", "time is the local time HH:mm, for example 09:00."); return null; }
        }
        switch (f.Every)
        {
            case "hourly":
                if (f.Minute is < 0 or > 59) { errors.Add("frequency.minute", "minute is from 0 to 59."); return null; }
                return $"0 {f.Minute ?? 0} * * * ?";
            case "daily":
                return $"0 {time!.Value.M} {time.Value.H} * * ?";
            case "weekly":
                var days = (f.Days ?? []).Select(d => d.Trim().ToUpperInvariant()[..Math.Min(3, d.Trim().Length)]).Distinct().ToList();
                if (days.Count == 0 || days.Any(d => !DayNames.Contains(d))) { errors.Add("frequency.days", "days are MON, TUE, WED, THU, FRI, SAT or SUN."); return null; }
                return $"0 {time!.Value.M} {time.Value.H} ? * {string.Join(',', days.OrderBy(d => Array.IndexOf(DayNames, d)))}";
            case "monthly":
                var dom = f.DayOfMonth?.Trim().ToLowerInvariant();
                if (dom == "last") return $"0 {time!.Value.M} {time.Value.H} L * ?";
                if (!int.TryParse(dom, out var d) || d is < 1 or > 31) { errors.Add("frequency.dayOfMonth", "dayOfMonth is 1 to 31, or last."); return null; }
                return $"0 {time!.Value.M} {time.Value.H} {d} * ?";
            default:
                errors.Add("frequency.every", "every is hourly, daily, weekly or monthly.");
                return null;
        }
    }

    public static (TimeOnly Open, TimeOnly Close)? ParseWindow(string w)
    {
        var parts = w.Split('-', 2);
        return parts.Length == 2
            && TimeOnly.TryParseExact(parts[0].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var a)
            && TimeOnly.TryParseExact(parts[1].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var b) && a != b
            ? (a, b) : null;
    }

    /// <summary>The earliest startAt a schedule may name, and how far ahead startAt and endAt may reach.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan StartHorizon = TimeSpan.FromDays(3653), EndHorizon = TimeSpan.FromDays(36525);
    /// <summary>How many upcoming fire times the minimum-interval check compares (cron like 0,1 * * * * ? is irregular).</summary>
    public const int IntervalSample = 20;

    /// <summary>What a translated schedule means in time: startAt and endAt in a sane range, at least one fire time
    /// (before endAt), and no two of the next <see cref="IntervalSample"/> fire times closer than
    /// <paramref name="minInterval"/>. Errors name cron or frequency (whichever the body used), startAt or endAt.</summary>
    public static void CheckTimes(ScheduleBody b, string cron, TimeZoneInfo zone, DateTimeOffset now, TimeSpan minInterval, Errors errors)
    {
        if (b.StartAt is { } s && (s < Earliest || s > now + StartHorizon))
            errors.Add("startAt", $"startAt is from {Earliest:yyyy-MM-dd} to {now + StartHorizon:yyyy-MM-dd} (ten years ahead); leave it out to start now.");
        if (b.EndAt is { } e && e <= now)
            errors.Add("endAt", "endAt is in the past, so the schedule would never run: move it later or leave it out.");
        else if (b.EndAt is { } far && far > now + EndHorizon)
            errors.Add("endAt", $"endAt is at most {now + EndHorizon:yyyy-MM-dd} (a hundred years ahead); leave it out to run without an end.");
        if (errors.Any) return;
        var field = b.Cron is not null ? "cron" : "frequency";
        var upcoming = Next(cron, zone, now, IntervalSample, b.StartAt);
        if (upcoming.Count == 0)
        {
            errors.Add(field, $"This {field} never fires after {(b.StartAt is { } st && st > now ? st : now):yyyy-MM-dd HH:mm:ss zzz} (a past year, or a day that does not exist such as 31 February).");
            return;
        }
        if (b.EndAt is { } end && upcoming[0] > end)
            errors.Add("endAt", $"The schedule would first fire at {upcoming[0]:yyyy-MM-dd HH:mm:ss zzz}, after endAt: it would never run.");
        for (var i = 1; i < upcoming.Count; i++)
        {
            var gap = upcoming[i] - upcoming[i - 1];
            if (gap >= minInterval) continue;
            errors.Add(field, $"This {field} fires {gap.TotalSeconds:0.###} s apart ({upcoming[i - 1]:yyyy-MM-dd HH:mm:ss} and {upcoming[i]:HH:mm:ss}); "
                + $"a schedule may fire at most once every {minInterval.TotalSeconds:0} s (EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS). Use a coarser cron or frequency.");
            return;
        }
    }

    /// <summary>The next <paramref name="count"/> fire times after <paramref name="after"/>, within start and end.</summary>
    public static List<DateTimeOffset> Next(string cron, TimeZoneInfo zone, DateTimeOffset after, int count, DateTimeOffset? start = null, DateTimeOffset? end = null)
    {
        var expr = new CronExpression(cron, zone);
        var list = new List<DateTimeOffset>();
        var t = start is { } s && s > after ? s.AddSeconds(-1) : after;
        while (list.Count < count && expr.GetNextValidTimeAfter(t) is { } next)
        {
            if (end is { } e && next > e) break;
            list.Add(TimeZoneInfo.ConvertTime(next, zone));
            t = next;
        }
        return list;
    }

    /// <summary>Null when <paramref name="at"/> is inside the window (or there is none); otherwise when it next opens.
    /// A window may cross midnight (22:00-06:00).</summary>
    public static DateTimeOffset? WaitForWindow(string? window, TimeZoneInfo zone, DateTimeOffset at)
    {
        if (window is null || ParseWindow(window) is not { } w) return null;
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var now = TimeOnly.FromDateTime(local.DateTime);
        var inside = w.Open < w.Close ? now >= w.Open && now < w.Close : now >= w.Open || now < w.Close;
        if (inside) return null;
        var day = DateOnly.FromDateTime(local.DateTime);
        var openToday = day.ToDateTime(w.Open);
        var opens = now < w.Open ? openToday : openToday.AddDays(1);
        // The wall-clock opening in the zone (a skipped local time moves to the first valid instant after it).
        while (zone.IsInvalidTime(opens)) opens = opens.AddMinutes(1);
        return new DateTimeOffset(opens, zone.GetUtcOffset(opens));
    }
}
