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
