using System.Diagnostics;
using System.Text.Json;

namespace Exports.Tests.Infrastructure;

/// <summary>Runs the independent readers in tests/readers/ (DuckDB, hyparquet, exceljs under Node) on a file
/// and returns what they report as JSON. A reader that refuses the file fails the test with its message.</summary>
public static class NodeReaders
{
    public static readonly string Root = FindRoot();

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "readers", "parquet.mjs"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("tests/readers not found above " + AppContext.BaseDirectory);
    }

    public static async Task<JsonElement> RunAsync(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(Root, "tests", "readers", script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) Assert.Fail($"{script} refused {string.Join(' ', args)}:\n{await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    public static Task<JsonElement> ParquetAsync(string file) => RunAsync("parquet.mjs", file);
    public static Task<JsonElement> ParquetHiveAsync(string glob) => RunAsync("parquet.mjs", "--hive", glob);
    public static Task<JsonElement> MarkdownAsync(string file) => RunAsync("markdown.mjs", file);
    public static Task<JsonElement> XlsxAsync(string file, int maxRowsPerSheet = 1_000_000_000) => RunAsync("xlsx.mjs", file, maxRowsPerSheet.ToString());
}
