namespace Exports.Data.Migrations;

/// <summary>
/// Direct downloads through the browser's download manager: a checked export request is kept for a few minutes
/// behind a signed, single-use GET link (<c>direct_downloads</c>), and each download that runs is recorded in history
/// (<c>export_jobs.direct</c>: streamed to the client, no stored file). Existing jobs are not direct.
/// </summary>
public static class DirectDownloads
{
    public static readonly Migration Step = new("20261130000009_DirectDownloads", """
        ALTER TABLE export_jobs ADD COLUMN direct boolean NOT NULL DEFAULT false;
        CREATE TABLE direct_downloads (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            request jsonb NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            used_at timestamptz NULL
        );
        CREATE INDEX direct_downloads_expiry ON direct_downloads (expires_at);
        """);
}
