using Exports.Shared;
using System.Globalization;
using System.Text.Json;

namespace Exports.Formats;

/// <summary>How dates and numbers are written: shared by every text format.</summary>
public sealed record ValueFormat
{
    /// <summary>"iso", "unix", "unix_ms", or a custom .NET date pattern such as "yyyy-MM-dd HH:mm".</summary>
    public string DateFormat { get; init; } = "iso";
    public int? Decimals { get; init; }
    public string DecimalSeparator { get; init; } = ".";
    public string ThousandsSeparator { get; init; } = "";

    NumberFormatInfo? _nfi;
    string? _numberPattern;
    public NumberFormatInfo Numbers => _nfi ??= new NumberFormatInfo
    {
        NumberDecimalSeparator = DecimalSeparator,
        NumberGroupSeparator = ThousandsSeparator.Length == 0 ? "," : ThousandsSeparator,
        NegativeSign = "-",
        NaNSymbol = "NaN", PositiveInfinitySymbol = "Infinity", NegativeInfinitySymbol = "-Infinity",
    };
    /// <summary>The number pattern: shortest round-trip unless decimals were asked for (grouping without decimals
    /// is applied to the round-trip digits by <see cref="WriteDouble"/>).</summary>
    public string NumberPattern => _numberPattern ??= (Decimals, ThousandsSeparator.Length > 0) switch
    {
        (null, _) => "R",
        ({ } d, false) => "F" + d,
        ({ } d, true) => "N" + d,
    };
    public bool IsIso => DateFormat == "iso";

    /// <summary>ISO 8601 with the stored precision (PostgreSQL keeps microseconds): trailing zeros of the fraction
    /// are trimmed, and a whole second has none.</summary>
    public const string IsoPattern = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFzzz";

    public static ValueFormat Parse(JsonElement? options, Errors errors, string prefix = "formatOptions")
    {
        var f = new ValueFormat();
        if (options is not { ValueKind: JsonValueKind.Object } o) return f;
        if (o.TryGetProperty("dateFormat", out var df))
        {
            var s = df.ValueKind == JsonValueKind.String ? df.GetString()! : "";
            if (s is "iso" or "unix" or "unix_ms") f = f with { DateFormat = s };
            else if (s.Length is > 0 and <= 64 && TryCustom(s)) f = f with { DateFormat = s };
            else errors.Add($"{prefix}.dateFormat", "Use iso, unix, unix_ms or a date pattern such as yyyy-MM-dd HH:mm:ss.");
        }
        if (o.TryGetProperty("decimals", out var dec) && dec.ValueKind != JsonValueKind.Null)
        {
            if (dec.ValueKind == JsonValueKind.Number && dec.TryGetInt32(out var d) && d is >= 0 and <= 15) f = f with { Decimals = d };
            else errors.Add($"{prefix}.decimals", "decimals must be a whole number from 0 to 15.");
        }
        if (o.TryGetProperty("decimalSeparator", out var ds))
        {
            if (ds.Text() is "." or ",") f = f with { DecimalSeparator = ds.Text()! };
            else errors.Add($"{prefix}.decimalSeparator", "decimalSeparator must be '.' or ','.");
        }
        if (o.TryGetProperty("thousandsSeparator", out var ts))
        {
            if (ts.Text() is "" or "," or "." or " " or "'") f = f with { ThousandsSeparator = ts.Text()! };
            else errors.Add($"{prefix}.thousandsSeparator", "thousandsSeparator must be empty, ',', '.', ' ' or an apostrophe.");
        }
        if (f.ThousandsSeparator.Length > 0 && f.ThousandsSeparator == f.DecimalSeparator)
            errors.Add($"{prefix}.thousandsSeparator", "The thousands and decimal separators must differ.");
        return f;
    }


    static bool TryCustom(string pattern)
    {
        if (!pattern.Any(char.IsLetter)) return false;
        try { _ = new DateTimeOffset(2024, 2, 3, 4, 5, 6, TimeSpan.Zero).ToString(pattern, CultureInfo.InvariantCulture); return true; }
        catch (FormatException) { return false; }
    }

    /// <summary>Writes a UTC time in the export's zone.</summary>
    public void WriteTime(Utf8Sink sink, DateTime utc, TimeZoneInfo zone)
    {
        var span = sink.Reserve(64);
        int n;
        switch (DateFormat)
        {
            case "unix": ((long)(utc - DateTime.UnixEpoch).TotalSeconds).TryFormat(span, out n, default, CultureInfo.InvariantCulture); break;
            case "unix_ms": ((long)(utc - DateTime.UnixEpoch).TotalMilliseconds).TryFormat(span, out n, default, CultureInfo.InvariantCulture); break;
            default:
                var local = zone == TimeZoneInfo.Utc ? new DateTimeOffset(utc, TimeSpan.Zero) : TimeZoneInfo.ConvertTime(new DateTimeOffset(utc, TimeSpan.Zero), zone);
                if (!local.TryFormat(span, out n, IsIso ? IsoPattern : DateFormat, CultureInfo.InvariantCulture))
                {
                    sink.Text(local.ToString(IsIso ? IsoPattern : DateFormat, CultureInfo.InvariantCulture));
                    return;
                }
                break;
        }
        sink.Advance(n);
    }

    public void WriteDouble(Utf8Sink sink, double v)
    {
        if (Decimals is null && ThousandsSeparator.Length > 0) { WriteGrouped(sink, v); return; }
        var span = sink.Reserve(64);
        if (!v.TryFormat(span, out var n, NumberPattern, Numbers)) { sink.Text(v.ToString(NumberPattern, Numbers)); return; }
        sink.Advance(n);
    }

    /// <summary>The shortest round-trip digits ("R") with the integer part grouped, so grouping never changes the
    /// value. Where "R" uses exponent form (|v| below 1e-5 or from 1e15 on) there is nothing to group: the mantissa
    /// keeps its digits and only the decimal separator applies.</summary>
    void WriteGrouped(Utf8Sink sink, double v)
    {
        Span<char> r = stackalloc char[32];
        if (!double.IsFinite(v) || !v.TryFormat(r, out var n, "R", CultureInfo.InvariantCulture)) { sink.Text(v.ToString("R", Numbers)); return; }
        var exponent = r[..n].IndexOf('E') >= 0;
        var intEnd = r[..n].IndexOfAny('.', 'E') is var e and >= 0 ? e : n;
        var start = r[0] == '-' ? 1 : 0;
        Span<char> o = stackalloc char[64];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            if (r[i] == '.') { DecimalSeparator.AsSpan().CopyTo(o[k..]); k += DecimalSeparator.Length; continue; }
            o[k++] = r[i];
            if (!exponent && i >= start && i < intEnd - 1 && (intEnd - i - 1) % 3 == 0)
            {
                ThousandsSeparator.AsSpan().CopyTo(o[k..]);
                k += ThousandsSeparator.Length;
            }
        }
        sink.Text(o[..k]);
    }

    public void WriteLong(Utf8Sink sink, long v)
    {
        var span = sink.Reserve(32);
        v.TryFormat(span, out var n, ThousandsSeparator.Length > 0 ? "#,##0" : default, Numbers);
        sink.Advance(n);
    }

    public double Round(double v) => Decimals is { } d ? Math.Round(v, d, MidpointRounding.AwayFromZero) : v;
}
