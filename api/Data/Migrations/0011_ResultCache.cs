namespace Exports.Data.Migrations;

/// <summary>
/// The result cache (Jobs/ResultCache): a data version per source, bumped in the transaction of every ingest into it
/// (points or records, and the schema a records ingest widens), so an export can tell whether anything landed since an
/// earlier one read the source; the cache key of each export computed afresh (null for those that are not cache
/// sources), whether a job asked never to be one (<c>Cache-Control: no-store</c>), and on a job answered from the cache the export whose file it shares.
/// </summary>
public static class ResultCache
{
    public static readonly Migration Step = new("20261130000011_ResultCache", """
        ALTER TABLE sources ADD COLUMN data_version bigint NOT NULL DEFAULT 0;
        ALTER TABLE export_jobs ADD COLUMN cache_key text NULL, ADD COLUMN cache_hit_of uuid NULL,
            ADD COLUMN cache_no_store boolean NOT NULL DEFAULT false;
        CREATE INDEX export_jobs_cache ON export_jobs (owner_id, cache_key, completed_at DESC)
            WHERE cache_key IS NOT NULL AND status = 'completed';
        """);
}
