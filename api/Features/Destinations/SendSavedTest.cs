using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>POST /destinations/{id}/test: sends the test file to a saved destination. The body is optional: none is
/// the destination as saved; a JSON destination body is the form being edited (checked as a save is, not saved), the
/// stored secrets filling boxes left empty only while the kind and receiver are the saved ones.
/// <para>The body is read here, never bound: the request binds from the route alone and the endpoint declares no
/// body type, so routing and the request guard let a POST without a body (or without a content type) through, and
/// <see cref="RequestGuard.ReadOptionalJsonAsync"/> makes the guard's checks of a present body (415, 413, malformed
/// JSON, NUL and surrogates), then the null guard's.</para></summary>
public sealed class SendSavedTest(Exports.Delivery.Destinations store, IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock,
    TestSendThrottle throttle, ILoggerFactory logs) : Endpoint<DestinationIdRequest, Results<Ok<TestDeliveryResult>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/destinations/{id:guid}/test");
        RequestBinder(new RequestBinder<DestinationIdRequest>(BindingSource.RouteValues));
        Description(d => d.ClearDefaultAccepts().WithTags("Destinations").WithSummary("Send a test file to a saved destination (or to its form's unsaved changes)")
            .WithDescription("Without a body: the saved destination as it is. With a JSON destination body (name, kind, config, secrets): "
                + "those settings, checked as a save is, and not saved; the stored secrets fill any left out only while the kind and the receiver "
                + "(webhook scheme, host and port; S3 endpoint and bucket; SFTP host, port and user name) are the saved ones. "
                + "At most one test send at a time per account, and EXPORTS_TEST_SENDS_PER_MINUTE a minute: beyond, a 429 with Retry-After.")
            .Produces<TestDeliveryResult>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429));
    }

    public override async Task<Results<Ok<TestDeliveryResult>, ProblemHttpResult>> ExecuteAsync(DestinationIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var (bytes, bad) = await RequestGuard.ReadOptionalJsonAsync(HttpContext, settings.MaxJsonBytes);
        if (bad is not null) return (ProblemHttpResult)bad;
        DestinationBody? body = null;
        if (bytes is not null)
        {
            try { body = JsonSerializer.Deserialize<DestinationBody>(bytes, JsonSerializerOptions.Web); }
            catch (JsonException e) { return Problems.Field(BadRequests.JsonField(e.Path), BadRequests.Describe(e)); }
            if (body is null) return Problems.Field("body", "Send a destination object (name, kind, config, secrets), or no body.");
            var nulls = new Errors();
            NullGuard.Walk(body, "", nulls, 0);
            if (nulls.Any) return Problems.Validation(nulls.ToDictionary());
        }
        if ((await store.LoadAsync(owner, [req.Id], ct)).FirstOrDefault() is not { } saved) return Problems.NotFound($"No destination {req.Id}.");
        var d = saved;
        if (body is not null)
        {
            // The stored secrets go only where they were meant to: the same kind and the same receiver (a form that
            // points the destination elsewhere must carry its own secrets, as an unsaved form does).
            var sameTarget = SendTestDelivery.SameTarget(saved, body);
            IReadOnlyCollection<string> stored = sameTarget ? saved.Secrets.Keys.ToList() : [];
            if (await DestinationRules.CheckAsync(body, stored, settings, ct) is { Any: true } errors) return DestinationRules.Invalid(errors.ToDictionary());
            var secrets = sameTarget ? new Dictionary<string, string>(saved.Secrets) : [];
            foreach (var (k, v) in SendTestDelivery.Given(body)) secrets[k] = v;
            var (name, kind, config) = DestinationRules.Normalized(body);
            d = saved with { Name = name, Kind = kind, Config = config, Secrets = secrets };
        }
        return await SendTestDelivery.ThrottledAsync(d, channels, settings, clock, throttle, logs, HttpContext, ct);
    }
}
