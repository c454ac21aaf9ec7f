using System.Net;
using Exports.Series;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sources;

/// <summary>POST /sources on its own: a name is unique per owner, also when requests race, and the source is stored as sent.</summary>
[Collection(ApiCollection.Name)]
public sealed class CreateSourceTests(ApiFixture api)
{
    static readonly object Records = new
    {
        name = "shared", kind = "records", description = "Deploys",
        fields = new[] { new { name = "host", role = "dimension", type = "string", unit = (string?)null }, new { name = "took", role = "measure", type = "double", unit = (string?)"ms" } },
    };

    [Fact]
    public async Task SameNameSentAtOnce_CreatesOne_AndAnswersTheOthers409()
    {
        var (owner, client) = await api.NewUserAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostJsonAsync("/api/v1/sources", Records)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        foreach (var a in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            Assert.Equal("A source with this name exists", (await a.ProblemAsync(409)).GetProperty("title").GetString());
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM sources WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task SourceNames_AreUniquePerOwnerOnly_AndEachOwnerListsTheirsAsSent()
    {
        var (a, first) = await api.NewUserAsync();
        var (b, second) = await api.NewUserAsync();
        var created = await (await first.PostJsonAsync("/api/v1/sources", Records)).JsonAsync();
        Assert.Equal(("shared", "records", "Deploys"), (created.GetProperty("name").GetString(), created.GetProperty("kind").GetString(), created.GetProperty("description").GetString()));
        var other = await second.PostAsync("/api/v1/sources", System.Net.Http.Json.JsonContent.Create(new { name = "shared", kind = "timeseries", units = new Dictionary<string, string> { ["cpu"] = "%" } }));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);

        var mine = (await (await first.GetAsync("/api/v1/sources")).JsonAsync()).GetProperty("sources").EnumerateArray().Single();
        Assert.Equal(("records", "Deploys"), (mine.GetProperty("kind").GetString(), mine.GetProperty("description").GetString()));
        Assert.Equal(["host", "took"], mine.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal("ms", mine.GetProperty("fields")[1].GetProperty("unit").GetString());
        var theirs = (await (await second.GetAsync("/api/v1/sources")).JsonAsync()).GetProperty("sources").EnumerateArray().Single();
        Assert.Equal("timeseries", theirs.GetProperty("kind").GetString());
        // The stored schema is jsonb (the series store reads it with SQL), with the units as sent.
        Assert.Equal("%", await api.ScalarAsync<string>("SELECT schema -> 'units' ->> 'cpu' FROM sources WHERE owner_id = $1", b));
        // A JSON object whose fields are a JSON array (not a JSON string holding the text of one), read back as sent.
        Assert.Equal(("object", "array"), (await api.ScalarAsync<string>("SELECT jsonb_typeof(schema) FROM sources WHERE owner_id = $1", a),
            await api.ScalarAsync<string>("SELECT jsonb_typeof(schema -> 'fields') FROM sources WHERE owner_id = $1", a)));
        Assert.Equal("ms", await api.ScalarAsync<string>("SELECT schema -> 'fields' -> 1 ->> 'unit' FROM sources WHERE owner_id = $1", a));
        var stored = SourceSchema.Parse(await api.ScalarAsync<string>("SELECT schema::text FROM sources WHERE owner_id = $1", a));
        Assert.Equal([new FieldInfo("host", "dimension", "string", null), new FieldInfo("took", "measure", "double", "ms")], stored.Fields);
    }
}
