namespace Exports.Data;

/// <summary>A template saved for the first time: version 1, with everything a version carries (name, description, the
/// export envelope as JSON), who saved it and when. The first event of the template's stream (stream id = template id).</summary>
public sealed record TemplateCreated(Guid TemplateId, Guid OwnerId, string Name, string Description, string Request, Guid By, DateTimeOffset At);

/// <summary>A new version of a template, with the whole body (not a difference): version n is the stream's n-th event.</summary>
public sealed record TemplateUpdated(string Name, string Description, string Request, Guid By, DateTimeOffset At);

/// <summary>The template was deleted: its document goes, its stream (every version) stays as history.</summary>
public sealed record TemplateDeleted(Guid By, DateTimeOffset At);

/// <summary>A saved export request (the envelope of POST /api/v1/exports) with a name unique per owner: the current
/// version, projected inline from the template's event stream (<see cref="TemplateProjection"/>).</summary>
public sealed class Template
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The name as the uniqueness per owner compares it (case-insensitive): a duplicated column with a unique
    /// index on (owner_id, name_key), as the EF table's index on (owner_id, lower(name)).</summary>
    public string NameKey { get; set; } = "";
    public string Description { get; set; } = "";
    /// <summary>The export envelope as JSON, as the API normalized it.</summary>
    public string Request { get; set; } = "{}";
    /// <summary>The current version: the number of versions saved, and so the stream's version.</summary>
    public int Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When the current version was saved.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    public static string KeyOf(string name) => name.ToLowerInvariant();
}
