using Marten;
using Marten.Events.Aggregation;

namespace Exports.Data;

/// <summary>The Template document from its stream: created gives version 1, each update the next version with its
/// whole body, deleted removes the document. Registered inline (Host/Documents.cs): the document changes in the
/// transaction that appends the event, so a name taken by a concurrent save rolls the event back too. Also what
/// <c>AggregateStreamAsync&lt;Template&gt;(id, version: n)</c> uses to rebuild version n.</summary>
public sealed class TemplateProjection : SingleStreamProjection<Template, Guid>
{
    public Template Create(TemplateCreated e) => new()
    {
        Id = e.TemplateId, OwnerId = e.OwnerId, Name = e.Name, NameKey = Template.KeyOf(e.Name), Description = e.Description,
        Request = e.Request, Version = 1, CreatedAt = e.At, UpdatedAt = e.At,
    };

    public Template Apply(TemplateUpdated e, Template t)
    {
        (t.Name, t.NameKey, t.Description, t.Request, t.UpdatedAt) = (e.Name, Template.KeyOf(e.Name), e.Description, e.Request, e.At);
        t.Version++;
        return t;
    }

    public bool ShouldDelete(TemplateDeleted e) => true;
}

/// <summary>Templates as other slices read them (a schedule runs a template; the template slice deletes a template's
/// schedules): through here, so no slice imports another.</summary>
public sealed class TemplateReader(IQuerySession docs)
{
    public Task<Template?> FindAsync(Guid id, CancellationToken ct) => docs.LoadAsync<Template>(id, ct);

    /// <summary>The template if it is <paramref name="owner"/>'s (a stranger's reads as none: 404, not 403).</summary>
    public async Task<Template?> OwnedAsync(Guid owner, Guid id, CancellationToken ct) =>
        await docs.LoadAsync<Template>(id, ct) is { } t && t.OwnerId == owner ? t : null;
}

/// <summary>What deleting a template takes with it, queued in the session that appends <see cref="TemplateDeleted"/>
/// (one transaction), as the foreign keys' ON DELETE CASCADE did when templates and schedules were tables: its
/// schedules (documents, by their template_id column) and their runs (rows of schedule_runs). Returns the schedules'
/// ids, whose Quartz jobs the caller removes once the transaction commits (<see cref="IScheduleTriggers"/>); one a
/// concurrent create adds meanwhile finds no schedule at its first firing and removes itself (ScheduleJob). By
/// table, not by type: the schedule document belongs to the Schedule slice, which no other slice references.</summary>
public static class TemplateCascade
{
    public static async Task<IReadOnlyList<Guid>> DeleteAsync(IDocumentSession session, Template t, Guid by, DateTimeOffset at, CancellationToken ct)
    {
        var schedules = $"{session.DocumentStore.Options.DatabaseSchemaName}.{ScheduleTable}";
        var ids = await session.AdvancedSql.QueryAsync<Guid>($"SELECT id FROM {schedules} WHERE template_id = ?", ct, t.Id);
        session.Events.Append(t.Id, new TemplateDeleted(by, at));
        session.QueueSqlCommand($"DELETE FROM public.schedule_runs WHERE schedule_id IN (SELECT id FROM {schedules} WHERE template_id = ?)", t.Id);
        session.QueueSqlCommand($"DELETE FROM {schedules} WHERE template_id = ?", t.Id);
        return ids;
    }

    /// <summary>The schedule documents' table (their alias "schedule", Host/Documents.cs).</summary>
    public const string ScheduleTable = "mt_doc_schedule";
}

/// <summary>Removes schedules' triggers (their Quartz jobs) from outside the Schedule slice, which implements it: a
/// template's delete takes its schedules' triggers with them.</summary>
public interface IScheduleTriggers
{
    Task RemoveAsync(IReadOnlyList<Guid> scheduleIds, CancellationToken ct);
}
