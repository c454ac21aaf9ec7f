using Exports.Host;
using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.History;

/// <summary>How a worker takes exports from the shared queue: a freed slot wakes its listener in process, and handled
/// messages' inbox rows (which every poll of the queue scans) are kept only as long as a duplicate can arrive.</summary>
[Collection(ApiCollection.Name)]
public sealed class WorkerQueueTests(ApiFixture api)
{
    [Fact]
    public void AFreedSlotWakesTheListenerInProcess_ItsReceiveLoopIsReachable()
    {
        var runtime = api.Host.Services.GetRequiredService<IWolverineRuntime>();
        var agent = runtime.Endpoints.FindListeningAgent(RunExport.Queue);
        Assert.NotNull(agent);
        Assert.NotNull(WorkerSlots.ReceiveLoop(agent!));
    }

    /// <summary>Wolverine keeps a handled message's inbox row 5 minutes by default, and every poll of the queue scans
    /// them: at a few thousand jobs a minute each poll read tens of thousands of rows. Kept a minute here (six times
    /// EXPORTS_NODE_STALE_MS when that is longer): past the time a dead node's unsent message takes to be resent.</summary>
    [Fact]
    public async Task HandledMessagesInboxRows_AreKeptForTheDuplicateWindowOnly()
    {
        var c = api.Demo();
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(30));
        var job = await SubmitAndCompleteAsync(api.Host, c, new { kind = "series", series = new { source = "servers", metrics = new[] { "cpu_percent" },
            granularity = "raw", format = "csv", timeframe = new { from = from.ToString("O"), to = to.ToString("O") } } });
        Assert.Equal("completed", job.Status());
        var settings = api.Host.Services.GetRequiredService<ExportsSettings>();
        var schema = Messaging.SchemaFor(settings.Jobs.SchedulerName);
        var keep = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, 6 * settings.Jobs.NodeStale.Ticks));
        var seconds = await api.ScalarAsync<double>(
            $"SELECT extract(epoch FROM max(keep_until) - now())::float8 FROM {schema}.wolverine_incoming_envelopes WHERE status = 'Handled'");
        Assert.InRange(seconds, keep.TotalSeconds - 30, keep.TotalSeconds + 1);
    }
}
