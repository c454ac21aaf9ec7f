using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Jobs;
using Microsoft.Extensions.Hosting;
using Wolverine.Tracking;

namespace Exports.Tests.Infrastructure;

/// <summary>Shared steps for job tests: submit, wait for the run on the in-process host with a Wolverine tracked session,
/// poll a job until a condition holds where no message ends the wait (with a deadline, no sleeps beyond the poll
/// interval), and a small text-only layout that needs no source.</summary>
public static class JobTestKit
{
    public static object TextLayout(string title = "Notes") => new
    {
        kind = "layout", format = "png",
        layout = new { title, viewportWidth = 600, widgets = new object[] { new { id = "t", type = "text", text = "**Hello**", x = 0, y = 0, w = 12, h = 2 } } },
    };

    public static async Task<JsonElement> SubmitAsync(HttpClient c, object envelope, string? idempotencyKey = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = JsonContent.Create(envelope) };
        if (idempotencyKey is not null) req.Headers.Add("Idempotency-Key", idempotencyKey);
        var r = await c.SendAsync(req);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == System.Net.HttpStatusCode.Accepted, $"Expected 202, got {(int)r.StatusCode}: {body}");
        var job = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal($"/api/v1/exports/{job.GetProperty("id").GetString()}", r.Headers.Location?.ToString());
        return job;
    }

    public static async Task<JsonElement> GetAsync(HttpClient c, string id) =>
        await (await c.GetAsync($"/api/v1/exports/{id}")).JsonAsync();

    public static async Task<JsonElement> WaitAsync(HttpClient c, string id, Func<JsonElement, bool> until, TimeSpan? timeout = null, int pollMs = 100)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var job = await GetAsync(c, id);
            if (until(job)) return job;
            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(90)))
                throw new TimeoutException($"Job {id} did not reach the expected state: {job}");
            await Task.Delay(pollMs);
        }
    }

    /// <summary>Runs <paramref name="action"/> (HTTP calls or messages to the host) inside a Wolverine tracked session over
    /// the host, including the PostgreSQL queues, and returns once every message it caused has been handled: a
    /// <see cref="RunExport"/> on the <c>exports</c> queue and what it cascades (a <c>DeliverExport</c> on the
    /// <c>deliveries</c> queue). The recurring housekeeping messages are left out: they are not the test's and may fire
    /// at any minute. Fails on a timeout, or when a handler in the session threw.</summary>
    public static Task<ITrackedSession> TrackedAsync(IHost host, Func<Task> action, TimeSpan? timeout = null) =>
        host.TrackActivity()
            .IncludeExternalTransports()
            .IgnoreMessageType<RecoverStaleExports>()
            .IgnoreMessageType<SweepRetention>()
            .Timeout(timeout ?? TimeSpan.FromSeconds(90))
            .ExecuteAndWaitAsync(async Task (Wolverine.IMessageContext _) => await action());

    /// <summary>Runs <paramref name="submit"/> (an HTTP call that queues an export and returns its id) in a tracked session
    /// (<see cref="TrackedAsync"/>), asserts that the export's own run was sent and handled in it, and returns the job
    /// as the API shows it then.</summary>
    public static async Task<(JsonElement Job, ITrackedSession Session)> RunTrackedAsync(IHost host, HttpClient c, Func<Task<string>> submit, TimeSpan? timeout = null)
    {
        string? id = null;
        var session = await TrackedAsync(host, async () => id = await submit(), timeout);
        var export = Guid.Parse(id!);
        Assert.Contains(session.Sent.MessagesOf<RunExport>(), m => m.ExportId == export);
        Assert.Contains(session.MessageSucceeded.MessagesOf<RunExport>(), m => m.ExportId == export);
        return (await GetAsync(c, id!), session);
    }

    /// <summary>Submits <paramref name="envelope"/> and waits, in a tracked session (<see cref="RunTrackedAsync"/>), for its
    /// run to be handled; the job must then be completed.</summary>
    public static async Task<JsonElement> SubmitAndCompleteAsync(IHost host, HttpClient c, object envelope, string? idempotencyKey = null)
    {
        var (job, _) = await RunTrackedAsync(host, c, async () => (await SubmitAsync(c, envelope, idempotencyKey)).GetProperty("id").GetString()!);
        return AssertCompleted(job);
    }

    /// <summary>The job, which must be completed (a failed, cancelled or expired one fails the test with its record).</summary>
    public static JsonElement AssertCompleted(JsonElement job)
    {
        var s = job.GetProperty("status").GetString();
        if (s is "failed" or "cancelled" or "expired") throw new InvalidOperationException($"Job ended {s}: {job}");
        Assert.True(s == "completed", $"The export's message was handled but the job is {s}: {job}");
        return job;
    }

    public static Task<JsonElement> CompletedAsync(HttpClient c, string id) => WaitAsync(c, id, j =>
    {
        var s = j.GetProperty("status").GetString();
        if (s is "failed" or "cancelled" or "expired") throw new InvalidOperationException($"Job ended {s}: {j}");
        return s == "completed";
    });

    public static string Status(this JsonElement job) => job.GetProperty("status").GetString()!;
}
