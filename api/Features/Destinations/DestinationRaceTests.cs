using System.Net;
using System.Net.Http.Json;
using Exports.Host;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Destinations;

/// <summary>A destination deleted by another request between a PUT's write and its re-read answers 404, not 500
/// (the delete is injected right after the update with a PostgreSQL trigger).</summary>
[Collection(ApiCollection.Name)]
public sealed class DestinationRaceTests(ApiFixture api)
{
    [Fact]
    public async Task DeletedBetweenUpdateAndReRead_Is404()
    {
        var (owner, c) = await api.NewUserAsync();
        var body = new { name = "ops", kind = "email", config = new { to = new[] { "ops@example.com" } } };
        var created = await c.PostJsonAsync("/api/v1/destinations", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var fn = "gone_" + Guid.NewGuid().ToString("N")[..8];
        await api.ScalarAsync<int>($$"""
            CREATE FUNCTION {{fn}}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.id = '{{id}}' THEN DELETE FROM {{Documents.Schema}}.mt_doc_destination WHERE id = NEW.id; END IF; RETURN NULL; END $$;
            CREATE TRIGGER {{fn}} AFTER UPDATE ON {{Documents.Schema}}.mt_doc_destination FOR EACH ROW EXECUTE FUNCTION {{fn}}();
            SELECT 1
            """);
        try { await (await c.PutAsync($"/api/v1/destinations/{id}", JsonContent.Create(body with { name = "ops2" }))).ProblemAsync(404); }
        finally { await api.ScalarAsync<int>($"DROP TRIGGER {fn} ON {Documents.Schema}.mt_doc_destination; DROP FUNCTION {fn}(); SELECT 1"); }
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination WHERE owner_id = $1", owner));
    }
}
