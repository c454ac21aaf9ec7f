using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.VisualBasic.FileIO;

namespace Exports.Tests.Infrastructure;

/// <summary>Independent readers for what the API writes: the BCL's TextFieldParser for CSV/TSV, the system zstd for zstd,
/// .NET's gzip and brotli decoders.</summary>
public static class Files
{
    /// <summary>Asserts <paramref name="text"/> shows <paramref name="expected"/> as formatted by <paramref name="format"/>.
    /// Two exact computations of one value (PostgreSQL's float sum, the service's numeric one) may differ in the last
    /// bit, which decides the rounding when the value lies on a display boundary (a sum of 2-decimal values ending in 5):
    /// either side of that boundary is accepted, nothing wider.</summary>
    public static void AssertShows(string text, double expected, string format, string suffix = "")
    {
        var shown = new[] { expected, expected * (1 - 1e-12), expected * (1 + 1e-12) }
            .Select(v => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + suffix).Distinct().ToList();
        Assert.True(shown.Any(text.Contains), $"None of {string.Join(" / ", shown)} in: {text}");
    }

    public static List<Dictionary<string, string>> ReadCsv(string text, string delimiter = ",")
    {
        using var parser = new TextFieldParser(new StringReader(text))
        {
            TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false,
        };
        parser.SetDelimiters(delimiter);
        var header = parser.ReadFields()!;
        var rows = new List<Dictionary<string, string>>();
        while (!parser.EndOfData)
        {
            var fields = parser.ReadFields()!;
            Assert.Equal(header.Length, fields.Length);
            rows.Add(header.Select((h, i) => (h, v: fields[i])).ToDictionary(x => x.h, x => x.v));
        }
        return rows;
    }

    /// <summary>Every line as its fields, with no header row and rows of any length (a sheet's free layout).</summary>
    public static List<string[]> ReadCsvRows(string text, string delimiter = ",")
    {
        using var parser = new TextFieldParser(new StringReader(text))
        {
            TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false,
        };
        parser.SetDelimiters(delimiter);
        var rows = new List<string[]>();
        while (!parser.EndOfData) rows.Add(parser.ReadFields()!);
        return rows;
    }

    public static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    public static byte[] Decompress(byte[] data, string codec)
    {
        switch (codec)
        {
            case "gzip": { using var s = new GZipStream(new MemoryStream(data), CompressionMode.Decompress); var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }
            case "brotli": { using var s = new BrotliStream(new MemoryStream(data), CompressionMode.Decompress); var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }
            case "zstd":
            {
                var psi = new ProcessStartInfo("zstd", "-d -c -q") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = Process.Start(psi)!;
                var output = new MemoryStream();
                var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
                p.StandardInput.BaseStream.Write(data);
                p.StandardInput.Close();
                copy.Wait();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidDataException("zstd refused the data: " + p.StandardError.ReadToEnd());
                return output.ToArray();
            }
            default: return data;
        }
    }
}
