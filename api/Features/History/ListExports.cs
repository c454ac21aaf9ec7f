using Exports.Series;
using System.Security.Claims;
using System.Text;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;

namespace Exports.Features.History;

public sealed record HistoryPage(IReadOnlyList<JobRecord> Items, string? NextCursor);

/// <summary>GET /api/v1/exports: the caller's exports, newest first (or oldest first, or largest first), filtered by
/// status, kind, format, source and creation date, with cursor paging.</summary>
public static class ListExports
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/exports", async (string? status, string? kind, string? format, string? source, DateTimeOffset? from,
                DateTimeOffset? to, string? sort, int? limit, string? cursor, JobRecords records, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var e = new Errors();
                if (status is not null && !JobStatus.All.Contains(status)) e.Add("status", $"status is one of {string.Join(", ", JobStatus.All)}.");
                if (kind is not (null or "series" or "layout")) e.Add("kind", "kind is series or layout.");
                var order = sort ?? "-createdAt";
                if (order is not ("-createdAt" or "createdAt" or "size")) e.Add("sort", "sort is -createdAt (newest first), createdAt or size.");
                if (limit is < 1 or > 200) e.Add("limit", "limit is from 1 to 200.");
                if (from > to) e.Add("from", "from must be before to.");
                // Query strings may carry any offset; PostgreSQL compares UTC instants.
                DateTimeOffset? Utc(DateTimeOffset? v, string name)
                {
                    if (v is not { } x) return null;
                    if (Timeframes.InRange(x)) return x.ToUniversalTime();
                    e.Add(name, $"{name} is outside the years 1 to 9999.");
                    return null;
                }
                from = Utc(from, "from");
                to = Utc(to, "to");
                (DateTimeOffset, Guid, long)? after = null;
                if (cursor is not null)
                {
                    after = Decode(cursor);
                    if (after is null) e.Add("cursor", "This cursor is not one the API gave out.");
                }
                if (e.Any) return (IResult)Problems.Validation(e.ToDictionary());
                var q = new HistoryQuery(status, kind, format?.ToLowerInvariant(), source, from, to, order, limit ?? 50, after);
                var rows = await records.HistoryAsync(user.OwnerId(), q, ct);
                var more = rows.Count > q.Limit;
                var items = more ? rows[..q.Limit] : rows;
                return TypedResults.Ok(new HistoryPage(items, more ? Encode(items[^1]) : null));
            })
            .WithTags("History").WithSummary("List your exports, filtered, sorted, paged by cursor")
            .Produces<HistoryPage>().ProducesProblem(400);

    static string Encode(JobRecord last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks}|{last.Id:N}|{last.SizeBytes ?? 0}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static (DateTimeOffset, Guid, long)? Decode(string cursor)
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
