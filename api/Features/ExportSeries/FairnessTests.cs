using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>
/// No user can starve another. A real API process on a real port (TestServer has no socket back-pressure) with a
/// pool of 24 connections, a reserve of 12 (so 12 streaming slots), 4 streams per owner and a 90 s idle limit (room for planning fifty exports on a loaded machine).
/// Sixty raw sockets ask for a 7-day raw export and then never read: ten from one owner, fifty from eleven others.
/// Another owner's small exports stay as fast as before (p95 within 2x of the same owner's baseline, measured in
/// this test), /health answers 200 throughout, and after the idle limit the stalled streams are aborted, their
/// queries stop and their slots and connections are free again.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FairnessTests(ApiFixture api)
{
    const int PoolSize = 24, Reserve = 12, Slots = PoolSize - Reserve, PerOwner = 4, IdleSeconds = 90;

    /// <summary>A user owning a "servers" source with the demo's ten cpu_percent series and generated points every
    /// <paramref name="step"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    async Task<string> OwnerWithDataAsync(Guid demoSource, DateTime from, DateTime to, TimeSpan step)
    {
        var (id, client) = await api.NewUserAsync();
        var key = client.DefaultRequestHeaders.Authorization!.Parameter!;
        var source = Guid.NewGuid();
        await api.ScalarAsync<int>("""
            WITH s AS (INSERT INTO sources (id, owner_id, name, kind, description, schema, created_at)
                       SELECT $1, $2, name, kind, description, schema, now() FROM sources WHERE id = $3 RETURNING 1)
            SELECT count(*)::int FROM s
            """, source, id, demoSource);
        await api.ScalarAsync<int>("""
            WITH s AS (INSERT INTO series (source_id, metric, tags, tags_key)
                       SELECT $1, metric, tags, tags_key FROM series WHERE source_id = $2 AND metric = 'cpu_percent' RETURNING 1)
            SELECT count(*)::int FROM s
            """, source, demoSource);
        await api.ScalarAsync<int>("""
            WITH s AS (INSERT INTO points (series_id, ts, value)
                       SELECT s.id, t, random() * 100 FROM series s, generate_series($2::timestamptz, $3::timestamptz, $4::interval) t
                       WHERE s.source_id = $1 AND t < $3 RETURNING 1)
            SELECT count(*)::int FROM s
            """, source, from, to, step);
        return key;
    }

    sealed record Stalled(Socket Socket, int Status, string Head, string Body);

    /// <summary>Sends the export request and reads only the response head (and a refusal's small body); an
    /// admitted stream is then never read again. The receive buffer is 4 KB so back-pressure starts at once.</summary>
    static async Task<Stalled> OpenAsync(int port, string key, string json)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await s.ConnectAsync(IPAddress.Loopback, port);
        var body = Encoding.UTF8.GetBytes(json);
        await s.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/exports/series HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        await s.SendAsync(body);
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await s.ReceiveAsync(one, timeout.Token) == 0) throw new IOException($"Connection closed in the head: {head}");
            head.Append((char)one[0]);
        }
        var text = head.ToString();
        var status = int.Parse(text.Split(' ')[1]);
        var rest = "";
        if (status != 200)
        {
            // A refusal is small: read it whole (Content-Length or chunked) and close.
            var raw = new List<byte>();
            var buf = new byte[4096];
            var lengthLine = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            bool Done() => lengthLine is not null
                ? raw.Count >= int.Parse(lengthLine.Split(':')[1])
                : Encoding.ASCII.GetString(raw.ToArray()).EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
            while (!Done())
            {
                var n = await s.ReceiveAsync(buf, timeout.Token);
                if (n == 0) break;
                raw.AddRange(buf.AsSpan(0, n).ToArray());
            }
            rest = Encoding.UTF8.GetString(raw.ToArray());
            if (lengthLine is null)
            {
                var decoded = new StringBuilder();
                for (var at = 0; ;)
                {
                    var eol = rest.IndexOf("\r\n", at, StringComparison.Ordinal);
                    var size = Convert.ToInt32(rest[at..eol], 16);
                    if (size == 0) break;
                    decoded.Append(rest, eol + 2, size);
                    at = eol + 2 + size + 2;
                }
                rest = decoded.ToString();
            }
            s.Dispose();
        }
        return new Stalled(s, status, text, rest);
    }

    static string Header(Stalled r, string name) =>
        r.Head.Split("\r\n").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim() ?? "";

    static double P95(List<double> xs) => xs.Order().ElementAt((int)Math.Ceiling(xs.Count * 0.95) - 1);

    [Fact]
    public async Task SixtyClientsThatNeverRead_DoNotStarveAnotherUser_AndAreAbortedAfterTheIdleTime()
    {
        var demoSource = await api.ScalarAsync<Guid>("SELECT s.id FROM sources s JOIN users u ON u.id = s.owner_id WHERE u.email = 'demo@exports.local' AND s.name = 'servers'");
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(7));
        // The stalled exports must be larger than the kernel's socket buffers (a few MB), or PostgreSQL finishes
        // them and nothing is held: 200,000 rows each (the demo's 500,000). The bystander's is 600 rows.
        var bystander = await OwnerWithDataAsync(demoSource, to.AddHours(-3), to, TimeSpan.FromMinutes(1));
        var flooders = new List<string>();
        for (var i = 0; i < 11; i++) flooders.Add(await OwnerWithDataAsync(demoSource, from, to, TimeSpan.FromSeconds(30)));

        var app = "fairness-" + Guid.NewGuid().ToString("N")[..8];
        var dataDir = Directory.CreateTempSubdirectory("exports-fairness-").FullName;
        var port = TestPorts.Free();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"));
        // The application name finds this node's backends in pg_stat_activity. The small socket receive buffer keeps
        // a stalled export's query running (waiting on the client) instead of finishing into kernel buffers, so a
        // held connection shows as an active query.
        psi.Environment["EXPORTS_DB"] = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString)
            { ApplicationName = app, SocketReceiveBufferSize = 16 * 1024 }.ConnectionString;
        psi.Environment["EXPORTS_PORT"] = port.ToString();
        psi.Environment["EXPORTS_DATA_DIR"] = dataDir;
        psi.Environment["EXPORTS_SEED"] = "false";
        psi.Environment["EXPORTS_WORKER"] = "false";
        psi.Environment["EXPORTS_SCHEDULER_NAME"] = app;
        psi.Environment["EXPORTS_DB_POOL_SIZE"] = PoolSize.ToString();
        psi.Environment["EXPORTS_DB_POOL_RESERVE"] = Reserve.ToString();
        psi.Environment["EXPORTS_STREAMS_PER_OWNER"] = PerOwner.ToString();
        psi.Environment["EXPORTS_STREAM_IDLE_SECONDS"] = IdleSeconds.ToString();
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var log = new StringBuilder();
        using var node = Process.Start(psi)!;
        node.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        node.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        var sockets = new List<Stalled>();
        try
        {
            HttpClient Client(string key) => new()
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2),
                DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
            };
            using var health = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                Assert.False(node.HasExited, $"The API exited: {log}");
                try { if ((await health.GetAsync("/health")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
                Assert.True(DateTime.UtcNow < deadline, $"The API did not become healthy: {log}");
                await Task.Delay(200);
            }

            // /health every 200 ms from now to the end: every answer must be 200.
            var healthFailures = new List<string>();
            var healthChecks = 0;
            using var stopHealth = new CancellationTokenSource();
            var healthLoop = Task.Run(async () =>
            {
                while (!stopHealth.IsCancellationRequested)
                {
                    try
                    {
                        var r = await health.GetAsync("/health", stopHealth.Token);
                        if (r.StatusCode != HttpStatusCode.OK) lock (healthFailures) healthFailures.Add($"{DateTime.UtcNow:O} {(int)r.StatusCode}");
                        Interlocked.Increment(ref healthChecks);
                    }
                    catch (OperationCanceledException) when (stopHealth.IsCancellationRequested) { break; }
                    catch (Exception e) { lock (healthFailures) healthFailures.Add($"{DateTime.UtcNow:O} {e.Message}"); }
                    try { await Task.Delay(200, stopHealth.Token); } catch (OperationCanceledException) { break; }
                }
            });

            using var other = Client(bystander);
            var small = JsonSerializer.Serialize(new
            {
                source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw", format = "csv",
                timeframe = new { from = to.AddHours(-1).ToString("O"), to = to.ToString("O") },
            });
            const long smallRows = 10 * 60;
            async Task<List<double>> SmallExportsAsync(int count)
            {
                var times = new List<double>();
                for (var i = 0; i < count; i++)
                {
                    var sw = Stopwatch.StartNew();
                    var r = await other.PostAsync("/api/v1/exports/series", new StringContent(small, Encoding.UTF8, "application/json"));
                    var csv = await r.Content.ReadAsStringAsync();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    Assert.True(r.StatusCode == HttpStatusCode.OK, $"The other user's export answered {(int)r.StatusCode}: {csv}");
                    Assert.Equal(smallRows + 1, csv.Count(ch => ch == '\n'));
                }
                return times;
            }
            await SmallExportsAsync(5); // warm-up
            var baseline = await SmallExportsAsync(40);

            var big = JsonSerializer.Serialize(new
            {
                source = "servers", granularity = "raw", format = "csv",
                timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            });
            async Task<int> ActiveExportsAsync() => (int)await api.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%unnest($1::bigint[]%'", app);

            // One owner asks ten times: four are admitted, six are told to wait (429).
            var one = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => OpenAsync(port, ApiFixture.DemoKey, big)));
            sockets.AddRange(one.Where(r => r.Status == 200));
            var admittedAt = Stopwatch.StartNew();
            Assert.Equal(PerOwner, one.Count(r => r.Status == 200));
            var tooMany = one.Where(r => r.Status == 429).ToList();
            Assert.Equal(10 - PerOwner, tooMany.Count);
            foreach (var r in tooMany)
            {
                Assert.Equal("5", Header(r, "Retry-After"));
                Assert.StartsWith("application/problem+json", Header(r, "Content-Type"));
                var p = JsonDocument.Parse(r.Body).RootElement;
                Assert.Equal("Too many streaming exports at once", p.GetProperty("title").GetString());
                Assert.Contains("EXPORTS_STREAMS_PER_OWNER", p.GetProperty("detail").GetString());
            }

            deadline = DateTime.UtcNow.AddSeconds(20);
            while (await ActiveExportsAsync() != PerOwner)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Expected {PerOwner} export queries, saw {await ActiveExportsAsync()}");
                await Task.Delay(100);
            }

            // Fifty more from eleven owners: the node's slots fill up (503), no owner gets past four.
            var phaseB = Stopwatch.StartNew();
            // Sent ten at a time (each is planned: validated and estimated, a query over its rows), all held together.
            var many = new List<(string Key, Stalled Result)>();
            for (var batch = 0; batch < 5; batch++)
                many.AddRange(await Task.WhenAll(Enumerable.Range(batch * 10, 10).Select(async i =>
                    (Key: flooders[i % flooders.Count], Result: await OpenAsync(port, flooders[i % flooders.Count], big)))));
            sockets.AddRange(many.Where(m => m.Result.Status == 200).Select(m => m.Result));
            Assert.True(Slots - PerOwner == many.Count(m => m.Result.Status == 200),
                $"{many.Count(m => m.Result.Status == 200)} of the fifty admitted (expected {Slots - PerOwner}); answers took {phaseB.Elapsed}, {admittedAt.Elapsed} after the first four; " +
                string.Join(", ", many.GroupBy(m => m.Result.Status).Select(g => $"{g.Key}: {g.Count()}")));
            Assert.All(many.GroupBy(m => m.Key), g => Assert.True(g.Count(m => m.Result.Status == 200) <= PerOwner));
            Assert.All(many, m => Assert.Contains(m.Result.Status, new[] { 200, 429, 503 }));
            // Refused for the node's sake: mostly "no slot"; under a burst also "no planning place" (both 503).
            var full = many.Where(m => m.Result.Status == 503).Select(m => m.Result).ToList();
            foreach (var r in full)
            {
                Assert.Equal("5", Header(r, "Retry-After"));
                var p = JsonDocument.Parse(r.Body).RootElement;
                Assert.Contains(p.GetProperty("title").GetString(), new[] { "All streaming export slots are in use", "Too many exports being prepared" });
                Assert.Contains("EXPORTS_DB_POOL_RESERVE", p.GetProperty("detail").GetString());
            }
            Assert.Contains(full, r => JsonDocument.Parse(r.Body).RootElement.GetProperty("title").GetString() == "All streaming export slots are in use");
            Assert.Equal(Slots, sockets.Count);

            // Every admitted export is a query held open by a client that does not read.
            deadline = DateTime.UtcNow.AddSeconds(30);
            while (await ActiveExportsAsync() != Slots)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Expected {Slots} export queries, saw {await ActiveExportsAsync()}: " + string.Join("\n",
                    (await api.RowsAsync("SELECT application_name, state, wait_event, left(query, 120) FROM pg_stat_activity WHERE backend_type = 'client backend'"))
                    .Select(r => string.Join(" | ", r))));
                await Task.Delay(100);
            }

            var held = admittedAt.Elapsed;
            var during = await SmallExportsAsync(40);
            Assert.True(admittedAt.Elapsed < TimeSpan.FromSeconds(IdleSeconds - 2), $"The measurement ran past the idle limit ({admittedAt.Elapsed}); it would not show held streams.");
            Assert.Equal(Slots, await ActiveExportsAsync()); // still held while the other user was measured
            Assert.True(P95(during) < 2 * P95(baseline),
                $"p95 of the other user's small export: {P95(during):F1} ms with {Slots} stalled streams, {P95(baseline):F1} ms before");

            // The idle limit: the stalled streams are aborted, their queries stop and their connections go back.
            deadline = DateTime.UtcNow.AddSeconds(IdleSeconds + 30);
            while (await ActiveExportsAsync() > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{await ActiveExportsAsync()} export queries still ran {IdleSeconds + 30} s later");
                await Task.Delay(100);
            }
            Assert.True(admittedAt.Elapsed >= TimeSpan.FromSeconds(IdleSeconds - 1), $"Streams were aborted after {admittedAt.Elapsed}, before the idle limit");
            Console.WriteLine($"Fairness: all {Slots} slots held {held.TotalSeconds:F1} s after the first admission; small export p95 {P95(baseline):F1} ms before, " +
                $"{P95(during):F1} ms during ({P95(during) / P95(baseline):F2}x); median {baseline.Order().ElementAt(20):F1} / {during.Order().ElementAt(20):F1} ms; " +
                $"streams gone {admittedAt.Elapsed.TotalSeconds:F1} s after the first admission; {healthChecks} health checks so far; " +
                string.Join(", ", many.GroupBy(m => m.Result.Status).Select(g => $"{g.Key}: {g.Count()}")));

            // Each aborted client sees a broken response, never the end of a chunked body.
            foreach (var s in sockets)
            {
                var tail = new List<byte>();
                var buf = new byte[64 * 1024];
                var broken = false;
                try
                {
                    using var t = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    int n;
                    while ((n = await s.Socket.ReceiveAsync(buf, t.Token)) > 0) { tail.AddRange(buf.AsSpan(0, n).ToArray()); if (tail.Count > 16) tail.RemoveRange(0, tail.Count - 16); }
                }
                catch (SocketException) { broken = true; }
                Assert.True(broken || !Encoding.ASCII.GetString(tail.ToArray()).EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal),
                    "An aborted stream ended like a complete file.");
            }

            // The slots and the owner's places are free again: the same owner's export now streams to the end.
            using var demo = Client(ApiFixture.DemoKey);
            var again = await demo.PostAsync("/api/v1/exports/series", new StringContent(big, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var lines = (await again.Content.ReadAsByteArrayAsync()).Count(b => b == (byte)'\n');
            var bigRows = await api.ScalarAsync<long>("""
                SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id
                WHERE s.source_id = $1 AND p.ts >= $2 AND p.ts < $3
                """, demoSource, from, to);
            Assert.Equal(bigRows + 1, lines);

            stopHealth.Cancel();
            await healthLoop;
            Assert.True(healthChecks > 20, $"Only {healthChecks} health checks ran");
            Assert.Empty(healthFailures);
            lock (log) Assert.Contains("the connection was aborted", log.ToString());
        }
        finally
        {
            foreach (var s in sockets) s.Socket.Dispose();
            try { node.Kill(entireProcessTree: true); node.WaitForExit(5000); } catch (InvalidOperationException) { }
        }
    }
}
