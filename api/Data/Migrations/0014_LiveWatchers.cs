namespace Exports.Data.Migrations;

/// <summary>
/// A signed-in stream's claim on a source's live log (Features/Live/LiveWatchers): the SPA's Live toggle, or a client
/// with an API key, streams without a stream token, so the ingest needs another sign that someone is listening. A
/// watcher row is a live consumer while unexpired; its stream renews it at least once per keepalive interval and
/// deletes it when it ends, and a node that dies lets it lapse (the retention sweep deletes it).
/// </summary>
public static class LiveWatchers
{
    public static readonly Migration Step = new("20261130000014_LiveWatchers", """
        CREATE TABLE live_watchers (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX live_watchers_source ON live_watchers (source_id, expires_at);
        CREATE INDEX live_watchers_expires ON live_watchers (expires_at);
        """);
}
