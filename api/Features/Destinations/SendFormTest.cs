using Exports.Delivery;
using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>POST /destinations/test: sends the test file to a form not saved yet. The form is checked as a save is
/// (<see cref="DestinationBodyValidator"/>, answered under the destination's title); nothing is stored.</summary>
public sealed class SendFormTest(IEnumerable<IDeliveryChannel> channels, ExportsSettings settings, TimeProvider clock, TestSendThrottle throttle, ILoggerFactory logs)
    : Endpoint<DestinationBody, Results<Ok<TestDeliveryResult>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/destinations/test");
        DontThrowIfValidationFails();
        Description(d => d.WithTags("Destinations").WithSummary("Send a test file to a destination not saved yet")
            .WithDescription("At most one test send at a time per account, and EXPORTS_TEST_SENDS_PER_MINUTE a minute: beyond, a 429 with Retry-After.")
            .Produces<TestDeliveryResult>().ProducesProblem(400).ProducesProblem(429));
    }

    public override async Task<Results<Ok<TestDeliveryResult>, ProblemHttpResult>> ExecuteAsync(DestinationBody body, CancellationToken ct)
    {
        if (ValidationFailed) return DestinationRules.Invalid(ValidationFailures);
        var (name, kind, config) = DestinationRules.Normalized(body);
        var d = new Destination(Guid.Empty, User.OwnerId(), name, kind, config, SendTestDelivery.Given(body));
        return await SendTestDelivery.ThrottledAsync(d, channels, settings, clock, throttle, logs, HttpContext, ct);
    }
}
