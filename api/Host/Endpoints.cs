using System.Text.Json;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.Metadata;
using FastEndpoints.Swagger;
using FluentValidation.Results;

namespace Exports.Host;

/// <summary>
/// FastEndpoints, answering exactly as the rest of the API does: Problem Details with <c>errors</c> keyed by JSON path
/// (<c>{"targets[0].query": ["…"]}</c>), a JSON value of the wrong type named by its field, an empty JSON body named
/// <c>body</c>, null elements refused before validation (<see cref="NullGuard"/>), and one OpenAPI document (NSwag)
/// describing every route with its parameters at <c>/openapi/v1.json</c>.
/// RequestGuard stays the middleware in front of both kinds of route (NUL, surrogates, malformed JSON, 413, 415), and
/// BadRequests the exception handler behind them (races as 409/503): FastEndpoints rethrows what a handler throws.
/// </summary>
public static class Endpoints
{
    public const string Prefix = "api/v1";

    public static void AddExportsEndpoints(this IServiceCollection services)
    {
        // Registered before FastEndpoints' own default (it only adds its binder when none is registered).
        services.AddSingleton(typeof(IRequestBinder<>), typeof(ExportsBinder<>));
        services.AddFastEndpoints(o =>
        {
            o.DisableAutoDiscovery = true;
            o.Assemblies = [typeof(Endpoints).Assembly];
        });
        services.SwaggerDocument(o =>
        {
            // Minimal API routes (until every slice has moved) are described through ApiExplorer in the same document.
            o.ExcludeNonFastEndpoints = false;
            o.EnableJWTBearerAuth = false;
            o.ShortSchemaNames = true;
            o.AutoTagPathSegmentIndex = 0;
            // Schemas name properties as the API's serializer writes them (camelCase).
            o.SerializerSettings = j => j.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.DocumentSettings = d =>
            {
                d.DocumentName = "v1";
                d.Title = "Exports API";
                d.Version = "v1";
                // OpenAPI's format for a GUID is "uuid" (NJsonSchema says "guid").
                d.SchemaSettings.TypeMappers.Add(new NJsonSchema.Generation.TypeMappers.PrimitiveTypeMapper(typeof(Guid),
                    s => { s.Type = NJsonSchema.JsonObjectType.String; s.Format = "uuid"; }));
                // A JsonElement is "any JSON value", not an object with ValueKind.
                d.SchemaSettings.TypeMappers.Add(new NJsonSchema.Generation.TypeMappers.PrimitiveTypeMapper(typeof(JsonElement), _ => { }));
                d.SchemaSettings.TypeMappers.Add(new NJsonSchema.Generation.TypeMappers.PrimitiveTypeMapper(typeof(JsonElement?), _ => { }));
                // An export's delivery reads any JSON value (Jobs.ExportDelivery): what is not { "destinations": [ids] } is a
                // field error of the envelope's validator, as when it was a JsonElement.
                d.SchemaSettings.TypeMappers.Add(new NJsonSchema.Generation.TypeMappers.PrimitiveTypeMapper(typeof(Exports.Jobs.ExportDelivery), _ => { }));
            };
        });
    }

    /// <summary>The OpenAPI document, served before authentication (the fallback policy would refuse it).</summary>
    public static void UseExportsOpenApi(this WebApplication app) =>
        app.UseOpenApi(o => o.Path = "/openapi/{documentName}.json");

    public static void MapExportsEndpoints(this WebApplication app)
    {
        app.UseFastEndpoints(c =>
        {
            c.Endpoints.RoutePrefix = Prefix;
            c.Endpoints.ShortNames = true;
            c.Validation.UsePropertyNamingPolicy = false;
            c.Errors.ProducesMetadataType = typeof(HttpValidationProblemDetails);
            c.Errors.ResponseBuilder = (failures, http, status) => Problem(failures, http, status);
            c.Binding.JsonExceptionTransformer = e => new ValidationFailure(BadRequests.JsonField(e.Path), BadRequests.Describe(e));
            // A query or route value of the wrong type, said as the rest of the API says it.
            c.Binding.FailureMessage = (_, name, value) => $"'{value}' is not a valid value for {name}.";
            c.Binding.Modifier = (request, _, binder, _) =>
            {
                var errors = new Errors();
                NullGuard.Walk(request, "", errors, 0);
                if (!errors.Any) return;
                foreach (var (field, messages) in errors.ToDictionary())
                    foreach (var m in messages) binder.ValidationFailures.Add(new ValidationFailure(field, m));
                throw new ValidationFailureException(binder.ValidationFailures, "A null element.");
            };
        });
    }

    /// <summary>Validation failures as the API's one error shape.</summary>
    static HttpValidationProblemDetails Problem(List<ValidationFailure> failures, HttpContext http, int status) =>
        new(failures.GroupBy(f => f.PropertyName).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray()))
        {
            Status = status,
            Title = "The request is not valid",
            Type = $"https://httpstatuses.io/{status}",
            // As ASP.NET Core's problem details service writes it, so a report of any 400 can be found in the logs.
            Extensions = { ["traceId"] = System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier },
        };
}

/// <summary>Requests bind from their JSON body, route and headers; from the query string only when they say so
/// (<see cref="IQueryBound"/>). FastEndpoints' default binds the query string last, over everything else, so
/// <c>POST /alerts?title=x</c> would replace the body's title and <c>…/export.png?format=pdf</c> the route's format.</summary>
public sealed class ExportsBinder<T>() : RequestBinder<T>(Sources) where T : notnull
{
    static readonly BindingSource Sources = BindingSource.JsonBody | BindingSource.RouteValues | BindingSource.Headers
        | (typeof(IQueryBound).IsAssignableFrom(typeof(T)) ? BindingSource.QueryParams : 0);

    static readonly RequestBinder<T> WithoutBody = new(Sources & ~BindingSource.JsonBody);

    /// <summary>A request without a body, on a route whose body is optional (<c>Accepts(isOptional: true)</c>) or that
    /// takes none (route and query only): it binds from everything but the body, instead of FastEndpoints' 400 for an
    /// empty JSON body. A route that needs a body still says so (400 <c>body</c>).</summary>
    public override ValueTask<T> BindAsync(BinderContext ctx, CancellationToken ct) =>
        HasNoBody(ctx.HttpContext.Request) && ctx.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is var accepts
            && (accepts is null || accepts.IsOptional || accepts.ContentTypes.Contains("*/*"))
            ? WithoutBody.BindAsync(ctx, ct)
            : base.BindAsync(ctx, ct);

    /// <summary>No body: an empty one, or none at all (no Content-Length and not chunked). A GET with a
    /// <c>Content-Type: application/json</c> header and no body, as some HTTP clients send on every request, is a GET
    /// without a body, not a missing JSON body.</summary>
    static bool HasNoBody(HttpRequest r) =>
        r.ContentLength == 0 || (r.ContentLength is null && r.Headers.TransferEncoding.Count == 0
            && (r.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }
                // No GET, HEAD or DELETE route here takes a body; ASP.NET Core's test server says any request can have one.
                || HttpMethods.IsGet(r.Method) || HttpMethods.IsHead(r.Method) || HttpMethods.IsDelete(r.Method)));
}

/// <summary>
/// A POST, PUT or PATCH to the API with no body and no Content-Type (<c>curl -X POST …/run</c>) is taken as an empty
/// JSON body before routing. Routing would otherwise drop every JSON route for it as a media-type mismatch and answer
/// 404 (ASP.NET Core matches a request without a Content-Type only to routes that declare no body); now a route with
/// an optional body runs without one, and one that needs a body says so (400 <c>body</c>).
/// </summary>
public static class EmptyBodies
{
    public static void UseEmptyBodiesAsJson(this WebApplication app) => app.Use((ctx, next) =>
    {
        var r = ctx.Request;
        if (r.Path.StartsWithSegments("/api") && (HttpMethods.IsPost(r.Method) || HttpMethods.IsPut(r.Method) || HttpMethods.IsPatch(r.Method))
            && string.IsNullOrEmpty(r.ContentType) && (r.ContentLength ?? 0) == 0 && r.Headers.TransferEncoding.Count == 0)
        {
            r.ContentType = "application/json";
            r.ContentLength = 0;
        }
        return next(ctx);
    });
}

/// <summary>Marks a request whose properties may come from the query string.</summary>
public interface IQueryBound;
