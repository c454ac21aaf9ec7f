using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Shared;

/// <summary>RFC 9457 Problem Details, the one error shape of the API.</summary>
public static class Problems
{
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string title = "The request is not valid") =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = 400, Title = title, Type = "https://httpstatuses.io/400" });

    public static ProblemHttpResult Field(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: 404, title: "Not found", detail: what, type: "https://httpstatuses.io/404");

    public static ProblemHttpResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, type: $"https://httpstatuses.io/{status}");

    public static Task Write(HttpContext ctx, int status, string title, string? detail)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new { type = $"https://httpstatuses.io/{status}", title, status, detail },
            options: null, contentType: "application/problem+json");
    }
}
