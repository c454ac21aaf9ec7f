namespace Exports.Data.Migrations;

/// <summary>
/// A lease on each delivery row: the node delivering to a destination holds it (<c>claimed_by</c>) and renews it
/// (<c>claimed_at</c>) while it sends and waits between attempts, so a repeated or recovered delivery message skips a
/// destination another live node is sending to instead of sending it twice. Existing rows hold no lease.
/// And the cluster (EXPORTS_SCHEDULER_NAME) that last started each export, so that a cluster's stale-export sweep
/// only re-queues its own jobs when two clusters share a database.
/// </summary>
public static class LeasesAndClusters
{
    public static readonly Migration Step = new("20261130000010_LeasesAndClusters", """
        ALTER TABLE export_deliveries ADD COLUMN claimed_at timestamptz NULL, ADD COLUMN claimed_by text NULL;
        ALTER TABLE export_jobs ADD COLUMN cluster text NULL;
        """);
}
