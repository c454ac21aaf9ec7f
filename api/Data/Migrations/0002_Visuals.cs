namespace Exports.Data.Migrations;

/// <summary>Dashboards (a stored layout, with an optional public link kept as a hash), threshold monitors linked
/// to a dashboard, and fired alerts with their target queries. All owner-scoped.</summary>
public static class Visuals
{
    public static readonly Migration Step = new("20261122000002_Visuals", """
        CREATE TABLE dashboards (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            slug text NOT NULL,
            title text NOT NULL,
            description text NOT NULL DEFAULT '',
            layout jsonb NOT NULL,
            share_hash text NULL,
            shared_at timestamptz NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX dashboards_owner_slug ON dashboards (owner_id, slug);
        CREATE UNIQUE INDEX dashboards_share ON dashboards (share_hash) WHERE share_hash IS NOT NULL;

        CREATE TABLE monitors (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name text NOT NULL,
            query jsonb NOT NULL,
            condition text NOT NULL,
            threshold double precision NOT NULL,
            state text NOT NULL,
            value double precision NULL,
            since timestamptz NOT NULL,
            dashboard_id uuid NULL REFERENCES dashboards (id) ON DELETE SET NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX monitors_owner ON monitors (owner_id);

        CREATE TABLE alerts (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            title text NOT NULL,
            severity text NOT NULL,
            fired_at timestamptz NOT NULL,
            monitor_id uuid NULL REFERENCES monitors (id) ON DELETE SET NULL,
            targets jsonb NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX alerts_owner ON alerts (owner_id, fired_at DESC);
        """);
}
