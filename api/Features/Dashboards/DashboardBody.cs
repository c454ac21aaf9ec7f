using System.Text.Json;
using System.Text.RegularExpressions;
using Exports.Layouts;
using Exports.Shared;

namespace Exports.Features.Dashboards;

/// <summary>A dashboard to store: its slug (1 to 63 lower-case letters, digits or '-'), title, description and a
/// layout checked like any layout export.</summary>
public class DashboardBody
{
    public string? Slug { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public Layouts.ExportLayout? Layout { get; set; }
}

static partial class DashboardRules
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")] private static partial Regex Slug();

    /// <summary>Every error of a body, keyed by JSON path; an edit may leave the slug out (it keeps its own).</summary>
    public static void Check(DashboardBody b, LayoutLimits limits, DateTimeOffset now, bool slugOptional, Action<string, string> fail)
    {
        var e = new Errors();
        if (!(slugOptional && b.Slug is null) && (b.Slug is null || !Slug().IsMatch(b.Slug))) e.Add("slug", "A slug is 1 to 63 lower-case letters, digits or '-'.");
        if (string.IsNullOrWhiteSpace(b.Title) || b.Title.Length > 200) e.Add("title", "A title has 1 to 200 characters.");
        if (b.Description is { Length: > 2000 }) e.Add("description", "A description has at most 2000 characters.");
        if (b.Layout is null) e.Add("layout", "A dashboard needs a layout with widgets.");
        else
        {
            var inner = new Errors();
            LayoutValidator.Validate(b.Layout with { Format = "png" }, inner, limits, now);
            foreach (var (k, v) in inner.ToDictionary()) foreach (var m in v) e.Add($"layout.{k}", m);
        }
        foreach (var (field, messages) in e.ToDictionary())
            foreach (var m in messages) fail(field, m);
    }

    public static string Store(DashboardBody b) => JsonSerializer.Serialize(b.Layout! with { Title = b.Title!.Trim(), Format = null }, Adapters.Json);

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult SlugTaken(string slug) =>
        Shared.Problems.Status(409, "A dashboard with this slug exists", $"You already have a dashboard '{slug}'.");
}
