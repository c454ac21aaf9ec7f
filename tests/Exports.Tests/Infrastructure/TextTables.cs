using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Exports.Tests.Infrastructure;

/// <summary>Independent readers of the plain-text table format: tests/readers/texttable.py cuts lines at the rule's
/// column boundaries with Python's <c>wcwidth</c>; GNU <c>wc -L</c> measures display width with glibc's tables.</summary>
public static class TextTables
{
    static async Task<string> RunAsync(string file, IEnumerable<string> args, string? stdin = null, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) { await p.StandardInput.WriteAsync(stdin); p.StandardInput.Close(); }
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) Assert.Fail($"{file} {string.Join(' ', args)} failed:\n{await stderr}");
        return await stdout;
    }

    /// <summary>The table as <c>texttable.py</c> reads it: <c>lines</c> (kind, width, cells with padding) and <c>errors</c>.</summary>
    public static async Task<JsonElement> ReadAsync(string path) =>
        JsonDocument.Parse(await RunAsync("python3", [Path.Combine(NodeReaders.Root, "tests", "readers", "texttable.py"), path])).RootElement.Clone();

    /// <summary>The display width Python's <c>wcwidth</c> gives each code point.</summary>
    public static async Task<int[]> WcWidthAsync(IReadOnlyList<int> codePoints)
    {
        var output = await RunAsync("python3", [Path.Combine(NodeReaders.Root, "tests", "readers", "widths.py")],
            string.Join('\n', codePoints.Select(c => c.ToString(CultureInfo.InvariantCulture))) + "\n");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
    }

    /// <summary>The widest line of the file in display cells, as GNU <c>wc -L</c> counts them in a UTF-8 locale.</summary>
    public static async Task<int> WcLAsync(string path) =>
        int.Parse((await RunAsync("wc", ["-L", path], env: new() { ["LC_ALL"] = "C.UTF-8" })).Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Undoes the format's escapes: \n \r \t \\ \xHH \uHHHH.</summary>
    public static string Unescape(string s) => Regex.Replace(s, @"\\(?:([nrt\\])|x([0-9A-F]{2})|u([0-9A-F]{4}))", m =>
        m.Groups[1].Success ? m.Groups[1].Value switch { "n" => "\n", "r" => "\r", "t" => "\t", _ => "\\" }
        : ((char)int.Parse(m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value, NumberStyles.HexNumber)).ToString());

    /// <summary>Data rows by header name: every cell's padding (spaces) trimmed, then unescaped. Each block's header must be the first one.</summary>
    public static List<Dictionary<string, string>> Rows(JsonElement table)
    {
        var rows = new List<Dictionary<string, string>>();
        List<string>? header = null;
        foreach (var line in table.GetProperty("lines").EnumerateArray())
        {
            var cells = line.GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToList();
            switch (line.GetProperty("kind").GetString())
            {
                case "header":
                    var names = cells.Select(c => Unescape(c.Trim(' '))).ToList();
                    Assert.True(header is null || header.SequenceEqual(names), "a repeated header names the same columns");
                    header = names;
                    break;
                case "row":
                    rows.Add(header!.Select((h, i) => (h, v: Unescape(cells[i].Trim(' ')))).ToDictionary(x => x.h, x => x.v));
                    break;
            }
        }
        return rows;
    }
}
