using Microsoft.EntityFrameworkCore;

namespace Exports.Data;

public sealed class ExportsDb(DbContextOptions<ExportsDb> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Source> Sources => Set<Source>();
    public DbSet<ScheduleRun> ScheduleRuns => Set<ScheduleRun>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<User>(e =>
        {
            e.ToTable("users");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Email).HasColumnName("email");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.PasswordHash).HasColumnName("password_hash");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
        b.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Prefix).HasColumnName("prefix");
            e.Property(x => x.Hash).HasColumnName("hash");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.RevokedAt).HasColumnName("revoked_at");
            e.Property(x => x.LastUsedAt).HasColumnName("last_used_at");
        });
        b.Entity<Source>(e =>
        {
            e.ToTable("sources");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Kind).HasColumnName("kind");
            e.Property(x => x.Description).HasColumnName("description");
            e.Property(x => x.Schema).HasColumnName("schema").HasColumnType("jsonb");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
        // Dashboards, monitors, alerts, templates (an event stream each) and schedules are Marten documents
        // (Host/Documents.cs); their old tables are legacy_* (Host/LegacyImport.cs). Schedule runs stay a table.
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
