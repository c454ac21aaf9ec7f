using System.Net.Http.Json;
using System.Text.Json;

namespace Exports.Tests.Infrastructure;

public static class Http
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient c, string url, object body) =>
        c.PostAsync(url, JsonContent.Create(body));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The per-widget statuses a visual export reports in its Export-Widgets header.</summary>
    public static List<JsonElement> WidgetStatuses(this HttpResponseMessage r) =>
        JsonDocument.Parse(r.Headers.GetValues("Export-Widgets").Single()).RootElement.EnumerateArray().ToList();

    /// <summary>Asserts a Problem Details answer with the status and, when given, a field error on that key.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage r, int status, string? field = null)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"Expected {status}, got {(int)r.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", r.Content.Headers.ContentType?.ToString());
        return ProblemBody(body, status, field);
    }

    /// <summary>A Problem Details body: its status and title, and, when given, a field error on that key.</summary>
    public static JsonElement ProblemBody(string body, int status, string? field)
    {
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("title").GetString()));
        if (field is not null)
        {
            Assert.True(json.TryGetProperty("errors", out var errors), $"No field errors in {body}");
            Assert.True(errors.TryGetProperty(field, out var msgs), $"No error for '{field}' in {body}");
            Assert.True(msgs.GetArrayLength() > 0);
        }
        return json;
    }
}
