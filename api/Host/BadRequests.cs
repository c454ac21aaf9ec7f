using System.Text.Json;
using Exports.Shared;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Exports.Host;

/// <summary>Turns what the framework throws while binding a request (a JSON value of the wrong type, a query value
/// that is not a number or a date, a body over Kestrel's limit) into the Problem Details a client can act on, naming
/// the field; and a request that lost a race with another (a unique or foreign-key violation, a deadlock: the
/// transaction rolled back whole) into 409 or 503. Anything else stays a 500: those are our bugs, not the client's.</summary>
public sealed partial class BadRequests : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext ctx, Exception exception, CancellationToken ct)
    {
        if (ctx.Response.HasStarted) return false;
        switch (exception)
        {
            case BadHttpRequestException bad:
                if (bad.StatusCode == 413)
                {
                    await Problems.Status(413, "Request body too large", bad.Message).ExecuteAsync(ctx);
                    return true;
                }
                if (bad.StatusCode == 415)
                {
                    await Problems.Status(415, "Unsupported media type", "Send the body as JSON with 'Content-Type: application/json'.").ExecuteAsync(ctx);
                    return true;
                }
                var (field, message) = Describe(bad);
                await Problems.Field(field, message).ExecuteAsync(ctx);
                return true;
            case JsonException json:
                await Problems.Field(JsonField(json.Path), Clean(json.Message)).ExecuteAsync(ctx);
                return true;
            case Exception e when Find<JasperFx.ConcurrencyException>(e) is { } c:
                // A document saved with optimistic concurrency (a dashboard, a destination) changed between this request's
                // load and save (a destination's update merges again first, and only gives up after several refusals).
                await Problems.Status(409, $"The {(c.DocType?.ToString()?.Contains(nameof(Exports.Delivery.StoredDestination)) == true ? "destination" : "dashboard")} was changed by another request; load it again",
                    "Another request changed or removed it after this one read it; nothing was saved.").ExecuteAsync(ctx);
                return true;
            case Exception e when Find<Marten.Exceptions.NonExistentDocumentException>(e) is not null:
                // The document was deleted between this request's load and its save.
                await Problems.NotFound("It was deleted by another request; nothing was saved.").ExecuteAsync(ctx);
                return true;
            case Exception e when Race(e) is { } state:
                // Two requests raced: a name taken at the same moment, a row the other one removed, a deadlock. The
                // transaction rolled back whole; the client's request was fine and may simply be repeated.
                if (state is "40P01" or "40001")
                {
                    ctx.Response.Headers.RetryAfter = "1";
                    await Problems.Status(503, "Busy with a concurrent change", "Another request changed the same data at the same moment and nothing was saved; retry.").ExecuteAsync(ctx);
                }
                else await Problems.Status(409, "Conflicts with a concurrent change", state == "23505"
                    ? "Another request saved the same name at the same moment; nothing was saved. Choose another name, or reload."
                    : "Something this request refers to was removed at the same moment; nothing was saved. Reload and retry.").ExecuteAsync(ctx);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The exception of type <typeparamref name="T"/> in <paramref name="e"/> or among its inner exceptions.</summary>
    static T? Find<T>(Exception e) where T : Exception
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is T t) return t;
            if (x is AggregateException agg) return agg.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null);
        }
        return null;
    }

    /// <summary>The SQLSTATE of a concurrency failure (unique or foreign-key violation, deadlock, serialization).</summary>
    static string? Race(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is Npgsql.PostgresException { SqlState: "23505" or "23503" or "40P01" or "40001" } pg) return pg.SqlState;
        return null;
    }

    static (string Field, string Message) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json) return (JsonField(json.Path), Clean(json.Message));
        if (bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
            return ("body", "A JSON body is required.");
        var m = ParameterName().Match(bad.Message);
        if (m.Success)
        {
            var name = m.Groups["name"].Value;
            var value = m.Groups["value"].Success ? m.Groups["value"].Value : null;
            return (name, value is null ? $"'{name}' is required or not valid." : $"'{value}' is not a valid value for {name}.");
        }
        return ("request", bad.Message);
    }

    /// <summary>"$.widgets[2].theme.mode" → "widgets[2].theme.mode".</summary>
    public static string JsonField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.StartsWith('$') ? path[1..] : path;
        return p.Length == 0 ? "body" : p;
    }

    /// <summary>What a JSON error means for the client: an empty body is "required", a value of the wrong type says
    /// which JSON type was expected.</summary>
    public static string Describe(JsonException e) =>
        e.Message.Contains("does not contain any JSON tokens", StringComparison.Ordinal) ? "A JSON body is required." : Clean(e.Message);

    static string Clean(string message)
    {
        var m = JsonErrors.Reason(message);
        // "The JSON value could not be converted to System.Int32." names a .NET type: say it in JSON terms.
        var typed = Converted().Match(m);
        return typed.Success ? $"The value has the wrong type: expected {Friendly(typed.Groups["type"].Value)}." : m;
    }

    static string Friendly(string clr)
    {
        if (clr.StartsWith("System.Nullable`1[", StringComparison.Ordinal)) clr = clr["System.Nullable`1[".Length..].TrimEnd(']');
        if (clr.Contains("Dictionary`", StringComparison.Ordinal)) return "an object";
        if (clr.Contains("List`", StringComparison.Ordinal) || clr.EndsWith("[]", StringComparison.Ordinal) || clr.Contains("IEnumerable`", StringComparison.Ordinal)) return "an array";
        return clr switch
        {
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Double" or "System.Decimal" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            "System.Guid" => "an id (GUID)",
            "System.DateTimeOffset" or "System.DateTime" => "an ISO-8601 date-time",
            _ => "an object",
        };
    }

    [GeneratedRegex(@"could not be converted to (?<type>\S+?)\.?$")]
    private static partial Regex Converted();

    [GeneratedRegex(@"parameter ""(?:[^""]*\s)?(?<name>\w+)""(?: from ""(?<value>[^""]*)"")?")]
    private static partial Regex ParameterName();

}
