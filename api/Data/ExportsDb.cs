using Microsoft.EntityFrameworkCore;

namespace Exports.Data;

public sealed class ExportsDb(DbContextOptions<ExportsDb> options) : DbContext(options)
{
    public DbSet<ExportTemplate> Templates => Set<ExportTemplate>();
    public DbSet<ExportTemplateVersion> TemplateVersions => Set<ExportTemplateVersion>();
    public DbSet<ExportSchedule> Schedules => Set<ExportSchedule>();
    public DbSet<ScheduleRun> ScheduleRuns => Set<ScheduleRun>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        // Users, API keys and sources are relational tables read and written with Npgsql commands (Host/Auth.cs,
        // Features/Identity, Features/Sources).
        // Dashboards, monitors, alerts and delivery destinations are Marten documents (Host/Documents.cs); their old
        // tables are legacy_* (Host/LegacyImport.cs).
        b.Entity<ExportTemplate>(e =>
        {
            e.ToTable("templates");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Description).HasColumnName("description");
            e.Property(x => x.Request).HasColumnName("request").HasColumnType("jsonb");
            e.Property(x => x.Version).HasColumnName("version");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
        b.Entity<ExportTemplateVersion>(e =>
        {
            e.ToTable("template_versions");
            e.HasKey(x => new { x.TemplateId, x.Version });
            e.Property(x => x.TemplateId).HasColumnName("template_id");
            e.Property(x => x.Version).HasColumnName("version");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Description).HasColumnName("description");
            e.Property(x => x.Request).HasColumnName("request").HasColumnType("jsonb");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
        b.Entity<ExportSchedule>(e =>
        {
            e.ToTable("schedules");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.TemplateId).HasColumnName("template_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Spec).HasColumnName("spec").HasColumnType("jsonb");
            e.Property(x => x.Cron).HasColumnName("cron");
            e.Property(x => x.Timezone).HasColumnName("timezone");
            e.Property(x => x.Active).HasColumnName("active");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
        b.Entity<ScheduleRun>(e =>
        {
            e.ToTable("schedule_runs");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.ScheduleId).HasColumnName("schedule_id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.ExportId).HasColumnName("export_id");
            e.Property(x => x.Trigger).HasColumnName("trigger");
            e.Property(x => x.ScheduledFor).HasColumnName("scheduled_for");
            e.Property(x => x.StartedAt).HasColumnName("started_at");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.Repeats).HasColumnName("repeats");
            e.Property(x => x.LastScheduledFor).HasColumnName("last_scheduled_for");
        });
    }
}
