namespace Exports.Data.Migrations;

/// <summary>
/// Webhook sinks (Features/Sinks): a sink per row, its signing secret as a Data Protection payload (never the secret),
/// its cursor in the source's live log (<c>delivered_seq</c>: the last live event whose rows a receiver answered 2xx
/// for, or that had no row the sink wants; <c>delivered_ord</c>: how many rows of the next event were delivered, when
/// a batch ended inside it) and the next batch sequence; and the batches formed for it
/// (<c>sink_batches</c>), each kept with its exact body until delivered (then the body is dropped, and only the sink's
/// latest 100 batches are kept) so that a retry, on any node, resends the same bytes under the same Idempotency-Key, and the cursor it moves the sink to once delivered (<c>cursor_seq</c>, <c>cursor_ord</c>). A node delivering a sink holds its lease (<c>lease_owner</c>, <c>lease_until</c>); a node that
/// dies lets it lapse and another takes the sink over from its cursor.
/// </summary>
public static class Sinks
{
    public static readonly Migration Step = new("20261130000013_Sinks", """
        CREATE TABLE sinks (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            url text NOT NULL,
            secret text NOT NULL,
            metrics text[] NULL,
            filter jsonb NULL,
            batch_ms int NOT NULL,
            max_batch int NOT NULL,
            paused_at timestamptz NULL,
            paused_reason text NULL,
            failing_since timestamptz NULL,
            last_error text NULL,
            delivered_seq bigint NOT NULL,
            delivered_ord int NOT NULL DEFAULT 0,
            next_sequence bigint NOT NULL DEFAULT 1,
            lease_owner text NULL,
            lease_until timestamptz NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL);
        CREATE INDEX sinks_owner ON sinks (owner_id, source_id, created_at);
        CREATE INDEX sinks_source ON sinks (source_id);
        CREATE TABLE sink_batches (
            sink_id uuid NOT NULL REFERENCES sinks(id) ON DELETE CASCADE,
            sequence bigint NOT NULL,
            from_seq bigint NOT NULL,
            to_seq bigint NOT NULL,
            row_count int NOT NULL,
            cursor_seq bigint NOT NULL,
            cursor_ord int NOT NULL,
            body text NULL,
            status text NOT NULL,
            attempts int NOT NULL DEFAULT 0,
            http_status int NULL,
            latency_ms int NULL,
            last_error text NULL,
            note text NULL,
            next_attempt_at timestamptz NULL,
            created_at timestamptz NOT NULL,
            delivered_at timestamptz NULL,
            PRIMARY KEY (sink_id, sequence));
        """);
}
