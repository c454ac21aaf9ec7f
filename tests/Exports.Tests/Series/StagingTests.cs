using Exports.Series;
using Exports.Tests.Infrastructure;
using Npgsql;

namespace Exports.Tests.Series;

/// <summary>The ingest's transaction (Series/Staging): the settings its statements run under.</summary>
[Collection(ApiCollection.Name)]
public sealed class StagingTests(ApiFixture api)
{
    /// <summary>The ingest's statements join temporary tables without statistics, which the planner overestimates: with
    /// JIT on, compiling the two rollup recomputations cost ~145 ms each on the seeded database, per ingest of any size.
    /// Both settings are LOCAL: the pooled connection gets its defaults back at the transaction's end.</summary>
    [Fact]
    public async Task IngestTransaction_RunsWithoutJitAndWithRoundTripFloats()
    {
        var (conn, tx) = await Staging.BeginAsync(api.Db, "CREATE TEMP TABLE tmp_staging_check (a int) ON COMMIT DROP", CancellationToken.None);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT current_setting('jit'), current_setting('extra_float_digits')", conn, tx);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal("off", r.GetString(0));
            Assert.Equal("3", r.GetString(1));
        }
        finally
        {
            await Staging.EndAsync(conn, tx, committed: false);
        }
        await using var after = api.Db.CreateCommand("SELECT current_setting('jit') = (SELECT reset_val FROM pg_settings WHERE name = 'jit')");
        Assert.True((bool)(await after.ExecuteScalarAsync())!);
    }
}
