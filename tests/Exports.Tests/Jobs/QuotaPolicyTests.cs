using Exports.Jobs;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Jobs;

/// <summary>The owner quotas as a pure policy over the usage the submit handler reads.</summary>
public sealed class QuotaPolicyTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    static readonly QuotaPolicy Policy = new(PerHour: 10, Concurrent: 2, StoredBytes: 1000);

    [Fact]
    public void UnderEveryLimit_NoRefusal() =>
        Assert.Null(Policy.Check(new QuotaUsage(Running: 1, LastHour: 9, OldestInHour: Now.AddMinutes(-50), StoredBytes: 999), Now));

    [Fact]
    public void Hourly_Is429_RetryAfterAnHourAfterTheOldest_AndComesFirst()
    {
        var r = Policy.Check(new QuotaUsage(5, 10, Now.AddMinutes(-40), 5000), Now)!;
        Assert.Equal((429, "Too many exports this hour", TimeSpan.FromMinutes(20)), (r.Status, r.Title, r.RetryAfter!.Value));
        Assert.Contains("The next one can start in 20 min", r.Detail);
        // The oldest just leaving the window: at least a second.
        Assert.Equal(TimeSpan.FromSeconds(1), Policy.Hourly(10, Now.AddHours(-1).AddMilliseconds(1), Now)!.RetryAfter);
        Assert.Equal(TimeSpan.FromHours(1), Policy.Hourly(10, null, Now)!.RetryAfter);
    }

    [Fact]
    public void Running_Is429_AfterTenSeconds_ThenStorage409()
    {
        using var culture = CultureScope.Invariant(); // the bytes are formatted with N0
        var running = Policy.Check(new QuotaUsage(2, 0, null, 5000), Now)!;
        Assert.Equal((429, "Too many exports running", TimeSpan.FromSeconds(10)), (running.Status, running.Title, running.RetryAfter!.Value));
        Assert.Contains("(the limit is 2)", running.Detail);
        var stored = Policy.Check(new QuotaUsage(1, 0, null, 1000), Now)!;
        Assert.Equal((409, "Storage quota reached", (TimeSpan?)null), (stored.Status, stored.Title, stored.RetryAfter));
        Assert.Contains("1,000 bytes of your 1,000", stored.Detail);
    }
}
