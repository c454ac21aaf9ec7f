using Exports.Layouts;

namespace Exports.Tests.Features.Monitors;

/// <summary>The evaluation rule on hand-made series, where the expected run is read off the data by eye.</summary>
public sealed class MonitorRuleTests
{
    static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly DateTimeOffset Now = new(T0.AddHours(1));

    static MonitorEvaluation.Series S(string name, params (int Minute, double Value)[] points) =>
        new(name, points.Select(p => T0.AddMinutes(p.Minute)).ToArray(), points.Select(p => p.Value).ToArray());

    [Fact]
    public void SeriesSwappingAtOneInstant_DoNotBreakTheRun()
    {
        // x alerts from minute 10 to 20; y takes over at minute 20 exactly: the monitor alerts without a break since 10.
        var s = MonitorEvaluation.Evaluate([S("x", (0, 1), (10, 9), (20, 1)), S("y", (0, 1), (20, 9), (30, 8))], "above", 5, Now.AddHours(-24), Now);
        Assert.Equal("alerting", s.State);
        Assert.Equal(new DateTimeOffset(T0.AddMinutes(10)), s.Since);
        Assert.False(s.SinceAtLeast);
        Assert.Equal(("y", 8.0), (s.Series, s.Value!.Value));
    }

    [Fact]
    public void Below_PicksTheLowestLatest_NullPointsAreSkipped_AndAnEmptyWindowIsNoData()
    {
        var s = MonitorEvaluation.Evaluate([S("x", (0, 3), (5, double.NaN)), S("y", (0, 7), (5, 2))], "below", 2.5, Now.AddHours(-24), Now);
        Assert.Equal(("alerting", "y", 2.0), (s.State, s.Series, s.Value!.Value));
        Assert.Equal(new DateTimeOffset(T0.AddMinutes(5)), s.Since);

        var ok = MonitorEvaluation.Evaluate([S("x", (0, 3), (5, 4))], "below", 2.5, Now.AddHours(-24), Now);
        Assert.Equal(("ok", true), (ok.State, ok.SinceAtLeast));
        Assert.Equal(new DateTimeOffset(T0), ok.Since);

        var none = MonitorEvaluation.Evaluate([S("x", (0, double.NaN))], "above", 1, Now.AddHours(-24), Now);
        Assert.Equal("no-data", none.State);
        Assert.Null(none.Value);
    }
}
