using Exports.Data;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Exports.Demo;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exports.Tests.Demo;

/// <summary>Two nodes starting together on one database both seed the demo visuals: one seeds, the other waits for it
/// (the importer's advisory lock) and finds the seed there, and neither fails.</summary>
public sealed class DemoVisualsSeedTests
{
    [Fact]
    public async Task TwoNodesSeedingAtOnce_SeedOnce_AndNeitherFails()
    {
        var cs = TestPostgres.Database("exports_demo_visuals_race");
        await using var db = NpgsqlDataSource.Create(cs);
        await Migrator.RunAsync(db, NullLogger.Instance, CancellationToken.None);
        await using (var user = db.CreateCommand("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (gen_random_uuid(), $1, 'Demo', 'x', now())"))
        {
            user.Parameters.Add(new() { Value = DemoSeed.Email });
            await user.ExecuteNonQueryAsync();
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(db);
        services.AddExportsDocuments();
        await using var sp = services.BuildServiceProvider();
        await Documents.PrepareAsync(sp, NullLogger.Instance, CancellationToken.None);
        var store = sp.GetRequiredService<IDocumentStore>();

        for (var round = 0; round < 3; round++)
        {
            await using (var clear = db.CreateCommand($"DELETE FROM {Documents.Schema}.mt_doc_dashboard; DELETE FROM {Documents.Schema}.mt_doc_monitor"))
                await clear.ExecuteNonQueryAsync();
            using var go = new Barrier(2);
            var now = DateTimeOffset.UtcNow;
            Task Node() => Task.Run(async () => { go.SignalAndWait(); await DemoVisuals.EnsureAsync(db, store, now, CancellationToken.None); });
            await Task.WhenAll(Node(), Node());
            await using var check = db.CreateCommand($"SELECT (SELECT count(*) FROM {Documents.Schema}.mt_doc_dashboard), (SELECT count(*) FROM {Documents.Schema}.mt_doc_monitor)");
            await using var r = await check.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal((3L, 1L), (r.GetInt64(0), r.GetInt64(1)));
        }
    }
}
