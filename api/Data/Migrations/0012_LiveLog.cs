namespace Exports.Data.Migrations;

/// <summary>
/// The live log (issue 15, Series/LiveLog): per source, what each ingest committed, cut into numbered chunks. An
/// ingest into a source that has a live consumer bumps <c>sources.live_seq</c> by its number of chunks and writes one
/// <c>live_events</c> row per chunk, in its own transaction (the row lock on the source makes seq order commit order).
/// Stream tokens (the SSE stream's only credential, one source each) are stored hashed like API keys; an unrevoked,
/// unexpired token is a live consumer of its source.
/// </summary>
public static class LiveLog
{
    public static readonly Migration Step = new("20261130000012_LiveLog", """
        ALTER TABLE sources ADD COLUMN live_seq bigint NOT NULL DEFAULT 0;
        CREATE TABLE live_events (
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            committed_at timestamptz NOT NULL,
            row_count int NOT NULL,
            rows jsonb NOT NULL,
            PRIMARY KEY (source_id, seq)
        );
        CREATE INDEX live_events_committed ON live_events (committed_at);
        CREATE TABLE stream_tokens (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            name text NOT NULL,
            prefix text NOT NULL,
            hash bytea NOT NULL,
            origins text[] NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            revoked_at timestamptz NULL
        );
        CREATE UNIQUE INDEX stream_tokens_hash ON stream_tokens (hash);
        CREATE INDEX stream_tokens_source ON stream_tokens (source_id) WHERE revoked_at IS NULL;
        CREATE INDEX stream_tokens_owner ON stream_tokens (owner_id);
        """);
}
