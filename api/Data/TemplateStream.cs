using Marten;
using Marten.Events.Aggregation;
using Npgsql;

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

/// <summary>The template's transaction lock (advisory, held until the transaction ends): a template's delete takes it
/// before it reads the template's schedules, and a schedule's save before it checks that its template still exists.
/// So a schedule saved while its template is deleted either commits first (and the delete finds and deletes it) or
/// waits and finds the template gone (a 400 on templateId), never a schedule without its template. One key function
/// for both, here, as neither slice imports the other.</summary>
public static class TemplateLock
{
    /// <summary>The lock's text key (hashed by PostgreSQL's <c>hashtextextended</c>); a schedule's is "schedule:…".</summary>
    public static string KeyOf(Guid templateId) => "template:" + templateId.ToString("N");

    /// <summary>Waits for and takes the lock of each template in <paramref name="templateIds"/> (distinct, in order,
    /// so two transactions taking the same two never deadlock).</summary>
    public static async Task TakeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<Guid> templateIds, CancellationToken ct)
    {
        foreach (var id in templateIds.Distinct().Order())
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = KeyOf(id) });
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}

/// <summary>What deleting a template takes with it, in the transaction that appends <see cref="TemplateDeleted"/>,
/// as the foreign keys' ON DELETE CASCADE did when templates and schedules were tables: its schedules (documents, by
/// their template_id column) and their runs (rows of schedule_runs), and then its stream, every version of it
/// (<see cref="PurgeStreamAsync"/>): a deleted template keeps no copy of what it held. The caller holds
/// <see cref="TemplateLock"/> first, so no schedule of the template is being saved meanwhile. Returns the schedules'
/// ids, whose Quartz jobs the caller removes once the transaction commits (<see cref="IScheduleTriggers"/>). By
/// table, not by type: the schedule document belongs to the Schedule slice, which no other slice references.</summary>
public static class TemplateCascade
{
    public static async Task<IReadOnlyList<Guid>> DeleteAsync(IDocumentSession session, Template t, Guid by, DateTimeOffset at, CancellationToken ct)
    {
        var schedules = $"{session.DocumentStore.Options.DatabaseSchemaName}.{ScheduleTable}";
        var ids = await session.AdvancedSql.QueryAsync<Guid>($"SELECT id FROM {schedules} WHERE template_id = ?", ct, t.Id);
        // Appended (not only deleted): the append moves the stream's version, so an edit racing this delete fails on it.
        session.Events.Append(t.Id, new TemplateDeleted(by, at));
        session.QueueSqlCommand($"DELETE FROM public.schedule_runs WHERE schedule_id IN (SELECT id FROM {schedules} WHERE template_id = ?)", t.Id);
        session.QueueSqlCommand($"DELETE FROM {schedules} WHERE template_id = ?", t.Id);
        return ids;
    }

    /// <summary>Deletes the template's events (every version, and the <see cref="TemplateDeleted"/> just saved) and its
    /// stream row, on the delete's transaction after its session saved: the delete is then whole or not at all.</summary>
    public static async Task PurgeStreamAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, Guid templateId, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"DELETE FROM {schema}.mt_events WHERE stream_id = $1") { Parameters = { new NpgsqlParameter { Value = templateId } } },
                new NpgsqlBatchCommand($"DELETE FROM {schema}.mt_streams WHERE id = $1") { Parameters = { new NpgsqlParameter { Value = templateId } } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
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
