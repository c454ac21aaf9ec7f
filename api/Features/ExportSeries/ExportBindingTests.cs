using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>How the series export routes bind on FastEndpoints, as they did as Minimal API routes: the body is the
/// export request itself (its fields named from the root), a JSON null is no body, the query string never replaces
/// the body, and the preview's chartWidth is refused with one message whatever is wrong with it.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExportBindingTests(ApiFixture api)
{
    const string Ok = "{\"source\":\"servers\",\"timeframe\":{\"last\":\"1h\"}}";

    static Task<HttpResponseMessage> PostAsync(HttpClient c, string url, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return c.PostAsync(url, content);
    }

    [Theory]
    [InlineData("/api/v1/exports/series")]
    [InlineData("/api/v1/exports/series/preview")]
    [InlineData("/api/v1/exports/series/preview?chartWidth=abc")]
    [InlineData("/api/v1/exports/series/direct")]
    public async Task AJsonNullBody_IsABodyError(string url)
    {
        var p = await (await PostAsync(api.Demo(), url, "null")).ProblemAsync(400, "body");
        Assert.Equal("A JSON body is required.", p.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Single(p.GetProperty("errors").EnumerateObject());
    }

    [Theory]
    [InlineData("/api/v1/exports/series")]
    [InlineData("/api/v1/exports/series/preview")]
    [InlineData("/api/v1/exports/series/direct")]
    public async Task NullElements_AreNamedFromTheBodysRoot(string url)
    {
        var p = await (await PostAsync(api.Demo(), url, "{\"source\":\"servers\",\"metrics\":[null],\"columns\":{\"include\":[null]}}")).ProblemAsync(400, "metrics[0]");
        Assert.True(p.GetProperty("errors").TryGetProperty("columns.include[0]", out _), p.ToString());
    }

    [Fact]
    public async Task TheQueryString_DoesNotReplaceTheBody()
    {
        var r = await PostAsync(api.Demo(), "/api/v1/exports/series?source=nope&format=json", Ok);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("text/csv", r.Content.Headers.ContentType?.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("%2B100")]
    [InlineData("100&chartWidth=200")]
    [InlineData("1e2")]
    public async Task PreviewChartWidth_AnythingButAWholeNumberInRange_IsTheOneFieldError(string width)
    {
        var p = await (await PostAsync(api.Demo(), $"/api/v1/exports/series/preview?chartWidth={width}", Ok)).ProblemAsync(400, "chartWidth");
        Assert.Equal("chartWidth must be a whole number of pixels from 16 to 2000.", p.GetProperty("errors").GetProperty("chartWidth")[0].GetString());
    }

    [Fact]
    public async Task PreviewChartWidth_IsReadWhateverItsCase_AndABadBodyIsReportedBeforeIt()
    {
        var chart = await (await PostAsync(api.Demo(), "/api/v1/exports/series/preview?CHARTWIDTH=40", Ok)).JsonAsync();
        Assert.Equal(40, chart.GetProperty("chart").GetProperty("width").GetInt32());
        var p = await (await PostAsync(api.Demo(), "/api/v1/exports/series/preview?chartWidth=abc", "{\"metrics\":[null]}")).ProblemAsync(400, "metrics[0]");
        Assert.False(p.GetProperty("errors").TryGetProperty("chartWidth", out _), p.ToString());
    }

    [Fact]
    public async Task DirectDownload_ATokenGivenTwice_IsNotValid()
    {
        var (_, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "servers", kind = "timeseries" })).StatusCode);
        var link = await (await PostAsync(client, "/api/v1/exports/series/direct", Ok)).JsonAsync();
        var url = link.GetProperty("url").GetString()!;
        var twice = await api.CreateClient().GetAsync(url + "&token=x");
        Assert.Equal("It was changed or never issued.", (await twice.ProblemAsync(403)).GetProperty("detail").GetString());
        var once = await api.CreateClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, once.StatusCode);
    }
}
