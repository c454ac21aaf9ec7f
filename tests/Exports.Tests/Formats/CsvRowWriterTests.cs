using System.Text;
using System.Text.Json;
using Exports.Formats;
using Exports.Formats.Csv;
using Exports.Shared;

namespace Exports.Tests.Formats;

public sealed class CsvRowWriterTests
{
    static readonly OutputColumn[] Cols = [new("time", ColumnType.Time, 0), new("name", ColumnType.String, 1), new("v", ColumnType.Double, 2), new("n", ColumnType.Long, 3)];

    static string Write(string optionsJson, params (string? Name, double V, long N)[] rows)
    {
        var errors = new Errors();
        var options = CsvOptions.Parse(JsonDocument.Parse(optionsJson).RootElement, tsv: false, errors);
        Assert.False(errors.Any, string.Join(";", errors.ToDictionary().Select(e => e.Key)));
        var ms = new MemoryStream();
        var w = new CsvRowWriter(new ExportSchema(Cols, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), new Dictionary<string, object?>()), ms, options);
        w.BeginAsync(default).AsTask().Wait();
        var row = new RowBuffer(4);
        foreach (var (name, v, n) in rows)
        {
            row.Times[0] = new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc);
            row.Strings[1] = name; row.Nulls[1] = name is null;
            row.Doubles[2] = v; row.Longs[3] = n;
            w.Write(row);
        }
        w.EndAsync(default).AsTask().Wait();
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public void MinimalQuoting_QuotesOnlyWhatNeedsIt_AndTimesAreInTheZone()
    {
        var text = Write("{}", ("a,b", 1.5, 3), ("say \"hi\"", 0.1, -4), (null, 2, 0));
        Assert.Equal("time,name,v,n\n2026-07-01T14:00:00+02:00,\"a,b\",1.5,3\n2026-07-01T14:00:00+02:00,\"say \"\"hi\"\"\",0.1,-4\n2026-07-01T14:00:00+02:00,,2,0\n", text);
        // Sylvan's reader gets back every value as written: the delimiter and the quotes inside quoted fields.
        var rows = Infrastructure.Files.ReadCsv(text);
        Assert.Equal(["a,b", "say \"hi\"", ""], rows.Select(r => r["name"]));
        Assert.Equal(["1.5", "0.1", "2"], rows.Select(r => r["v"]));
        Assert.Equal(["3", "-4", "0"], rows.Select(r => r["n"]));
    }

    [Theory]
    [InlineData("=1+1", "\"'=1+1\"")]
    [InlineData("+SUM(A1)", "\"'+SUM(A1)\"")]
    [InlineData("-2", "\"'-2\"")]
    [InlineData("@cmd", "\"'@cmd\"")]
    [InlineData("\tx", "\"'\tx\"")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("safe", "safe")]
    public void FormulaGuard_NeutralizesDangerousText(string input, string expected)
    {
        var text = Write("{}", (input, 1, 1));
        Assert.Equal($"time,name,v,n\n2026-07-01T14:00:00+02:00,{expected},1,1\n", text);
        // Read back by Sylvan: the text, behind the guard's apostrophe where it was needed, tabs and returns kept.
        Assert.Equal(input == "safe" ? "safe" : "'" + input, Assert.Single(Infrastructure.Files.ReadCsv(text))["name"]);
    }

    [Fact]
    public void FormulaGuardOff_WritesTextAsIs() =>
        Assert.Contains(",=1+1,", Write("""{"formulaGuard":false}""", ("=1+1", 1, 1)));

    [Fact]
    public void QuoteAll_BackslashEscape_ThousandsAndDecimals() =>
        Assert.Equal("\"time\",\"name\",\"v\",\"n\"\n\"1782907200\",\"a\\\"b\",\"1 234,50\",\"12 345\"\n",
            Write("""{"quote":"all","escape":"backslash","decimals":2,"decimalSeparator":",","thousandsSeparator":" ","dateFormat":"unix"}""", ("a\"b", 1234.5, 12345)));

    [Fact]
    public void QuoteNone_EscapesDelimiterAndNewlines() =>
        Assert.Equal("2026-07-01T14:00:00+02:00|a\\|b\\nc|1|1\n",
            Write("""{"quote":"none","delimiter":"|","header":"off"}""", ("a|b\nc", 1, 1)));

    [Fact]
    public void DecimalCommaWithCommaDelimiter_QuotesNumbers() =>
        Assert.Contains(",\"1,5\",", Write("""{"decimalSeparator":","}""", ("x", 1.5, 1)));
}
