using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Rendering;
using Exports.Demo;

namespace Exports.Cli;

/// <summary>
/// <c>render</c>: draws a dashboard (or one of its widgets), a monitor, an alert or a layout file to PNG or PDF
/// from the command line, for scripts and CI, without starting the web server.
/// <code>dotnet run --project api -- render --dashboard ops-overview --format pdf --out ops.pdf [--widget cpu]
///   [--from T --to T | --last 7d] [--tz Europe/Berlin] [--theme dark] [--page A4 --orientation landscape]
///   [--scale 2] [--width 1600] [--user demo@exports.local]
/// dotnet run --project api -- render --layout layout.json --format png --out x.png</code>
/// <c>--format data</c> writes the resolved widget data as JSON instead (what the benchmark's Chromium peer draws).
/// Exit codes: 0 written, 2 bad arguments or settings, 3 invalid layout, 4 not found.
/// </summary>
public static class RenderCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var opts = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length) return Usage($"Unexpected argument '{args[i]}'.");
            opts[args[i][2..]] = args[++i];
        }
        string? O(string k) => opts.GetValueOrDefault(k);
        var format = O("format") ?? "png";
        if (format is not ("png" or "pdf" or "data")) return Usage("--format is png, pdf or data.");
        if (O("out") is not { } output) return Usage("--out names the file to write.");
        if (O("dashboard") is null && O("monitor") is null && O("alert") is null && O("layout") is null)
            return Usage("Say what to render: --dashboard SLUG [--widget ID], --monitor ID, --alert ID or --layout FILE.");

        var app = AppHost.Build([]);
        await using var scope = app.Services.CreateAsyncScope();
        var docs = scope.ServiceProvider.GetRequiredService<Marten.IDocumentSession>();
        var exports = scope.ServiceProvider.GetRequiredService<LayoutExports>();
        // Dashboards, monitors and alerts are documents once a server of this version has started (it makes their
        // tables and moves an older version's rows); the command does neither: it says so instead of failing on SQL.
        if (O("layout") is null && !await UpgradedAsync(scope.ServiceProvider.GetRequiredService<Npgsql.NpgsqlDataSource>()))
            return Fail(2, "The database is not upgraded to this version yet: start the server once to upgrade the database.");
        var email = O("user") ?? DemoSeed.Email;
        if (await UserIdAsync(scope.ServiceProvider.GetRequiredService<Npgsql.NpgsqlDataSource>(), email) is not { } userId)
            return Fail(4, $"No user {email}.");
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();

        Layouts.ExportLayout? layout;
        if (O("layout") is { } file)
            layout = JsonSerializer.Deserialize<Layouts.ExportLayout>(await File.ReadAllTextAsync(file), Adapters.Json);
        else if (O("dashboard") is { } slug)
        {
            var d = await LayoutSources.FindDashboardAsync(docs, userId, slug, CancellationToken.None);
            if (d is null) return Fail(4, $"No dashboard '{slug}'.");
            layout = O("widget") is { } widget ? Adapters.Widget(d, widget) : Adapters.Dashboard(d);
            if (layout is null) return Fail(4, $"Dashboard '{slug}' has no widget '{O("widget")}'.");
        }
        else if (O("monitor") is { } mid && Guid.TryParse(mid, out var monitorId))
        {
            layout = await LayoutSources.MonitorAsync(docs, scope.ServiceProvider.GetRequiredService<Exports.Series.SeriesExports>(), userId, monitorId, now, CancellationToken.None);
            if (layout is null) return Fail(4, $"No monitor '{mid}'.");
        }
        else if (O("alert") is { } aid && Guid.TryParse(aid, out var alertId))
        {
            layout = await LayoutSources.AlertAsync(docs, userId, alertId, now, CancellationToken.None);
            if (layout is null) return Fail(4, $"No alert '{aid}'.");
        }
        else return Usage("--monitor and --alert take an id.");
        if (layout is null) return Fail(3, "The layout file is empty.");

        var overrides = new LayoutOverrides(O("from"), O("to"), O("last"), O("tz"), O("theme"), O("page"), O("orientation"),
            O("scale") is { } sc && double.TryParse(sc, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : null,
            O("width") is { } w && int.TryParse(w, out var wi) ? wi : null);
        layout = overrides.Apply(layout, format == "data" ? "png" : format);

        if (format == "data")
        {
            var (doc, derrors) = await exports.ResolveAsync(userId, layout, CancellationToken.None);
            if (doc is null) return Invalid(derrors);
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(Data(doc)));
            Console.WriteLine($"{output}: {doc.Widgets.Count} widgets");
            return 0;
        }
        var (result, errors) = await exports.RenderAsync(userId, email, layout, CancellationToken.None);
        if (result is null) return Invalid(errors);
        var temp = output + ".partial";
        await File.WriteAllBytesAsync(temp, result.Bytes);
        File.Move(temp, output, overwrite: true);
        Console.WriteLine($"{output}: {result.Bytes.Length:N0} bytes, {result.Pages} page(s); " +
            string.Join(", ", result.Widgets.Select(x => $"{x.Id} {x.Status}")));
        return 0;
    }

    static int Invalid(Shared.Errors errors)
    {
        foreach (var (k, v) in errors.ToDictionary()) Console.Error.WriteLine($"{k}: {string.Join(" ", v)}");
        return 3;
    }

    static int Usage(string message) => Fail(2, message + "\nUsage: render (--dashboard SLUG [--widget ID] | --monitor ID | --alert ID | --layout FILE) --format png|pdf|data --out FILE [--from T --to T | --last 24h] [--tz ZONE] [--theme light|dark] [--page A4] [--orientation landscape] [--scale 2] [--width 1600] [--user EMAIL]");

    /// <summary>The id of the user with exactly this email, if any.</summary>
    static async Task<Guid?> UserIdAsync(Npgsql.NpgsqlDataSource data, string email)
    {
        await using var cmd = data.CreateCommand("SELECT id FROM users WHERE email = $1 LIMIT 1");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = email });
        return await cmd.ExecuteScalarAsync() is Guid id ? id : null;
    }

    /// <summary>Whether the document tables exist and no old table is left to move into them (dashboards, monitors,
    /// alerts and destinations: every table <see cref="LegacyImport.Tables"/> names).</summary>
    static async Task<bool> UpgradedAsync(Npgsql.NpgsqlDataSource data)
    {
        await using var cmd = data.CreateCommand($"SELECT to_regclass('{Documents.Schema}.mt_doc_dashboard') IS NOT NULL AND to_regclass('{Documents.Schema}.mt_doc_alert') IS NOT NULL " +
            $"AND to_regclass('{Documents.Schema}.mt_doc_destination') IS NOT NULL AND " +
            string.Join(" AND ", LegacyImport.Tables.Select(t => $"to_regclass('public.{t}') IS NULL")));
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    static int Fail(int code, string message)
    {
        Console.Error.WriteLine(message);
        return code;
    }

    /// <summary>The resolved document in the shape the benchmark's Chromium peer reads.</summary>
    static object Data(RenderDocument d) => new
    {
        title = d.Title, width = d.ViewportWidth, height = LayoutRenderer.PngSize(d).Height, theme = d.Theme.Name,
        grid = new { columns = d.Grid.Columns, rowHeight = d.Grid.RowHeight, gap = d.Grid.Gap, padding = d.Grid.Padding },
        widgets = d.Widgets.Select(w => new
        {
            id = w.Id, type = w.Type, title = w.Title, x = w.X, y = w.Y, w = w.W, h = w.H, unit = w.Options.Unit, stacked = w.Options.Stacked,
            series = (w.Data as SeriesData)?.Series.Select(s => new { name = s.Name, points = s.X.Select((x, i) => new double?[] { x, double.IsNaN(s.Y[i]) ? null : s.Y[i] }) }),
            text = (w.Data as TextData)?.Markdown,
            columns = (w.Data as TableData)?.Columns, rows = (w.Data as TableData)?.Rows,
        }),
    };
}
