using System.Diagnostics;

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
}
