using Microsoft.EntityFrameworkCore;

namespace Exports.Data;

public sealed class ExportsDb(DbContextOptions<ExportsDb> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Source> Sources => Set<Source>();
    public DbSet<Dashboard> Dashboards => Set<Dashboard>();
    public DbSet<ThresholdMonitor> Monitors => Set<ThresholdMonitor>();
    public DbSet<Alert> Alerts => Set<Alert>();

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
        b.Entity<Dashboard>(e =>
        {
            e.ToTable("dashboards");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Slug).HasColumnName("slug");
            e.Property(x => x.Title).HasColumnName("title");
            e.Property(x => x.Description).HasColumnName("description");
            e.Property(x => x.Layout).HasColumnName("layout").HasColumnType("jsonb");
            e.Property(x => x.ShareHash).HasColumnName("share_hash");
            e.Property(x => x.SharedAt).HasColumnName("shared_at");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
        b.Entity<ThresholdMonitor>(e =>
        {
            e.ToTable("monitors");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Query).HasColumnName("query").HasColumnType("jsonb");
            e.Property(x => x.Condition).HasColumnName("condition");
            e.Property(x => x.Threshold).HasColumnName("threshold");
            e.Property(x => x.State).HasColumnName("state");
            e.Property(x => x.Value).HasColumnName("value");
            e.Property(x => x.Since).HasColumnName("since");
            e.Property(x => x.DashboardId).HasColumnName("dashboard_id");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
        b.Entity<Alert>(e =>
        {
            e.ToTable("alerts");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.OwnerId).HasColumnName("owner_id");
            e.Property(x => x.Title).HasColumnName("title");
            e.Property(x => x.Severity).HasColumnName("severity");
            e.Property(x => x.FiredAt).HasColumnName("fired_at");
            e.Property(x => x.MonitorId).HasColumnName("monitor_id");
            e.Property(x => x.Targets).HasColumnName("targets").HasColumnType("jsonb");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
    }
}
