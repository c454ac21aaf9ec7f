namespace Exports.Data.Migrations;

/// <summary>
/// A signed-in stream's claim on a source's live log (Features/Live/LiveWatchers): the SPA's Live toggle, or a client
/// with an API key, streams without a stream token, so the ingest needs another sign that someone is listening. A
/// watcher row is a live consumer while unexpired; its stream renews it at least once per keepalive interval (never
/// once lapsed: a lapsed row is dead), and when the stream ends leaves it to lapse a lease later, so a client that
/// reconnects within it misses nothing; the retention sweep deletes lapsed rows. <c>api_key_id</c>: the key the
/// stream was opened with (null for the session cookie), whose revocation ends it. <c>sources.live_unlogged_seq</c>: the
/// source's <c>live_seq</c> when an ingest last committed without logging (no consumer then), set under the source's row
/// lock by that ingest, and <c>live_unlogged_count</c>, how many such ingests there were: a stream resuming at or before
/// the first, or open when the second moves, knows rows came that the log does not hold, and says <c>event: resync</c>.
/// Existing sources start at their current live_seq (nothing is known about their past ingests).
/// </summary>
public static class LiveWatchers
{
    public static readonly Migration Step = new("20261130000014_LiveWatchers", """
        ALTER TABLE sources ADD COLUMN live_unlogged_seq bigint NOT NULL DEFAULT -1, ADD COLUMN live_unlogged_count bigint NOT NULL DEFAULT 0;
        UPDATE sources SET live_unlogged_seq = live_seq;
        CREATE TABLE live_watchers (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            api_key_id uuid NULL REFERENCES api_keys(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX live_watchers_source ON live_watchers (source_id, expires_at);
        CREATE INDEX live_watchers_expires ON live_watchers (expires_at);
        CREATE INDEX live_watchers_key ON live_watchers (api_key_id) WHERE api_key_id IS NOT NULL;
        """);
}
