using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Exports.Tests.Infrastructure;

/// <summary>Shared steps for job tests: submit, poll a job until a condition holds (with a deadline, no sleeps
/// beyond the poll interval), and a small text-only layout that needs no source.</summary>
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

    public static Task<JsonElement> CompletedAsync(HttpClient c, string id) => WaitAsync(c, id, j =>
    {
        var s = j.GetProperty("status").GetString();
        if (s is "failed" or "cancelled" or "expired") throw new InvalidOperationException($"Job ended {s}: {j}");
        return s == "completed";
    });

    public static string Status(this JsonElement job) => job.GetProperty("status").GetString()!;
}
