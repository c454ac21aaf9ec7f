using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Host;

/// <summary>
/// Reads a JSON request body with the app's serializer options and turns every way it can be wrong into Problem
/// Details: another media type is a 415; a body past Kestrel's limit a 413; malformed JSON, a wrong type or text that
/// is not valid UTF-8 / UTF-16 a 400 keyed by the JSON path where it broke (line and byte in the message). Minimal
/// APIs' own binding answers these with a bare 400 (or a 500 for a lone surrogate).
/// </summary>
public static class RequestBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest http, JsonSerializerOptions options, CancellationToken ct)
        where T : class
    {
        if (!http.HasJsonContentType())
            return (null, Problems.Status(415, "Unsupported Content-Type", $"'{http.ContentType}' is not accepted: send application/json."));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(http.Body, options, ct);
            return value is null ? (null, Problems.Field("body", "The body is null: send a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            var path = Path(e.Path);
            var message = e.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            var at = e.LineNumber is { } line ? $" at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "";
            var inner = e.InnerException is InvalidOperationException io ? $" ({io.Message})" : "";
            return (null, Problems.Field(path, $"The body is not valid{at}{(path == "body" ? "" : $" ({path})")}: {message}{inner}"));
        }
        catch (InvalidOperationException e)
        {
            return (null, Problems.Field("body", $"The body holds text that is not valid UTF-8 / UTF-16: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Status(413, "The body is too large", e.Message));
        }
    }

    /// <summary>"$.fields[0].name" → "fields[0].name"; "$" or none → "body".</summary>
    public static string Path(string? jsonPath) => jsonPath switch
    {
        null or "" or "$" => "body",
        _ when jsonPath.StartsWith("$.", StringComparison.Ordinal) => jsonPath[2..],
        _ when jsonPath.StartsWith('$') => jsonPath[1..],
        _ => jsonPath,
    };
}
