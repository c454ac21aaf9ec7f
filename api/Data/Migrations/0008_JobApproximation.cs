namespace Exports.Data.Migrations;

/// <summary>
/// A job records whether its values are approximate, beside its tier: the aggregations that are (percentiles merged
/// from a rollup tier) and the method, as the export's headers and metadata declare them. Jobs from before this
/// migration have neither (null: not recorded).
/// </summary>
public static class JobApproximation
{
    public static readonly Migration Step = new("20261122000008_JobApproximation", """
        ALTER TABLE export_jobs ADD COLUMN approximate text[] NULL, ADD COLUMN approximation text NULL;
        """);
}
