using System.Buffers;
using System.Text;
using System.Text.Json;
using Exports.Shared;
using Microsoft.AspNetCore.Http.Metadata;

namespace Exports.Host;

/// <summary>
/// The edge every API request crosses before a handler sees it. One rule for the whole API, whatever the route:
/// no string a client sends (query value, route value, JSON property name or value) may hold NUL or an unpaired
/// surrogate, which PostgreSQL and every text format refuse; a JSON body is well-formed, within
/// <see cref="ExportsSettings.MaxJsonBytes"/> and sent as JSON. Each refusal is a Problem Details naming the field.
/// Routes that parse their own body (ingest streams) declare no JSON body and only get the query and route checks.
/// </summary>
public sealed class RequestGuard(RequestDelegate next, ExportsSettings settings)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        if (!ctx.Request.Path.StartsWithSegments("/api"))
        {
            await next(ctx);
            return;
        }
        var errors = new Errors();
        foreach (var (key, values) in ctx.Request.Query)
        {
            CheckText(key, key, errors);
            foreach (var v in values) CheckText(key, v, errors);
        }
        foreach (var (key, value) in ctx.Request.RouteValues)
            if (value is string s) CheckText(key, s, errors);
        if (errors.Any)
        {
            await Problems.Validation(errors.ToDictionary()).ExecuteAsync(ctx);
            return;
        }

        var accepts = ctx.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>();
        if (accepts is not null && accepts.ContentTypes.All(IsJson) && HasBody(ctx.Request))
        {
            var (body, refusal) = await ReadJsonAsync(ctx, settings.MaxJsonBytes, "");
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(ctx);
                return;
            }
            ctx.Request.Body = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
            ctx.Request.ContentLength = body.Count;
        }
        await next(ctx);
    }

    /// <summary>For a route that reads an optional JSON body itself: the same checks the guard makes of a declared one
    /// (415 unless sent as JSON, 413 past EXPORTS_MAX_JSON_BYTES, 400 for malformed JSON, NUL or unpaired surrogates,
    /// naming the field). Returns the body (null when none was sent) or the refusal.</summary>
    public static async Task<(byte[]? Body, IResult? Refusal)> ReadOptionalJsonAsync(HttpContext ctx, long max)
    {
        if (!HasBody(ctx.Request)) return (null, null);
        var (body, refusal) = await ReadJsonAsync(ctx, max, ", or send no body");
        return refusal is not null ? (null, refusal) : (body.ToArray(), null);
    }

    /// <summary>A present body checked as JSON: 415 unless sent as JSON, 413 past <paramref name="max"/> bytes, 400 for
    /// malformed JSON, NUL or unpaired surrogates (each under its JSON path); otherwise the whole body.</summary>
    static async Task<(ArraySegment<byte> Body, IResult? Refusal)> ReadJsonAsync(HttpContext ctx, long max, string orElse)
    {
        if (!IsJson(ctx.Request.ContentType))
            return (default, Problems.Status(415, "Unsupported media type",
                $"Send the body as JSON with 'Content-Type: application/json' (got '{ctx.Request.ContentType ?? "none"}'){orElse}."));
        if (await ReadBodyAsync(ctx, max) is not { } body)
            return (default, Problems.Status(413, "Request body too large", $"A JSON body may hold at most {max:N0} bytes (EXPORTS_MAX_JSON_BYTES)."));
        var errors = new Errors();
        ScanJson(body, errors);
        return errors.Any ? (default, Problems.Validation(errors.ToDictionary())) : (body, null);
    }

    static bool HasBody(HttpRequest r) => r.ContentLength > 0 || (r.ContentLength is null && r.Headers.TransferEncoding.Count > 0);

    static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="max"/>.</summary>
    static async Task<ArraySegment<byte>?> ReadBodyAsync(HttpContext ctx, long max)
    {
        if (ctx.Request.ContentLength > max) return null;
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
            {
                if (buffer.Length + n > max) return null;
                buffer.Write(chunk, 0, n);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(chunk); }
        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length); // the buffer itself, not a copy
    }

    /// <summary>A query or route value: refused when it holds NUL or an unpaired surrogate.</summary>
    public static void CheckText(string field, string? text, Errors errors)
    {
        if (Problem(text) is { } p) errors.Add(field, p);
    }

    /// <summary>Why a client's string cannot be stored or written, or null when it can.</summary>
    public static string? Problem(string? text) => StorableText.Fault(text, out var at) switch
    {
        TextFault.Nul => "Text must not contain the NUL character (U+0000).",
        TextFault.LoneSurrogate => $"Text must not contain an unpaired surrogate (U+{(int)text![at]:X4}): send valid UTF-8.",
        _ => null,
    };

    /// <summary>Walks a JSON document once: malformed JSON is reported where it broke, every property name and string
    /// value is checked as text, each under its JSON path (<c>widgets[3].query.metrics[0]</c>).</summary>
    public static void ScanJson(ReadOnlySpan<byte> json, Errors errors)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        var path = new List<Segment>();
        const int maxErrors = 20;
        var found = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        Advance(path);
                        path.Add(reader.TokenType == JsonTokenType.StartArray ? Segment.Array() : Segment.Object());
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadText(ref reader, out var nameProblem);
                        path[^1] = path[^1] with { Name = name ?? "?" };
                        if (nameProblem is not null && found++ < maxErrors) errors.Add(Format(path, includeLast: true), $"Property name: {nameProblem}");
                        break;
                    default:
                        Advance(path);
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            ReadText(ref reader, out var problem);
                            if (problem is not null && found++ < maxErrors) errors.Add(Format(path, includeLast: true), problem);
                        }
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var at = Format(path, includeLast: true);
            errors.Add(at.Length == 0 ? "body" : at,
                $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {JsonErrors.Reason(e.Message)}");
        }
    }

    static string? ReadText(ref Utf8JsonReader reader, out string? problem)
    {
        try
        {
            var s = reader.GetString();
            problem = Problem(s);
            return s;
        }
        catch (InvalidOperationException)
        {
            problem = "Text must be valid UTF-8 without unpaired surrogates.";
            return null;
        }
    }

    /// <summary>A value arrives in the innermost container: an array counts it, an object already named it.</summary>
    static void Advance(List<Segment> path)
    {
        if (path.Count > 0 && path[^1].IsArray) path[^1] = path[^1] with { Index = path[^1].Index + 1 };
    }

    static string Format(List<Segment> path, bool includeLast)
    {
        var sb = new StringBuilder();
        var count = includeLast ? path.Count : path.Count - 1;
        for (var i = 0; i < count; i++)
        {
            var s = path[i];
            if (s.IsArray) { if (s.Index >= 0) sb.Append('[').Append(s.Index).Append(']'); }
            else if (s.Name is { } n)
            {
                if (IsIdentifier(n)) { if (sb.Length > 0) sb.Append('.'); sb.Append(n); }
                else sb.Append("['").Append(StorableText.Display(n).Replace("'", "\\'")).Append("']");
            }
        }
        return sb.ToString();
    }

    static bool IsIdentifier(string n) => n.Length > 0 && n.Length <= 128 && (char.IsLetter(n[0]) || n[0] == '_')
        && n.All(c => char.IsLetterOrDigit(c) || c is '_' or '-');

    readonly record struct Segment(bool IsArray, int Index, string? Name)
    {
        public static Segment Array() => new(true, -1, null);
        public static Segment Object() => new(false, 0, null);
    }
}
