using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Sylvan.Data.Csv;

namespace Exports.Tests.Infrastructure;

/// <summary>Independent readers for what the API writes: Sylvan.Data.Csv for CSV/TSV, the system zstd for zstd,
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

    /// <summary>Rows of a delimited text with a header row, read by Sylvan's <see cref="CsvDataReader"/> (RFC 4180 quoting,
    /// quoted delimiters and line breaks); every row must have as many fields as the header.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string text, string delimiter = ",")
    {
        using var reader = CsvDataReader.Create(new StringReader(text), Options(delimiter, hasHeaders: true));
        var header = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            Assert.Equal(header.Length, reader.RowFieldCount);
            rows.Add(header.Select((h, i) => (h, v: reader.GetString(i))).ToDictionary(x => x.h, x => x.v));
        }
        return rows;
    }

    /// <summary>Every line as its fields, with no header row and rows of any length (a sheet's free layout), read by
    /// Sylvan's <see cref="CsvDataReader"/>.</summary>
    public static List<string[]> ReadCsvRows(string text, string delimiter = ",")
    {
        using var reader = CsvDataReader.Create(new StringReader(text), Options(delimiter, hasHeaders: false));
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.RowFieldCount).Select(reader.GetString).ToArray());
        return rows;
    }

    static CsvDataReaderOptions Options(string delimiter, bool hasHeaders)
    {
        Assert.Equal(1, delimiter.Length);
        // Big enough for any one record the tests read (a cell may hold a long hostile text).
        return new CsvDataReaderOptions { Delimiter = delimiter[0], HasHeaders = hasHeaders, MaxBufferSize = 64 << 20 };
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
