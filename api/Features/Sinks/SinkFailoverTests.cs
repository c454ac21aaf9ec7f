using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Shared;
using Exports.Tests.Infrastructure;
using Npgsql;

namespace Exports.Tests.Features.Sinks;

/// <summary>At least once across a crash: the node delivering a sink is SIGKILLed while its receiver holds a batch;
/// the other node takes the sink over when the lease lapses and sends that batch again (same sequence, body and
/// Idempotency-Key), then the rest: no batch is lost, sequences stay contiguous, and the secret is in no log. A node
/// with the network guard on (the default) refuses a private-network URL as a field error.</summary>
[Collection(ApiCollection.Name)]
public sealed class SinkFailoverTests
{
    const string Secret = "failover-secret-0123456789-xyz";

    [Fact]
    public async Task DeliveringNodeKilledMidBatch_TheOtherNodeResendsIt_NoBatchLost()
    {
        var cs = TestPostgres.Database("exports_sinks_failover");
        var dataDir = Directory.CreateTempSubdirectory("exports-sinks-failover-").FullName;
        var env = new Dictionary<string, string> { ["EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS"] = "true", ["Logging__LogLevel__Default"] = "Information" };
        using var a = NodeProcess.Start(cs, dataDir, env);
        await a.HealthyAsync();
        using var b = NodeProcess.Start(cs, dataDir, env);
        await b.HealthyAsync();
        await using var db = NpgsqlDataSource.Create(cs);
        var key = Secrets.NewApiKey();
        var owner = Guid.NewGuid();
        await using (var cmd = db.CreateCommand("""
            INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, 'failover@test.local', 'Test', $2, now());
            """))
        {
            cmd.Parameters.Add(new() { Value = owner });
            cmd.Parameters.Add(new() { Value = Secrets.HashPassword("secret-password") });
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var cmd = db.CreateCommand("INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES ($1, $2, 'test', $3, $4, now())"))
        {
            foreach (var v in new object[] { Guid.NewGuid(), owner, Secrets.KeyPrefix(key), Secrets.HashApiKey(key) }) cmd.Parameters.Add(new() { Value = v });
            await cmd.ExecuteNonQueryAsync();
        }
        using var receiver = new SinkReceiver(Secret) { Delay = TimeSpan.FromSeconds(2) };
        using var c = a.Client(key);
        Assert.Equal(HttpStatusCode.Created, (await c.PostAsync("/api/v1/sources", Json(new { name = "metrics", kind = "timeseries" }))).StatusCode);
        // A receiver URL with a credential in its path (as Slack's and Zapier's are): never in a log.
        const string PathToken = "T0k3nInThePath-9f8e7d6c";
        var hookUrl = receiver.Url + PathToken;
        var created = await c.PostAsync("/api/v1/sources/metrics/sinks", Json(new { url = hookUrl, secret = Secret, maxBatch = 5, batchMs = 0 }));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var sinkId = Guid.Parse(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        var points = JsonSerializer.Serialize(Enumerable.Range(0, 20).Select(i => new
        {
            timestamp = new DateTime(2026, 3, 1, 10, i, 0, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ"), metric = "cpu", value = i * 1.5, tags = new { host = "h" + (i % 3) },
        }));
        var ingest = await c.PostAsync("/api/v1/sources/metrics/points", new StringContent(points, Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());

        // The first batch is at the receiver, held: kill the node that sent it (the sink's lease holder).
        await receiver.WaitAsync(r => r.Arrived >= 1, TimeSpan.FromSeconds(60));
        await using (var cmd = db.CreateCommand("SELECT lease_owner FROM sinks WHERE id = $1"))
        {
            cmd.Parameters.Add(new() { Value = sinkId });
            var holder = (string)(await cmd.ExecuteScalarAsync())!;
            var pid = int.Parse(holder.Split(':')[1]);
            var victim = pid == a.Process.Id ? a : b;
            Assert.Equal(pid, victim.Process.Id);
            victim.Process.Kill(); // SIGKILL: no shutdown, no lease given back
            await victim.Process.WaitForExitAsync();
        }
        var accepted = await receiver.WaitAsync(r => r.Accepted().Count >= 4, TimeSpan.FromSeconds(90));
        Assert.Equal([1L, 2, 3, 4], accepted.Select(x => x.Sequence));
        Assert.All(accepted, x => Assert.Equal(5, x.Json.GetProperty("rows").GetArrayLength()));
        Assert.All(accepted, x => Assert.Equal($"{sinkId:N}-{x.Sequence}", x.IdempotencyKey));
        Assert.Empty(receiver.BadSignatures);
        // The batch in flight at the kill came twice, identical: at least once, never a different body under one key.
        var repeated = receiver.All.GroupBy(x => x.Sequence).Where(g => g.Count() > 1).ToList();
        Assert.NotEmpty(repeated);
        Assert.All(repeated, g => Assert.Single(g.Select(x => (x.Body, x.IdempotencyKey)).Distinct()));
        // Every stored point, once, by SQL.
        var stored = new List<string>();
        await using (var cmd = db.CreateCommand("SELECT to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), p.value, s.tags->>'host' FROM points p JOIN series s ON s.id = p.series_id ORDER BY 1"))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) stored.Add($"{r.GetString(0)}|{r.GetDouble(1):R}|{r.GetString(2)}");
        Assert.Equal(20, stored.Count);
        Assert.Equal(stored, accepted.SelectMany(x => x.Json.GetProperty("rows").EnumerateArray())
            .Select(x => $"{x.GetProperty("ts").GetString()}|{x.GetProperty("value").GetDouble():R}|{x.GetProperty("tags").GetProperty("host").GetString()}").Order(StringComparer.Ordinal));
        foreach (var node in new[] { a, b }) Assert.DoesNotContain(Secret, node.ReadLog());
        foreach (var node in new[] { a, b }) Assert.DoesNotContain(PathToken, node.ReadLog());
        Assert.Contains("info:", a.ReadLog()); // the nodes log at Information, where HttpClient logs each request

        // A node that keeps deliveries off private networks (the default) refuses the loopback URL at create and
        // update, as a field error on url, and saves nothing. (No worker: it takes no sinks.)
        using var guarded = NodeProcess.Start(cs, dataDir, new() { ["EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS"] = "false", ["EXPORTS_WORKER"] = "false" });
        await guarded.HealthyAsync();
        using var g = guarded.Client(key);
        foreach (var r in new[]
                 {
                     await g.PostAsync("/api/v1/sources/metrics/sinks", Json(new { url = receiver.Url, secret = Secret })),
                     await g.PutAsync($"/api/v1/sources/metrics/sinks/{sinkId}", Json(new { url = "https://10.0.0.7/hook" })),
                 })
        {
            var problem = await r.ProblemAsync(400);
            Assert.Contains("not a public address", problem.GetProperty("errors").GetProperty("url")[0].GetString());
        }
        await using (var cmd = db.CreateCommand("SELECT count(*), min(url) FROM sinks"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            Assert.Equal((1L, hookUrl), (r.GetInt64(0), r.GetString(1)));
        }
    }

    static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
