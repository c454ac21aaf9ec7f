using System.Globalization;
using System.Text;
using System.Text.Json;
using Exports.Formats;
using Exports.Formats.Tables;
using Exports.Shared;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Formats;

/// <summary>The plain-text table: alignment, widening past the look-ahead, display widths (checked against Python's
/// wcwidth and GNU wc -L), escapes, the value options and the row cap.</summary>
public sealed class TextTableWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("txt-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly OutputColumn[] NameValue = [new("name", ColumnType.String, 0), new("v", ColumnType.Double, 1)];

    /// <summary>Writes rows of (string or null, double) through the txt writer; options as JSON.</summary>
    static string Write(OutputColumn[] cols, string options, IEnumerable<object?[]> rows, TimeZoneInfo? zone = null)
    {
        var errors = new Errors();
        var o = TableOptions.Parse(JsonDocument.Parse(options).RootElement, TableStyle.Text, errors);
        Assert.False(errors.Any, string.Join(";", errors.ToDictionary().Keys));
        var ms = new MemoryStream();
        var w = new TextTableWriter(new ExportSchema(cols, zone ?? TimeZoneInfo.Utc, new Dictionary<string, object?>()), ms, o);
        w.BeginAsync(default).AsTask().Wait();
        var row = new RowBuffer(cols.Length);
        foreach (var values in rows)
        {
            for (var i = 0; i < cols.Length; i++)
            {
                row.Nulls[i] = values[i] is null;
                switch (values[i])
                {
                    case string s: row.Strings[i] = s; break;
                    case double d: row.Doubles[i] = d; break;
                    case long l: row.Longs[i] = l; break;
                    case int n: row.Longs[i] = n; break;
                    case DateTime t: row.Times[i] = t; break;
                }
            }
            w.Write(row);
        }
        w.EndAsync(default).AsTask().Wait();
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public void Columns_FitTheWidestValue_NumbersRight_TextLeft_NoTrailingSpaces()
    {
        var text = Write(NameValue, "{}", [["a", 1.5], [null, -20.25], ["longer", 0.0], ["b", null]]);
        Assert.Equal(
            "name         v\n" +
            "------  ------\n" +
            "a          1.5\n" +
            "        -20.25\n" +
            "longer       0\n" +
            "b\n", text);
    }

    [Fact]
    public void EmptyExport_IsTheHeaderAndTheRule()
    {
        Assert.Equal("name  v\n----  -\n", Write(NameValue, "{}", []));
    }

    [Fact]
    public void ARowWiderThanTheLookAhead_OpensANewBlockAtTheNewWidths_EarlierRowsStay()
    {
        OutputColumn[] cols = [new("s", ColumnType.String, 0), new("n", ColumnType.Long, 1)];
        var rows = Enumerable.Range(0, TextTableWriter.Window).Select(i => new object?[] { "x", (long)i })
            .Append(["wider", 200L]).Append(["y", 201L]).Append(["z", 202L]);
        var lines = Write(cols, "{}", rows).TrimEnd('\n').Split('\n');
        Assert.Equal(2 + TextTableWriter.Window + 2 + 3, lines.Length);
        Assert.Equal(["s    n", "-  ---", "x    0", "x    1"], lines[..4]);
        Assert.Equal("x  199", lines[TextTableWriter.Window + 1]);
        Assert.Equal(["s        n", "-----  ---", "wider  200", "y      201", "z      202"], lines[(TextTableWriter.Window + 2)..]);
    }

    [Fact]
    public void AWiderRowInsideTheLookAhead_WidensEveryRowOfIt()
    {
        OutputColumn[] cols = [new("s", ColumnType.String, 0), new("n", ColumnType.Long, 1)];
        var lines = Write(cols, "{}", [["a", 1L], ["b", 22L], ["wide one", 333333L]]).TrimEnd('\n').Split('\n');
        Assert.Equal(["s              n", "--------  ------", "a              1", "b             22", "wide one  333333"], lines);
    }

    [Theory]
    [InlineData("plain", 5)]
    [InlineData("日本語", 6)]
    [InlineData("ｆｕｌｌ", 8)]
    [InlineData("e\u0301te", 3)]
    [InlineData("한국어", 6)]
    [InlineData("\u1100\u1161\u11A8", 2)] // a syllable of conjoining jamo: the leading one is wide, the others join it
    [InlineData("a\u200Bb\u200Dc", 3)]
    [InlineData("😀!", 3)]
    [InlineData("\u20DD\u0E31", 0)]
    [InlineData("soft\u00ADhyphen", 11)]
    [InlineData("\u3164\uFFA0", 0)] // Hangul fillers: placeholders that show nothing
    [InlineData("🇯🇵", 2)] // a flag: a pair of regional indicators
    [InlineData("🇯", 1)] // a lone regional indicator (EastAsianWidth N)
    [InlineData("🇯🇵🇫", 3)]
    [InlineData("👍🏽", 2)] // a skin tone on an emoji adds nothing
    [InlineData("x🏽", 3)] // ... but shows as a swatch on its own
    [InlineData("👨\u200D👩\u200D👧", 2)] // a ZWJ sequence is as wide as its first emoji
    [InlineData("❤️\u200D🔥", 2)]
    [InlineData("a\u200D😀", 3)] // a joiner after a letter joins nothing
    [InlineData("❤️ ✔️ ⚠️", 8)] // a one-cell emoji with U+FE0F is a two-cell picture
    [InlineData("😀\uFE0F", 2)]
    [InlineData("1️⃣#️⃣", 4)] // keycaps
    [InlineData("1\u20E3", 1)]
    public void DisplayWidth_CountsWideAsTwoAndMarksAsZero(string text, int width) => Assert.Equal(width, DisplayWidth.Of(text));

    [Fact]
    public async Task DisplayWidth_AgreesWithPythonsWcwidth_OnEveryAssignedCodePoint()
    {
        // Every code point .NET knows to be assigned, but for the control characters and line separators (escaped,
        // never measured), spacing marks (glibc says one cell, wcwidth zero: one is chosen), private use, and the
        // regional indicators (measured in pairs as flags, two cells a pair; wcwidth gives each two, glibc one: a lone
        // one counts one here, see the grapheme cases above).
        var cps = Enumerable.Range(0x20, 0x40000 - 0x20)
            .Where(cp => cp is (< 0xD800 or > 0xDFFF) and not 0x2028 and not 0x2029 and not (>= 0x1F1E6 and <= 0x1F1FF))
            .Where(cp => CharUnicodeInfo.GetUnicodeCategory(cp) is not (UnicodeCategory.OtherNotAssigned or UnicodeCategory.Control
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate))
            .ToList();
        var reference = await TextTables.WcWidthAsync(cps);
        Assert.Equal(cps.Count, reference.Length);
        var differ = cps.Select((cp, i) => (cp, mine: DisplayWidth.Of(cp), theirs: reference[i])).Where(x => x.mine != x.theirs).ToList();
        Assert.True(differ.Count == 0, $"{differ.Count} of {cps.Count} differ: " + string.Join(", ", differ.Take(20).Select(d => $"U+{d.cp:X4} {d.mine} vs {d.theirs}")));
    }

    [Fact]
    public async Task WideAndCombiningText_LinesUpOnTheTerminal()
    {
        OutputColumn[] cols = [new("name", ColumnType.String, 0), new("n", ColumnType.Long, 1), new("note", ColumnType.String, 2)];
        string[] names = ["日本語", "e\u0301te", "ｆｕｌｌ", "abc", "😀!", "한국어", "naïve"];
        var text = Write(cols, "{}", names.Select((s, i) => new object?[] { s, (long)Math.Pow(10, i), "end" }));
        var path = Path.Combine(_dir, "wide.txt");
        await File.WriteAllTextAsync(path, text);

        var table = await TextTables.ReadAsync(path);
        Assert.Empty(table.GetProperty("errors").EnumerateArray());
        var lines = table.GetProperty("lines").EnumerateArray().ToList();
        // name is 8 cells (ｆｕｌｌ), n 7 (1000000), note 4 (the header): every row ends where the rule ends.
        Assert.Equal(8 + 2 + 7 + 2 + 4, lines[1].GetProperty("width").GetInt32());
        Assert.All(lines.Skip(2), l => Assert.Equal(8 + 2 + 7 + 2 + 3, l.GetProperty("width").GetInt32()));
        Assert.Equal(names, TextTables.Rows(table).Select(r => r["name"]));
        // The n column is right-aligned: each cell's digits end at the column's right edge.
        Assert.Equal(names.Select((_, i) => ((long)Math.Pow(10, i)).ToString(CultureInfo.InvariantCulture).PadLeft(7)),
            lines.Skip(2).Select(l => l.GetProperty("cells")[1].GetString()));
        Assert.Equal(8 + 2 + 7 + 2 + 4, await TextTables.WcLAsync(path));
    }

    [Fact]
    public async Task EmojiSequences_AreOnePictureEach_AndLineUpByWcswidth()
    {
        // Measured by Python's grapheme-aware wcwidth.wcswidth, each cell and each line: glibc's per-character widths
        // (wc -L) count a family as 6 and a heart with U+FE0F as 1, which is why wc -L is not asked here.
        OutputColumn[] cols = [new("name", ColumnType.String, 0), new("n", ColumnType.Long, 1), new("note", ColumnType.String, 2)];
        string[] names = ["🇯🇵", "❤️", "👍🏽", "👨\u200D👩\u200D👧", "1️⃣", "✔️ ⚠️", "🏳️\u200D🌈 flag", "😀 ok", "ab"];
        var text = Write(cols, "{}", names.Select((s, i) => new object?[] { s, (long)i, "end" }));
        var path = Path.Combine(_dir, "emoji.txt");
        await File.WriteAllTextAsync(path, text);

        var table = await TextTables.ReadAsync(path);
        Assert.Empty(table.GetProperty("errors").EnumerateArray());
        var lines = table.GetProperty("lines").EnumerateArray().ToList();
        var rule = lines[1].GetProperty("width").GetInt32();
        Assert.Equal(7 + 2 + 1 + 2 + 4, rule); // name is 7 cells ("🏳️‍🌈 flag"), n 1, note 4 (the header)
        Assert.All(lines.Skip(2), l => Assert.Equal(rule - 1, l.GetProperty("width").GetInt32())); // "end" is 3
        Assert.Equal(names.Select(n => DisplayWidth.Of(n)), lines.Skip(2).Select(l => l.GetProperty("cellWidths")[0].GetInt32()));
        Assert.Equal(names, TextTables.Rows(table).Select(r => r["name"]));
    }

    [Fact]
    public async Task EdgeSpacesAndRuleLikeValues_AreEscaped_SoNoLineEndsInASpace_AndEveryValueReadsBack()
    {
        OutputColumn[] cols = [new("a", ColumnType.String, 0), new("b", ColumnType.String, 1)];
        object?[][] rows =
        [
            [" lead", "x"], ["trail ", "x"], [" ", "x"], ["  two  ", "x"], ["in side", "x"], ["", "x"], [null, "x"],
            ["-", "x"], ["---", null], ["-- --", "--"], ["a-b", "-x"], ["x", "trail "],
        ];
        var text = Write(cols, "{}", rows);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(
        [
            "a              b",
            "-------------  ---------",
            "\\x20lead       x",
            "trail\\x20      x",
            "\\x20           x",
            "\\x20 two \\x20  x",
            "in side        x",
            "               x",
            "               x",
            "\\x2D           x",
            "\\x2D--",
            "\\x2D- --       \\x2D-",
            "a-b            -x",
            "x              trail\\x20",
        ], lines);
        Assert.DoesNotContain(lines, l => l.EndsWith(' '));
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^-+(  -+)*$"));

        var path = Path.Combine(_dir, "edges.txt");
        await File.WriteAllTextAsync(path, text);
        var table = await TextTables.ReadAsync(path);
        Assert.Empty(table.GetProperty("errors").EnumerateArray());
        // Every value reads back as it was; a null and an empty text are both an empty cell.
        var got = TextTables.Rows(table);
        Assert.Equal(rows.Select(r => (string?)r[0] ?? ""), got.Select(r => r["a"]));
        Assert.Equal(rows.Select(r => (string?)r[1] ?? ""), got.Select(r => r["b"]));
    }

    [Fact]
    public void AColumnOfAKindTheWriterDoesNotKnow_IsWrittenAsItsText_AsMarkdownDoes()
    {
        // Another column kind (arrays as JSON text, say) holds its text in the row's strings: it is written, escaped
        // and measured like text, never left empty.
        OutputColumn[] cols = [new("k", (ColumnType)99, 0), new("n", ColumnType.Long, 1)];
        Assert.Equal("k             n\n------------  -\n[\"日本\",\"a\"]  5\n", Write(cols, "{}", [["[\"日本\",\"a\"]", 5L]]));
    }

    [Fact]
    public async Task ControlCharacters_AreEscapedVisibly_AndReadBack()
    {
        string[] values = ["a\tb", "line1\nline2\r\n", "bell\u0007", "del\u007F", "c1\u0085x", "back\\slash \\n", "rlo\u202Eabc", "sep\u2028x", "nul\0"];
        var text = Write([new("s", ColumnType.String, 0)], "{}", values.Select(v => new object?[] { v }));
        Assert.Equal(
            "s\n" +
            "----------------\n" +
            "a\\tb\n" +
            "line1\\nline2\\r\\n\n" +
            "bell\\x07\n" +
            "del\\x7F\n" +
            "c1\\x85x\n" +
            "back\\\\slash \\\\n\n" +
            "rlo\\u202Eabc\n" +
            "sep\\u2028x\n" +
            "nul\\x00\n", text);
        Assert.DoesNotContain(text, c => c < ' ' && c != '\n' || c is >= '\x7F' and <= '\x9F');
        var path = Path.Combine(_dir, "ctl.txt");
        await File.WriteAllTextAsync(path, text);
        var table = await TextTables.ReadAsync(path);
        Assert.Empty(table.GetProperty("errors").EnumerateArray());
        Assert.Equal(values, TextTables.Rows(table).Select(r => r["s"]));
    }

    [Fact]
    public void ValueOptions_AreMarkdowns_DecimalsSeparatorsAndDates()
    {
        OutputColumn[] cols = [new("time", ColumnType.Time, 0), new("v", ColumnType.Double, 1), new("n", ColumnType.Long, 2)];
        var t = new DateTime(2026, 7, 1, 10, 30, 0, DateTimeKind.Utc);
        var text = Write(cols, """{"decimals":2,"decimalSeparator":",","thousandsSeparator":".","dateFormat":"yyyy年MM月dd日 HH:mm"}""",
            [[t, 1234.5, 1234567L], [t, -0.126, 5L]], TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        Assert.Equal(
            "time                         v          n\n" +
            "--------------------  --------  ---------\n" +
            "2026年07月01日 19:30  1.234,50  1.234.567\n" +
            "2026年07月01日 19:30     -0,13          5\n", text);
        Assert.Equal(20, DisplayWidth.Of("2026年07月01日 19:30"));
    }

    [Fact]
    public void OptionsMarkdownDoesNotTake_AreFieldErrors()
    {
        var errors = new Errors();
        TableOptions.Parse(JsonDocument.Parse("""{"title":"x","decimals":99}""").RootElement, TableStyle.Text, errors);
        var d = errors.ToDictionary();
        Assert.Equal(["Unknown plain-text option 'title'."], d["formatOptions.title"]);
        Assert.Equal(["decimals must be a whole number from 0 to 15."], d["formatOptions.decimals"]);
    }

    [Fact]
    public void PastTheRowCap_TheExportFails_AsMarkdownDoes()
    {
        var rows = Enumerable.Range(0, TableOptions.MaxRows + 1).Select(i => new object?[] { "r", (double)i });
        var e = Assert.Throws<ExportDataException>(() => Write(NameValue, "{}", rows));
        Assert.Equal("format", e.Field);
        Assert.Contains("100,000 rows", e.Message);
        Write(NameValue, "{}", rows.Take(TableOptions.MaxRows)); // exactly the cap is fine
    }
}
