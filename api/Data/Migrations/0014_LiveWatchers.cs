namespace Exports.Data.Migrations;

/// <summary>
/// A signed-in stream's claim on a source's live log (Features/Live/LiveWatchers): the SPA's Live toggle, or a client
/// with an API key, streams without a stream token, so the ingest needs another sign that someone is listening. A
/// watcher row is a live consumer while unexpired; its stream renews it at least once per keepalive interval (never
/// once lapsed: a lapsed row is dead), and when the stream ends leaves it to lapse a lease later, so a client that
/// reconnects within it misses nothing; the retention sweep deletes lapsed rows. <c>api_key_id</c>: the key the
/// stream was opened with (null for the session cookie), whose revocation ends it.
/// </summary>
public static class LiveWatchers
{
    public static readonly Migration Step = new("20261130000014_LiveWatchers", """
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
