using System.Text.Json;
using Exports.Jobs;
using Exports.Layouts;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Jobs;

/// <summary>The pure planner: the pending record an envelope becomes, without a host, a database or a clock.</summary>
public sealed class JobPlannerTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    static readonly JobSlot Slot = new(Guid.Parse("11111111-1111-1111-1111-111111111111"), Guid.Parse("22222222-2222-2222-2222-222222222222"), Now, "local");

    static ExportEnvelope Layout(string? title, string format = "png") => JsonSerializer.Deserialize<ExportEnvelope>(
        $$$"""{"kind":"layout","format":"{{{format}}}","layout":{"title":{{{(title is null ? "null" : JsonSerializer.Serialize(title))}}},"viewportWidth":600,"widgets":[{"id":"t","type":"text","text":"Hi","x":0,"y":0,"w":12,"h":2}]}}""",
        JsonSerializerOptions.Web)!.Normalized(new Shared.Errors());

    static ExportEnvelope Series() => JsonSerializer.Deserialize<ExportEnvelope>(
        """{"kind":"series","format":"csv","series":{"source":"servers","metrics":["cpu"],"timeframe":{"last":"24h"}}}""", JsonSerializerOptions.Web)!.Normalized(new Shared.Errors());

    static readonly SeriesFacts Facts = new("csv", "servers", "servers-24h-2026-11-30.csv", "text/csv; charset=utf-8", 1440, 50_000, "raw", ["p95"], "t-digest");

    [Fact]
    public void SeriesJob_CarriesWhatPreparingFound_AsAPendingRecord()
    {
        var (job, refused) = JobPlanner.Series(Slot, Series(), Facts, maxBytes: 1_000_000);
        Assert.Null(refused);
        Assert.Equal((Slot.Id, Slot.Owner, "series", "csv", "servers"), (job!.Id, job.OwnerId, job.Kind, job.Format, job.Source));
        Assert.Equal(("servers-24h-2026-11-30.csv", "servers-24h-2026-11-30.csv", "text/csv; charset=utf-8"), (job.Title, job.FileName, job.MediaType));
        Assert.Equal((JobStatus.Pending, "queued", 1440L, 50_000L, "raw"), (job.Status, job.Phase, job.EstimatedRows!.Value, job.EstimatedBytes!.Value, job.Tier));
        Assert.Equal(["p95"], job.Approximate!);
        Assert.Equal("t-digest", job.Approximation);
        Assert.Equal(("local", $"{Slot.Owner:N}/{Slot.Id:N}/servers-24h-2026-11-30.csv"), (job.Storage, job.StorageKey));
        Assert.Equal((Now, Now), (job.CreatedAt, job.UpdatedAt));
        Assert.Equal("servers", job.Request.GetProperty("series").GetProperty("source").GetString());
        Assert.False(job.Request.TryGetProperty("layout", out _)); // nulls are left out of the stored request
    }

    [Fact]
    public void RequestHash_IsTheSameForTheSameRequest_AndDiffersForAnother()
    {
        var a = JobPlanner.Series(Slot, Series(), Facts, 1_000_000).Job!;
        var b = JobPlanner.Series(Slot with { Id = Guid.NewGuid(), Now = Now.AddHours(1) }, Series(), Facts, 1_000_000).Job!;
        var c = JobPlanner.Series(Slot, Series() with { Format = "tsv" }, Facts, 1_000_000).Job!;
        Assert.Equal(64, a.RequestHash.Length);
        Assert.Equal(a.RequestHash, b.RequestHash);
        Assert.NotEqual(a.RequestHash, c.RequestHash);
    }

    [Fact]
    public void SameRequest_ReadsARowStoredBeforeThroughTodaysTypes()
    {
        var id = Guid.Parse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
        var e = Series() with { Delivery = ExportDelivery.To([id]) };
        var (request, hash) = JobPlanner.Stored(e);
        // The version before kept the delivery as sent: an id in upper case and a property it ignored.
        var node = System.Text.Json.Nodes.JsonNode.Parse(request.GetRawText())!.AsObject();
        node["delivery"] = System.Text.Json.Nodes.JsonNode.Parse($$"""{"destinations":["{{id.ToString().ToUpperInvariant()}}"],"note":"ops"}""");
        var before = JsonSerializer.SerializeToElement(node);
        Assert.True(JobPlanner.SameRequest(before, request, hash));
        // ... or an explicit null where today's leaves the delivery out.
        node["delivery"] = null;
        var (noDelivery, noDeliveryHash) = JobPlanner.Stored(Series());
        Assert.True(JobPlanner.SameRequest(JsonSerializer.SerializeToElement(node), noDelivery, noDeliveryHash));
        // Another request, or JSON that is no envelope, is not the same.
        var (other, otherHash) = JobPlanner.Stored(e with { Delivery = ExportDelivery.To([Guid.NewGuid()]) });
        Assert.False(JobPlanner.SameRequest(before, other, otherHash));
        Assert.False(JobPlanner.SameRequest(JsonDocument.Parse("[1]").RootElement, request, hash));
        Assert.False(JobPlanner.SameRequest(JsonDocument.Parse("""{"retry":"x"}""").RootElement, request, hash));
    }

    [Fact]
    public void TooLarge_Is413_NamingTheEstimateAndTheLimit()
    {
        using var culture = CultureScope.Invariant(); // the sizes are formatted with N0
        var (job, refused) = JobPlanner.Series(Slot, Series(), Facts, maxBytes: 49_999);
        Assert.Null(job);
        Assert.Equal((413, "The export would be too large"), (refused!.Status, refused.Title));
        Assert.Contains("50,000 bytes", refused.Detail);
        Assert.Contains("at most 49,999", refused.Detail);
        Assert.NotNull(JobPlanner.Series(Slot, Series(), Facts, maxBytes: 50_000).Job);
    }

    [Theory]
    [InlineData("Weekly: CPU / memory", "png", "Weekly: CPU / memory", "image/png")]
    [InlineData(null, "pdf", "Layout", "application/pdf")]
    public void LayoutJob_TitleFileAndMediaType(string? title, string format, string expectedTitle, string media)
    {
        var (job, refused) = JobPlanner.Layout(Slot, Layout(title, format), new LayoutLimits(), long.MaxValue);
        Assert.Null(refused);
        Assert.Equal((expectedTitle, media, format, (string?)null), (job!.Title, job.MediaType, job.Format, job.Source));
        Assert.EndsWith($"-2026-11-30.{format}", job.FileName);
        Assert.DoesNotContain('/', job.FileName);
        Assert.Null(job.EstimatedBytes);
    }

    [Fact]
    public void InvalidLayout_Is400_WithErrorsUnderLayout()
    {
        var bad = Layout("x") with { Layout = Layout("x").Layout! with { ViewportWidth = -5 } };
        var (job, refused) = JobPlanner.Layout(Slot, bad, new LayoutLimits(), long.MaxValue);
        Assert.Null(job);
        Assert.Equal((400, JobPlanner.InvalidTitle), (refused!.Status, refused.Title));
        Assert.All(refused.Fields!.Keys, k => Assert.StartsWith("layout.", k));
    }
}
