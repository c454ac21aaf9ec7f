namespace Exports.Data.Migrations;

/// <summary>Export templates with their version history, schedules that run a template, and each schedule's runs
/// (linked to the export job they started). Schedules' triggers live in Quartz's tables.</summary>
public static class Schedules
{
    public static readonly Migration Step = new("20261122000004_Schedules", """
        CREATE TABLE templates (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name text NOT NULL,
            description text NOT NULL DEFAULT '',
            request jsonb NOT NULL,
            version int NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX templates_owner_name ON templates (owner_id, lower(name));

        CREATE TABLE template_versions (
            template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
            version int NOT NULL,
            name text NOT NULL,
            description text NOT NULL,
            request jsonb NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (template_id, version)
        );

        CREATE TABLE schedules (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
            name text NOT NULL,
            spec jsonb NOT NULL,
            cron text NOT NULL,
            timezone text NOT NULL,
            active boolean NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX schedules_owner ON schedules (owner_id, created_at DESC);

        CREATE TABLE schedule_runs (
            id uuid PRIMARY KEY,
            schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
            owner_id uuid NOT NULL,
            export_id uuid NULL,
            trigger text NOT NULL,
            scheduled_for timestamptz NOT NULL,
            started_at timestamptz NOT NULL,
            status text NOT NULL,
            error text NULL,
            UNIQUE (schedule_id, scheduled_for, trigger)
        );
        CREATE INDEX schedule_runs_schedule ON schedule_runs (schedule_id, started_at DESC);
        """);
}
