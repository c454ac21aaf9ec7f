using Exports.Host;
using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Host;

/// <summary>Wolverine as the host runs it: its tables in the cluster's own schema, made at start-up; handlers loaded
/// from the generated code checked in (static mode: a handler without generated code fails at start); the retention
/// sweep a recurring message that really sweeps.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessagingTests(ApiFixture api)
{
    [Fact]
    public async Task MessageTables_AreMadeAtStartUp_InTheClustersOwnSchema()
    {
        var schema = Messaging.SchemaFor(api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.SchedulerName);
        var tables = (await api.RowsAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema))
            .Select(r => (string)r[0]!).ToList();
        Assert.Contains("wolverine_incoming_envelopes", tables);
        Assert.Contains("wolverine_outgoing_envelopes", tables);
        Assert.Contains("wolverine_nodes", tables);
        Assert.Empty(await api.RowsAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'wolverine%'"));
    }

    /// <summary>Handlers run from code generated ahead of time and checked in (api/Internal/Generated): after a handler
    /// changes, <c>dotnet run --project api -- codegen write</c> must be run again, or this fails and says so.</summary>
    [Fact]
    public void GeneratedHandlerCode_IsTheCodeTheHandlersGenerateToday()
    {
        var dir = Directory.CreateTempSubdirectory("codegen-").FullName;
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { typeof(AppHost).Assembly.Location, "codegen", "write" }) psi.ArgumentList.Add(a);
            psi.Environment["EXPORTS_DB"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none"; // generating code needs no database
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                var output = p.StandardOutput.ReadToEndAsync();
                var errors = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, output.Result + errors);
            }
            var fresh = Path.Combine(dir, "Internal", "Generated");
            var checkedIn = Path.Combine(ExportsSettings.Root, "api", "Internal", "Generated");
            string[] Files(string root) => Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
            Assert.NotEmpty(Files(fresh));
            Assert.Equal(Files(fresh), Files(checkedIn));
            foreach (var f in Files(fresh))
                Assert.True(File.ReadAllText(Path.Combine(fresh, f)) == File.ReadAllText(Path.Combine(checkedIn, f)),
                    $"{f} is stale: run `dotnet run --project api -- codegen write` from api/ and commit api/Internal/Generated.");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("exports", "wolverine_exports")]
    [InlineData("Node-A.test", "wolverine_node_a_test")]
    [InlineData("\"; DROP TABLE x; --", "wolverine____drop_table_x____")]
    public void SchemaFor_IsAPlainIdentifier(string name, string schema) => Assert.Equal(schema, Messaging.SchemaFor(name));

    [Fact]
    public void SchemaFor_KeepsToPostgresLimit() => Assert.Equal(63, Messaging.SchemaFor(new string('x', 100)).Length);

    [Fact]
    public void RetentionSweep_IsARecurringMessageEveryFiveMinutes()
    {
        var options = api.Host.Services.GetRequiredService<IWolverineRuntime>().Options;
        var sweep = Assert.Single(options.Schedules, s => s.MessageType == typeof(SweepRetention));
        Assert.Equal("*/5 * * * *", sweep.Schedule.Expression);
        var from = new DateTimeOffset(2026, 11, 30, 10, 2, 0, TimeSpan.Zero);
        Assert.Equal(from.AddMinutes(3), sweep.Schedule.NextOccurrence(from));
    }

    string ArtifactDir(System.Text.Json.JsonElement job) => Path.Combine(api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.LocalDir,
        job.GetProperty("ownerId").GetGuid().ToString("N"), job.GetProperty("id").GetGuid().ToString("N"));

    [Fact]
    public async Task SweepRetentionMessage_ExpiresOldArtifacts_ThroughTheGeneratedHandler()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await CompletedAsync(c, (await SubmitAsync(c, TextLayout())).GetProperty("id").GetString()!);
        var id = done.GetProperty("id").GetGuid();
        Assert.Single(Directory.EnumerateFiles(ArtifactDir(done)));
        await api.ScalarAsync<int>("UPDATE export_jobs SET expires_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", id);
        await using (var scope = api.Host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(new SweepRetention());
        Assert.Equal("expired", (await GetAsync(c, id.ToString())).Status());
        Assert.False(Directory.Exists(ArtifactDir(done)));
    }

    async Task<long> EnvelopesNamingAsync(Guid export)
    {
        var schema = Messaging.SchemaFor(api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.SchedulerName);
        long total = 0;
        foreach (var table in new[] { "wolverine_outgoing_envelopes", "wolverine_incoming_envelopes", $"wolverine_queue_{RunExport.Queue}" })
            total += await api.ScalarAsync<long>($"SELECT count(*) FROM {schema}.{table} WHERE position(convert_to($1, 'UTF8') in body) > 0", export.ToString());
        return total;
    }

    /// <summary>The outbox: a job's record and its RunExport message commit together. When the transaction fails after
    /// the message was published (here: what a schedule writes with its run throws), neither exists, and nothing runs;
    /// a job that commits has its message, handled by a worker.</summary>
    [Fact]
    public async Task RecordAndMessage_CommitTogether_OrNotAtAll()
    {
        var (owner, c) = await api.NewUserAsync();
        var queue = api.Host.Services.GetRequiredService<JobQueue>();
        var envelope = System.Text.Json.JsonSerializer.Deserialize<ExportEnvelope>(System.Text.Json.JsonSerializer.Serialize(TextLayout()), System.Text.Json.JsonSerializerOptions.Web)!;
        Guid? doomed = null;
        // In a tracked session: a message that escaped the rolled-back transaction would show as sent, and be handled
        // before the session ends.
        var failed = await TrackedAsync(api.Host, () => Assert.ThrowsAsync<InvalidOperationException>(() => queue.SubmitAsync(owner, envelope, null, default,
            (_, job, _) => { doomed = job.Id; throw new InvalidOperationException("the run row could not be written (test)"); })));
        Assert.NotNull(doomed);
        Assert.DoesNotContain(failed.Sent.MessagesOf<RunExport>(), m => m.ExportId == doomed.Value);
        Assert.DoesNotContain(failed.Executed.MessagesOf<RunExport>(), m => m.ExportId == doomed.Value);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE id = $1", doomed.Value));
        Assert.Equal(0L, await EnvelopesNamingAsync(doomed.Value));

        Submitted? ok = null;
        var (ran, _) = await RunTrackedAsync(api.Host, c, async () =>
        {
            var (submitted, refused) = await queue.SubmitAsync(owner, envelope, null, default);
            Assert.Null(refused);
            ok = submitted;
            return submitted!.Job.Id.ToString();
        });
        AssertCompleted(ran);
        Assert.True(await EnvelopesNamingAsync(ok!.Job.Id) >= 1); // the message is what ran it (kept a while as handled)
    }

    /// <summary>A background export a stopped node left processing (no progress for three stale periods) is queued
    /// again by the recurring sweep and finished here; one a live node is running is left alone.</summary>
    [Fact]
    public async Task StaleProcessingExport_IsQueuedAgainAndFinished_ALiveOneIsNot()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetGuid();
        var attempts = done.GetProperty("attempts").GetInt32();
        // As if a node had died mid-run an hour ago, and as if another were running it right now.
        await api.ScalarAsync<int>("""
            UPDATE export_jobs SET status = 'processing', phase = 'rendering', node = 'gone:1', completed_at = NULL,
                updated_at = now() - interval '1 hour' WHERE id = $1 RETURNING 1
            """, id);
        var live = await SubmitAndCompleteAsync(api.Host, c, TextLayout("Live"));
        var liveId = live.GetProperty("id").GetGuid();
        await api.ScalarAsync<int>("UPDATE export_jobs SET status = 'processing', phase = 'rendering', node = 'alive:2', completed_at = NULL, updated_at = now() WHERE id = $1 RETURNING 1", liveId);

        // The sweep's RunExport goes through the exports queue: the tracked session returns once it has been handled.
        var swept = await TrackedAsync(api.Host, async () =>
        {
            await using var scope = api.Host.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(new RecoverStaleExports());
        });
        Assert.Contains(swept.MessageSucceeded.MessagesOf<RunExport>(), m => m.ExportId == id);
        var recovered = AssertCompleted(await GetAsync(c, id.ToString()));
        Assert.Equal(Exports.Jobs.JobRunner.Node, recovered.GetProperty("node").GetString());
        Assert.Equal(attempts + 1, recovered.GetProperty("attempts").GetInt32());
        await Task.Delay(1000);
        var untouched = await GetAsync(c, liveId.ToString());
        Assert.Equal(("processing", "alive:2"), (untouched.Status(), untouched.GetProperty("node").GetString()));
        Assert.DoesNotContain(swept.Sent.MessagesOf<RunExport>(), m => m.ExportId == liveId);
        await api.ScalarAsync<int>("UPDATE export_jobs SET status = 'completed', phase = 'done', completed_at = now() WHERE id = $1 RETURNING 1", liveId);
    }
}
