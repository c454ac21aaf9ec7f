using FastEndpoints;

namespace Exports.Features.History;

/// <summary>A request naming one of the caller's exports by its id (a GUID, by the route's constraint); another
/// owner's, or one that never existed, is simply not found.</summary>
public sealed class ExportIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse before the lookup: the route admits only GUIDs, and every unknown one (the empty GUID
/// included) answers 404 from the handler, as it always has.</summary>
public sealed class ExportIdValidator : Validator<ExportIdRequest>;
