namespace Exports.Data.Migrations;

/// <summary>Export jobs: every background export and its history (request, state, progress, artifact, downloads).
/// Quartz keeps its own qrtz_* tables (created by the scheduler on first start).</summary>
public static class Jobs
{
    public static readonly Migration Step = new("20261122000003_Jobs", """
        CREATE TABLE export_jobs (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind text NOT NULL,
            format text NOT NULL,
            source text NULL,
            title text NOT NULL,
            status text NOT NULL,
            phase text NOT NULL,
            request jsonb NOT NULL,
            request_hash text NOT NULL,
            file_name text NOT NULL,
            media_type text NOT NULL,
            storage text NOT NULL,
            storage_key text NOT NULL,
            estimated_rows bigint NULL,
            estimated_bytes bigint NULL,
            rows_written bigint NOT NULL DEFAULT 0,
            bytes_written bigint NOT NULL DEFAULT 0,
            size_bytes bigint NULL,
            row_count bigint NULL,
            checksum text NULL,
            tier text NULL,
            error text NULL,
            cancel_requested boolean NOT NULL DEFAULT false,
            cancelled_by text NULL,
            idempotency_key text NULL,
            attempts int NOT NULL DEFAULT 0,
            node text NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            started_at timestamptz NULL,
            completed_at timestamptz NULL,
            expires_at timestamptz NULL,
            download_count int NOT NULL DEFAULT 0,
            last_downloaded_at timestamptz NULL
        );
        CREATE UNIQUE INDEX export_jobs_idempotency ON export_jobs (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX export_jobs_history ON export_jobs (owner_id, created_at DESC, id DESC);
        CREATE INDEX export_jobs_active ON export_jobs (owner_id) WHERE status IN ('pending', 'processing');
        CREATE INDEX export_jobs_expiry ON export_jobs (expires_at) WHERE status = 'completed';
        """);
}
