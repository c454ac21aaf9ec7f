using System.Text.Json;
using System.Text.Json.Serialization;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;

namespace Exports.Jobs;

/// <summary>Which of the destinations an export names the owner does not have (implemented by Delivery).</summary>
public interface IDeliveryTargets
{
    Task<IReadOnlyList<Guid>> MissingAsync(Guid owner, IReadOnlyList<Guid> ids, CancellationToken ct);
}

/// <summary>A retry policy for transient failures: attempts, linear or exponential backoff from a base delay, capped,
/// with or without jitter. One type for an export's own policy (the envelope's <c>retry</c>), a schedule's (copied
/// into the envelope of each run), deliveries' and the node's (EXPORTS_RETRY_*). A field left out of the JSON takes
/// its default (<see cref="Default"/>: 3 attempts, exponential from 1 s, capped at 30 s, with jitter), and so does a
/// field sent as JSON null, as with the nullable RetrySpec schedules had before.</summary>
public sealed record JobRetry
{
    public const int MaxAttempts = 10, MaxBaseDelayMs = 600_000, MaxMaxDelayMs = 3_600_000;
    public static readonly JobRetry Default = new();

    /// <summary>The limits in one sentence (the envelope's one message for a policy out of them).</summary>
    public static readonly string Limits =
        $"retry has attempts 1-{MaxAttempts}, backoff linear or exponential, baseDelayMs 1-{MaxBaseDelayMs}, maxDelayMs 1-{MaxMaxDelayMs}.";

    public JobRetry() { }

    public JobRetry(int Attempts, string Backoff, int BaseDelayMs, int MaxDelayMs, bool Jitter) =>
        (this.Attempts, this.Backoff, this.BaseDelayMs, this.MaxDelayMs, this.Jitter) = (Attempts, Backoff, BaseDelayMs, MaxDelayMs, Jitter);

    public const int DefaultAttempts = 3, DefaultBaseDelayMs = 1000, DefaultMaxDelayMs = 30_000;
    public const string DefaultBackoff = "exponential";
    public const bool DefaultJitter = true;

    [NullIs(DefaultAttempts)] public int Attempts { get; init; } = DefaultAttempts;
    /// <summary>linear or exponential; a JSON null is the default.</summary>
    public string Backoff { get; init => field = value ?? DefaultBackoff; } = DefaultBackoff;
    [NullIs(DefaultBaseDelayMs)] public int BaseDelayMs { get; init; } = DefaultBaseDelayMs;
    [NullIs(DefaultMaxDelayMs)] public int MaxDelayMs { get; init; } = DefaultMaxDelayMs;
    [NullIs(DefaultJitter)] public bool Jitter { get; init; } = DefaultJitter;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (full jitter keeps at least half of it).</summary>
    public TimeSpan Delay(int attempt)
    {
        var ms = Backoff == "linear" ? BaseDelayMs * (double)attempt : BaseDelayMs * Math.Pow(2, attempt - 1);
        ms = Math.Min(ms, MaxDelayMs);
        return TimeSpan.FromMilliseconds(Jitter ? ms / 2 + Random.Shared.NextDouble() * ms / 2 : ms);
    }

    /// <summary>Each field out of its limits, keyed <c>{at}.attempts</c> and so on.</summary>
    public void Validate(Errors errors, string at)
    {
        if (Attempts is < 1 or > MaxAttempts) errors.Add($"{at}.attempts", $"attempts is from 1 to {MaxAttempts}.");
        if (Backoff is not ("linear" or "exponential")) errors.Add($"{at}.backoff", "backoff is linear or exponential.");
        if (BaseDelayMs is < 1 or > MaxBaseDelayMs) errors.Add($"{at}.baseDelayMs", $"baseDelayMs is from 1 to {MaxBaseDelayMs}.");
        if (MaxDelayMs is < 1 or > MaxMaxDelayMs) errors.Add($"{at}.maxDelayMs", $"maxDelayMs is from 1 to {MaxMaxDelayMs}.");
    }

    public bool IsValid()
    {
        var e = new Errors();
        Validate(e, "retry");
        return !e.Any;
    }
}

/// <summary>On a value-type property: a JSON null reads as <see cref="Value"/> (the property's default), as the
/// nullable fields of the RetrySpec before did; any other value reads as the type's own converter reads it (the same
/// errors, named by their field).</summary>
[AttributeUsage(AttributeTargets.Property)]
sealed class NullIsAttribute : JsonConverterAttribute
{
    public NullIsAttribute(int value) => Value = value;
    public NullIsAttribute(bool value) => Value = value;
    public object Value { get; }

    public override JsonConverter? CreateConverter(Type typeToConvert) => Value switch
    {
        int i => new NullIsInt(i),
        bool b => new NullIsBool(b),
        _ => null,
    };

    sealed class NullIsInt(int value) : JsonConverter<int>
    {
        public override bool HandleNull => true;
        public override int Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return value;
            // A number in a string, where the options allow it (JsonSerializerOptions.Web does).
            if (reader.TokenType == JsonTokenType.String && options.NumberHandling.HasFlag(JsonNumberHandling.AllowReadingFromString)
                && int.TryParse(reader.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n))
                return n;
            return reader.GetInt32();
        }
        public override void Write(Utf8JsonWriter writer, int v, JsonSerializerOptions options) => writer.WriteNumberValue(v);
    }

    sealed class NullIsBool(bool value) : JsonConverter<bool>
    {
        public override bool HandleNull => true;
        public override bool Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? value : reader.GetBoolean();
        public override void Write(Utf8JsonWriter writer, bool v, JsonSerializerOptions options) => writer.WriteBooleanValue(v);
    }
}

/// <summary>Where the finished file goes besides history: <c>{ "destinations": [ids] }</c>. Read from any JSON (a
/// value that is not this shape is kept as <see cref="Problems"/> for the envelope's validator to report, never a
/// binding error), written back as that shape.</summary>
[JsonConverter(typeof(ExportDeliveryJson))]
public sealed record ExportDelivery
{
    /// <summary>The destination ids (those that are ids, when some are not); null when none were named.</summary>
    public IReadOnlyList<Guid>? Destinations { get; init; }
    /// <summary>What was wrong with the JSON: field (under <c>delivery</c>, "" for the value itself) and message.</summary>
    [JsonIgnore] public IReadOnlyList<(string Field, string Message)> Problems { get; init; } = [];
    /// <summary>Each of <see cref="Destinations"/>' place in the JSON list (which also held what was not an id), so a
    /// problem with an id is reported at its own index; empty when they are the whole list.</summary>
    [JsonIgnore] public IReadOnlyList<int> Positions { get; init; } = [];

    /// <summary>Where <see cref="Destinations"/>[<paramref name="k"/>] stood in the list as sent.</summary>
    public int PositionOf(int k) => k < Positions.Count ? Positions[k] : k;

    public static ExportDelivery To(IReadOnlyList<Guid> destinations) => new() { Destinations = destinations };

    public static ExportDelivery Read(JsonElement e)
    {
        if (e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return new();
        if (e.ValueKind != JsonValueKind.Object) return new() { Problems = [("", "delivery must be an object.")] };
        if (!e.TryGetProperty("destinations", out var dests)) return new();
        if (dests.ValueKind != JsonValueKind.Array)
            return new() { Problems = [("destinations", "destinations is a list of destination ids.")] };
        var (ids, positions, problems, i) = (new List<Guid>(), new List<int>(), new List<(string, string)>(), 0);
        foreach (var d in dests.EnumerateArray())
        {
            if (d.ValueKind == JsonValueKind.String && d.TryGetGuid(out var g)) { ids.Add(g); positions.Add(i); }
            else problems.Add(($"destinations[{i}]", "Not a destination id."));
            i++;
        }
        return new() { Destinations = ids, Positions = positions, Problems = problems };
    }
}

sealed class ExportDeliveryJson : JsonConverter<ExportDelivery>
{
    public override ExportDelivery Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return ExportDelivery.Read(doc.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, ExportDelivery value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Destinations is { } ids)
        {
            writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName("Destinations") ?? "destinations");
            writer.WriteStartArray();
            foreach (var id in ids) writer.WriteStringValue(id);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }
}

/// <summary>Any export in one shape: <c>{ "kind": "series" | "layout", "series": {...} | "layout": {...}, "format",
/// "options", "compression", "delivery", "retry" }</c>. The top-level format, options and compression win over the
/// inner request's own. <see cref="Options"/> stays JSON here: what it may hold depends on the format, whose own
/// options type reads it when the export is prepared (<see cref="Exports.Formats.FormatSpec.Parse"/>).</summary>
public sealed record ExportEnvelope
{
    public string? Kind { get; init; }
    public ExportRequest? Series { get; init; }
    public ExportLayout? Layout { get; init; }
    public string? Format { get; init; }
    public JsonElement? Options { get; init; }
    public string? Compression { get; init; }
    /// <summary>Where the finished file goes besides history (e-mail, webhook, S3, SFTP): kept with the job.</summary>
    public ExportDelivery? Delivery { get; init; }
    /// <summary>This export's own retry policy for transient failures (schedules set it); the node's otherwise.</summary>
    public JobRetry? Retry { get; init; }

    /// <summary>The envelope's one validator (everything that needs no database: the owner's destinations are checked
    /// by the planner): returns the envelope with the top-level settings folded into the inner request, so the stored
    /// request is the one that runs.</summary>
    public ExportEnvelope Normalized(Errors errors)
    {
        var e = Folded(errors);
        foreach (var (field, message) in Delivery?.Problems ?? [])
            if (field.Length > 0) errors.Add($"delivery.{field}", message);
        if (Retry is { } retry && !retry.IsValid()) errors.Add("retry", JobRetry.Limits);
        return e;
    }

    /// <summary>The envelope with the top-level settings folded into the inner request, with only the errors of its
    /// shape (kind, options, a delivery that is not an object); <see cref="Normalized"/> adds the delivery's ids and
    /// the retry policy's limits.</summary>
    public ExportEnvelope Folded(Errors errors)
    {
        var kind = (Kind ?? (Layout is not null && Series is null ? "layout" : "series")).Trim().ToLowerInvariant();
        if (kind is not ("series" or "layout")) { errors.Add("kind", "kind must be series or layout."); return this; }
        if (Options is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
            errors.Add("options", "options must be an object.");
        if (Delivery?.Problems is { Count: > 0 } p && p[0].Field.Length == 0)
            errors.Add("delivery", p[0].Message);
        if (kind == "series")
        {
            if (Series is null) { errors.Add("series", "A series export needs a series request."); return this; }
            var s = Series with
            {
                Format = Format ?? Series.Format,
                FormatOptions = Options is { ValueKind: JsonValueKind.Object } ? Options : Series.FormatOptions,
                Compression = Compression ?? Series.Compression,
            };
            return this with { Kind = kind, Series = s, Layout = null, Format = s.Format ?? "csv", Options = s.FormatOptions, Compression = s.Compression };
        }
        if (Layout is null) { errors.Add("layout", "A layout export needs a layout."); return this; }
        if (Compression is { Length: > 0 } c && c != "none") errors.Add("compression", "Layout exports (PNG, PDF) are not compressed.");
        var l = Layout with { Format = Format ?? Layout.Format };
        return this with { Kind = kind, Layout = l, Series = null, Format = l.Format ?? "png", Compression = null };
    }
}
