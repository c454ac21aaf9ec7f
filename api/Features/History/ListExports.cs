using System.Text;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.History;

/// <summary>The filters, order and page of a history listing, all optional, from the query string.</summary>
public sealed class ListExportsRequest : IQueryBound
{
    [BindFrom("status")] public string? Status { get; set; }
    [BindFrom("kind")] public string? Kind { get; set; }
    [BindFrom("format")] public string? Format { get; set; }
    [BindFrom("source")] public string? Source { get; set; }
    [BindFrom("from")] public DateTimeOffset? From { get; set; }
    [BindFrom("to")] public DateTimeOffset? To { get; set; }
    [BindFrom("sort")] public string? Sort { get; set; }
    [BindFrom("limit")] public int? Limit { get; set; }
    [BindFrom("cursor")] public string? Cursor { get; set; }
}

public sealed record HistoryPage(IReadOnlyList<JobRecord> Items, string? NextCursor);

public sealed class ListExportsValidator : Validator<ListExportsRequest>
{
    public ListExportsValidator()
    {
        RuleFor(r => r.Status).Must(s => s is null || JobStatus.All.Contains(s))
            .WithMessage($"status is one of {string.Join(", ", JobStatus.All)}.").OverridePropertyName("status");
        RuleFor(r => r.Kind).Must(k => k is null or "series" or "layout").WithMessage("kind is series or layout.").OverridePropertyName("kind");
        RuleFor(r => r.Sort).Must(s => s is null or "-createdAt" or "createdAt" or "size")
            .WithMessage("sort is -createdAt (newest first), createdAt or size.").OverridePropertyName("sort");
        RuleFor(r => r.Limit).Must(l => l is null or (>= 1 and <= 200)).WithMessage("limit is from 1 to 200.").OverridePropertyName("limit");
        RuleFor(r => r.From).Must((r, from) => !(from > r.To)).WithMessage("from must be before to.").OverridePropertyName("from");
        // Query strings may carry any offset; PostgreSQL compares UTC instants, which must fall in the years 1 to 9999.
        RuleFor(r => r.From).Must(v => v is not { } x || Timeframes.InRange(x)).WithMessage("from is outside the years 1 to 9999.").OverridePropertyName("from");
        RuleFor(r => r.To).Must(v => v is not { } x || Timeframes.InRange(x)).WithMessage("to is outside the years 1 to 9999.").OverridePropertyName("to");
        RuleFor(r => r.Cursor).Must(c => c is null || HistoryCursor.Decode(c) is not null)
            .WithMessage("This cursor is not one the API gave out.").OverridePropertyName("cursor");
    }
}

/// <summary>GET /exports: the caller's exports, newest first (or oldest first, or largest first), filtered by status,
/// kind, format, source and creation date, with cursor paging.</summary>
public sealed class ListExports(JobRecords records) : Endpoint<ListExportsRequest, HistoryPage>
{
    public override void Configure()
    {
        Get("/exports");
        Description(d => d.WithTags("History").WithSummary("List your exports, filtered, sorted, paged by cursor")
            .Produces<HistoryPage>().ProducesProblem(400));
    }

    public override async Task<HistoryPage> ExecuteAsync(ListExportsRequest req, CancellationToken ct)
    {
        var q = new HistoryQuery(req.Status, req.Kind, req.Format?.ToLowerInvariant(), req.Source, req.From?.ToUniversalTime(), req.To?.ToUniversalTime(),
            req.Sort ?? "-createdAt", req.Limit ?? 50, req.Cursor is null ? null : HistoryCursor.Decode(req.Cursor));
        var rows = await records.HistoryAsync(User.OwnerId(), q, ct);
        var more = rows.Count > q.Limit;
        var items = more ? rows[..q.Limit] : rows;
        return new HistoryPage(items, more ? HistoryCursor.Encode(items[^1]) : null);
    }
}

/// <summary>The opaque cursor of the next page: the last item's creation instant, id and size, URL-safe base64.</summary>
static class HistoryCursor
{
    public static string Encode(JobRecord last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks}|{last.Id:N}|{last.SizeBytes ?? 0}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (DateTimeOffset, Guid, long)? Decode(string cursor)
    {
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '='))).Split('|');
            return parts.Length == 3 && long.TryParse(parts[0], out var ticks) && Guid.TryParseExact(parts[1], "N", out var id) && long.TryParse(parts[2], out var size)
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), id, size) : null;
        }
        catch (FormatException) { return null; }
        catch (ArgumentOutOfRangeException) { return null; }
    }
}
