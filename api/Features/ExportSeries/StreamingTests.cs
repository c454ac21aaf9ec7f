using System.Net;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Streaming behaviour: a failure after the first byte is a broken response, never a short file that
/// looks complete; a client that goes away cancels the PostgreSQL query.</summary>
[Collection(ApiCollection.Name)]
public sealed class StreamingTests(ApiFixture api)
{
    static object Big(string marker) => new
    {
        source = "servers", granularity = "raw", timeframe = new { last = "14d" }, format = "csv", filename = marker,
        filter = new { field = "server", op = "neq", value = marker },
    };

    async Task<int> ActiveExportQueriesAsync() => (int)await api.ScalarAsync<long>(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND query LIKE '%unnest($1::bigint[]%' AND pid <> pg_backend_pid()");

    [Fact]
    public async Task DatabaseDropMidStream_ClientSeesAnError()
    {
        var marker = "drop-" + Guid.NewGuid().ToString("N")[..8];
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/series") { Content = System.Net.Http.Json.JsonContent.Create(Big(marker)) };
        using var r = await api.Demo().SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await r.Content.ReadAsStreamAsync();
        var buf = new byte[64 * 1024];
        Assert.True(await body.ReadAsync(buf) > 0);
        // Kill the backend serving this export while the client is still reading.
        await api.ScalarAsync<long>("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%unnest($1::bigint[]%' AND pid <> pg_backend_pid()");
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (await body.ReadAsync(buf) > 0) { }
        });
    }

    [Fact]
    public async Task ClientDisconnect_CancelsTheQuery()
    {
        var marker = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/series") { Content = System.Net.Http.Json.JsonContent.Create(Big(marker)) };
        var cts = new CancellationTokenSource();
        var r = await api.Demo().SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var body = await r.Content.ReadAsStreamAsync(cts.Token);
        Assert.True(await body.ReadAsync(new byte[1024], cts.Token) > 0);
        Assert.Equal(1, await ActiveExportQueriesAsync()); // still producing: a million rows do not fit in the pipes
        cts.Cancel();
        r.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await ActiveExportQueriesAsync() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The export query was still running 15 s after the client left.");
            await Task.Delay(100);
        }
    }
}
