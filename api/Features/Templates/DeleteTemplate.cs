using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Npgsql;

namespace Exports.Features.Templates;

/// <summary>DELETE /templates/{id}: the template, its stream with every version, and, in the same transaction, its
/// schedules with their runs (<see cref="TemplateCascade"/>); then their triggers. The transaction holds the template's
/// lock (<see cref="TemplateLock"/>) from before it reads anything: two deletes take turns (the second finds nothing:
/// 404), and a schedule being saved for the template either commits first (and goes with it) or finds it gone. An
/// edit saved between the read and the append (the stream moved on) is met by reading again: 404 if it is gone,
/// otherwise the delete is tried once more.</summary>
public sealed class DeleteTemplate(IDocumentStore store, NpgsqlDataSource db, IScheduleTriggers triggers, TimeProvider clock, ILogger<DeleteTemplate> log)
    : Endpoint<TemplateIdRequest>
{
    public override void Configure()
    {
        Delete("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("Delete a template").Produces(204).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task HandleAsync(TemplateIdRequest req, CancellationToken ct) => await Send.ResultAsync(await DeleteAsync(req.Id, ct));

    async Task<IResult> DeleteAsync(Guid id, CancellationToken ct)
    {
        var owner = User.OwnerId();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await TryDeleteAsync(owner, id, ct) is not { } schedules) return Problems.NotFound($"No template {id}.");
                // After the commit: a trigger left behind (Quartz unavailable) finds no schedule when it fires and removes itself.
                try { await triggers.RemoveAsync(schedules, CancellationToken.None); }
                catch (Exception e) { log.LogWarning(e, "Could not remove the triggers of template {Template}'s schedules; each goes at its next firing", id); }
                return TypedResults.NoContent();
            }
            // An edit appended between this read and this append: the next attempt reads again (404 if it is gone by then).
            catch (Exception e) when (TemplateChecks.IsStale(e) && attempt < 2)
            {
                log.LogInformation("Template {Template} changed while it was being deleted; reading it again", id);
            }
            catch (Exception e) when (TemplateChecks.IsStale(e)) { return TemplateChecks.Changed(); }
        }
    }

    /// <summary>One attempt in its own transaction: null when the template is not (or no longer) the owner's, else the
    /// ids of the schedules deleted with it.</summary>
    async Task<IReadOnlyList<Guid>?> TryDeleteAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await TemplateLock.TakeAsync(conn, tx, [id], ct);
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
        var t = await session.LoadAsync<Template>(id, ct);
        if (t is null || t.OwnerId != owner) return null;
        var schedules = await TemplateCascade.DeleteAsync(session, t, owner, clock.GetUtcNow().ToMicroseconds(), ct);
        await session.SaveChangesAsync(ct);
        await TemplateCascade.PurgeStreamAsync(conn, tx, store.Options.DatabaseSchemaName, id, ct);
        await tx.CommitAsync(ct);
        return schedules;
    }
}
