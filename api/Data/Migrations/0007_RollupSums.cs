namespace Exports.Data.Migrations;

/// <summary>
/// Rollup sums become <c>numeric</c>. A float8 sum overflowed (PostgreSQL raises "value out of range") as soon as
/// one bucket held two values near 1.7e308, which failed the whole ingest; a numeric sum cannot overflow and is exact.
/// Each value enters it through its shortest round-trip text (<c>value::text::numeric</c>: PostgreSQL's float8 to
/// numeric cast keeps only 15 digits), so a bucket's sum is the exact sum of the values as stored, and count, sum and
/// avg read from a tier equal <c>sum(value::text::numeric)</c> over the raw points. Exports turn a numeric back into
/// a double with <c>exports_float8</c>: the nearest double, or +/-Infinity for a sum beyond the double range (which
/// CSV writes as Infinity and JSON, Excel and Parquet leave empty) instead of an error. Existing sums convert in
/// place (the rewrite of both rollup tables happens once, inside the migration's transaction).
/// </summary>
public static class RollupSums
{
    public static readonly Migration Step = new("20261122000007_RollupSums", """
        SET LOCAL extra_float_digits = 3;
        ALTER TABLE rollup_hourly ALTER COLUMN sum TYPE numeric USING sum::text::numeric;
        ALTER TABLE rollup_daily ALTER COLUMN sum TYPE numeric USING sum::text::numeric;
        CREATE OR REPLACE FUNCTION exports_float8(x numeric) RETURNS float8
            LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
            AS $$ SELECT CASE WHEN abs(x) < 1.797693134862315807937289714053e308 THEN x::float8
                              ELSE sign(x)::float8 * 'Infinity'::float8 END $$;
        """);
}
