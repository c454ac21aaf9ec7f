using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exports.Host;

/// <summary>Reads every date-time a client sends as the UTC instant it names (PostgreSQL's timestamptz takes UTC
/// only; "+14:00" is how the client wrote it, not part of the value) and refuses one outside what .NET and
/// PostgreSQL both hold, as a JSON error on its path.</summary>
public sealed class UtcInstants : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
            throw new JsonException("The value is not an ISO-8601 date-time such as 2026-11-29T09:00:00Z.");
        if (!Series.Timeframes.InRange(value))
            throw new JsonException("The date-time is outside the years 1 to 9999.");
        return value.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
