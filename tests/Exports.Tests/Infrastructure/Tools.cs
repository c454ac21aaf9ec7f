using System.Diagnostics;
using System.Net;

namespace Exports.Tests.Infrastructure;

/// <summary>Runs a command-line reader (pdftotext, pdfinfo, pdffonts) and returns its output; a failure fails the test.</summary>
public static class Tools
{
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        return output;
    }

    /// <summary>The text pdftotext reads from a PDF answer (options such as "-layout" go before the file); the answer
    /// must be a 200 with a PDF.</summary>
    public static async Task<string> PdfTextAsync(HttpResponseMessage r, params string[] options)
    {
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 500)))}");
        Assert.Equal("application/pdf", r.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(Path.GetTempPath(), $"pdftext-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, bytes);
        try { return Run("pdftotext", [.. options, path, "-"]); }
        finally { File.Delete(path); }
    }
}

/// <summary>LibreOffice Calc, headless, in a private profile: the spreadsheet reader that decodes SpreadsheetML the way
/// Excel does (exceljs, for one, leaves _xHHHH_ escapes as written).</summary>
public static class LibreOffice
{
    /// <summary>The first sheet of <paramref name="file"/> as UTF-8 CSV text.</summary>
    public static string FirstSheetAsCsv(string file)
    {
        var outDir = Directory.CreateTempSubdirectory("lo-out-").FullName;
        var profile = Directory.CreateTempSubdirectory("lo-profile-").FullName;
        try
        {
            Tools.Run("/usr/bin/soffice", $"-env:UserInstallation={new Uri(profile).AbsoluteUri}", "--headless",
                "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", outDir, file);
            var csv = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".csv");
            Assert.True(File.Exists(csv), $"LibreOffice wrote no {csv}");
            return File.ReadAllText(csv);
        }
        finally
        {
            Directory.Delete(outDir, true);
            Directory.Delete(profile, true);
        }
    }

    /// <summary>Every sheet of <paramref name="file"/> as UTF-8 CSV text by sheet name, after LibreOffice has recalculated
    /// every formula on load (its profile is told to, so cached values are not what is read). <paramref name="asShown"/>
    /// writes cells as their number format shows them; otherwise numbers are written as plain values.</summary>
    public static Dictionary<string, string> SheetsAsCsv(string file, bool asShown)
    {
        var outDir = Directory.CreateTempSubdirectory("lo-out-").FullName;
        var profile = Directory.CreateTempSubdirectory("lo-profile-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(profile, "user"));
            File.WriteAllText(Path.Combine(profile, "user", "registrymodifications.xcu"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                <item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
                </oor:items>
                """);
            var copy = Path.Combine(outDir, "book" + Path.GetExtension(file));
            File.Copy(file, copy);
            Tools.Run("/usr/bin/soffice", $"-env:UserInstallation={new Uri(profile).AbsoluteUri}", "--headless",
                "--convert-to", $"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,{(asShown ? "true" : "false")},false,false,-1", "--outdir", outDir, copy);
            return Directory.GetFiles(outDir, "book-*.csv").ToDictionary(f => Path.GetFileNameWithoutExtension(f)["book-".Length..], File.ReadAllText);
        }
        finally
        {
            Directory.Delete(outDir, true);
            Directory.Delete(profile, true);
        }
    }

    /// <summary><paramref name="file"/> as a PDF made by LibreOffice (every sheet, charts included).</summary>
    public static byte[] ToPdf(string file)
    {
        var outDir = Directory.CreateTempSubdirectory("lo-out-").FullName;
        var profile = Directory.CreateTempSubdirectory("lo-profile-").FullName;
        try
        {
            Tools.Run("/usr/bin/soffice", $"-env:UserInstallation={new Uri(profile).AbsoluteUri}", "--headless",
                "--convert-to", "pdf", "--outdir", outDir, file);
            return File.ReadAllBytes(Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".pdf"));
        }
        finally
        {
            Directory.Delete(outDir, true);
            Directory.Delete(profile, true);
        }
    }
}
