using Exports.Shared;

namespace Exports.Jobs;

/// <summary>How a job and a refusal look over HTTP.</summary>
public static class JobResults
{
    public static IResult Accepted(JobRecord job) => TypedResults.Accepted($"/api/v1/exports/{job.Id}", job);

    public static IResult Refused(Refusal r, HttpContext http)
    {
        if (r.RetryAfter is { } wait)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return r.Fields is { } fields ? Problems.Validation(fields, r.Title) : Problems.Status(r.Status, r.Title, r.Detail);
    }
}
