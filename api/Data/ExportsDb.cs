using Microsoft.EntityFrameworkCore;

namespace Exports.Data;

public sealed class ExportsDb(DbContextOptions<ExportsDb> options) : DbContext(options)
{
    public DbSet<ScheduleRun> ScheduleRuns => Set<ScheduleRun>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        // Users, API keys and sources are relational tables read and written with Npgsql commands (Host/Auth.cs,
        // Features/Identity, Features/Sources). Dashboards, monitors, alerts, delivery destinations, templates (an event
        // stream each) and schedules are Marten documents (Host/Documents.cs); their old tables are legacy_*
        // (Host/LegacyImport.cs). Schedule runs stay a table.
        b.Entity<ScheduleRun>(e =>
        {
            e.ToTable("schedule_runs");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.ScheduleId).HasColumnName("schedule_id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.ExportId).HasColumnName("export_id");
            e.Property(x => x.Trigger).HasColumnName("trigger").HasConversion(v => ScheduleRunNames.Name(v), v => ScheduleRunNames.Trigger(v));
            e.Property(x => x.ScheduledFor).HasColumnName("scheduled_for");
            e.Property(x => x.StartedAt).HasColumnName("started_at");
            e.Property(x => x.Status).HasColumnName("status").HasConversion(v => ScheduleRunNames.Name(v), v => ScheduleRunNames.Status(v));
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.Repeats).HasColumnName("repeats");
            e.Property(x => x.LastScheduledFor).HasColumnName("last_scheduled_for");
        });
    }
}
