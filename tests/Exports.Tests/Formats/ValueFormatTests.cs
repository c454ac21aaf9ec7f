using System.Globalization;
using System.Text;
using Exports.Formats;

namespace Exports.Tests.Formats;

/// <summary>Numbers and times as the text formats write them, parsed back with the BCL and compared bit for bit.</summary>
public sealed class ValueFormatTests
{
    public static readonly double[] Hard =
    [
        -123456789.12345679, 1e-300, 5e-324, 1e300, double.MaxValue, -double.MaxValue, -0.0, 0.0, 0.1 + 0.2,
        2.2250738585072014E-308, 123456.5, 999999999999999.9, 1e15, 1e-5, 9.999e-6, -1234567.0, 0.5, 100, 1000, -999.999,
    ];

    static string Write(ValueFormat f, Action<Utf8Sink> write)
    {
        var ms = new MemoryStream();
        var sink = new Utf8Sink(ms);
        write(sink);
        sink.Flush();
        sink.Release();
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Undoes the separator options the way a reader told of them would, then parses invariantly.</summary>
    static double ReadBack(string s, string thousands, string dec) =>
        double.Parse((thousands.Length > 0 ? s.Replace(thousands, "") : s).Replace(dec, "."), NumberStyles.Float, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(",", ".")]
    [InlineData(".", ",")]
    [InlineData(" ", ",")]
    [InlineData("'", ".")]
    [InlineData("", ",")]
    [InlineData("", ".")]
    public void Grouped_numbers_read_back_to_the_same_double(string thousands, string dec)
    {
        var f = new ValueFormat { ThousandsSeparator = thousands, DecimalSeparator = dec };
        foreach (var v in Hard)
        {
            var text = Write(f, s => f.WriteDouble(s, v));
            Assert.True(text.Length <= 32, $"{v:R} written as {text.Length} characters");
            var back = ReadBack(text, thousands, dec);
            Assert.True(BitConverter.DoubleToInt64Bits(v) == BitConverter.DoubleToInt64Bits(back), $"{v:R} written as '{text}' reads back as {back:R}");
        }
    }

    [Fact]
    public void Grouping_applies_to_the_integer_part_only_and_not_to_exponent_form()
    {
        var f = new ValueFormat { ThousandsSeparator = ".", DecimalSeparator = "," };
        Assert.Equal("-123.456.789,12345679", Write(f, s => f.WriteDouble(s, -123456789.12345679)));
        Assert.Equal("123.456,5", Write(f, s => f.WriteDouble(s, 123456.5)));
        Assert.Equal("999", Write(f, s => f.WriteDouble(s, 999)));
        Assert.Equal("-1.000", Write(f, s => f.WriteDouble(s, -1000)));
        Assert.Equal("1E-300", Write(f, s => f.WriteDouble(s, 1e-300)));
        Assert.Equal("1,7976931348623157E+308", Write(f, s => f.WriteDouble(s, double.MaxValue)));
        Assert.Equal("-0", Write(f, s => f.WriteDouble(s, -0.0)));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Asia/Kathmandu")]
    [InlineData("America/St_Johns")]
    public void Iso_times_keep_the_stored_microseconds(string zone)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var f = new ValueFormat();
        var t0 = new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);
        foreach (var us in new long[] { 123456, 500000, 0, 1, 999999, 10 })
        {
            var utc = t0.AddTicks(us * 10);
            var text = Write(f, s => f.WriteTime(s, utc, tz));
            var back = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
            Assert.Equal(utc, back.UtcDateTime);
            Assert.Equal(tz.GetUtcOffset(utc), back.Offset);
            Assert.DoesNotMatch(@"\.\d*0[+-]", text); // trailing zeros trimmed
        }
    }
}
