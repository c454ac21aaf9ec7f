namespace Exports.Data.Migrations;

/// <summary>The submission ledger the hourly quota counts (deleting history does not give quota back), failed
/// sign-ins per account for the login throttle, and coalesced refused schedule ticks.</summary>
public static class JobsHardening
{
    public static readonly Migration Step = new("20261122000006_JobsHardening", """
        CREATE TABLE export_submissions (
            job_id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            submitted_at timestamptz NOT NULL
        );
        CREATE INDEX export_submissions_owner ON export_submissions (owner_id, submitted_at);
        CREATE INDEX export_submissions_age ON export_submissions (submitted_at);
        INSERT INTO export_submissions (job_id, owner_id, submitted_at)
            SELECT id, owner_id, created_at FROM export_jobs WHERE created_at > now() - interval '1 hour';

        CREATE TABLE login_failures (
            account bytea NOT NULL,
            failed_at timestamptz NOT NULL
        );
        CREATE INDEX login_failures_account ON login_failures (account, failed_at);
        CREATE INDEX login_failures_age ON login_failures (failed_at);

        ALTER TABLE schedule_runs ADD COLUMN repeats int NOT NULL DEFAULT 0, ADD COLUMN last_scheduled_for timestamptz NULL;
        """);
}
