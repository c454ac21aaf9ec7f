using FastEndpoints;

namespace Exports.Features.Sinks;

/// <summary>One sink of one source: both from the path.</summary>
public sealed class SinkIdRequest
{
    public string Source { get; set; } = "";
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse: a source or id that names nothing of yours is the lookup's 404.</summary>
public sealed class SinkIdValidator : Validator<SinkIdRequest>;

public sealed class SourceSinksRequest
{
    public string Source { get; set; } = "";
}

/// <summary>Nothing to refuse: a source that is not yours is the lookup's 404.</summary>
public sealed class SourceSinksValidator : Validator<SourceSinksRequest>;
