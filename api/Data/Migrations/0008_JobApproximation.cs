using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Exports.Data.Migrations;

/// <summary>
/// A job records whether its values are approximate, beside its tier: the aggregations that are (percentiles merged
/// from a rollup tier) and the method, as the export's headers and metadata declare them. Jobs from before this
/// migration have neither (null: not recorded).
/// </summary>
[DbContext(typeof(ExportsDb))]
[Migration("20261122000008_JobApproximation")]
public sealed class JobApproximation : Migration
{
    protected override void Up(MigrationBuilder m) => m.Sql("""
        ALTER TABLE export_jobs ADD COLUMN approximate text[] NULL, ADD COLUMN approximation text NULL;
        """);

    protected override void Down(MigrationBuilder m) => m.Sql("""
        ALTER TABLE export_jobs DROP COLUMN approximate, DROP COLUMN approximation;
        """);
}
