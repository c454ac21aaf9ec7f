namespace Exports.Data.Migrations;

/// <summary>Delivery destinations (configured once per owner; secrets encrypted with Data Protection) and each
/// export's delivery results.</summary>
public static class Delivery
{
    public static readonly Migration Step = new("20261122000005_Delivery", """
        CREATE TABLE destinations (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name text NOT NULL,
            kind text NOT NULL,
            config jsonb NOT NULL,
            secrets text NULL,
            secret_names text[] NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX destinations_owner_name ON destinations (owner_id, lower(name));

        CREATE TABLE export_deliveries (
            id uuid PRIMARY KEY,
            export_id uuid NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
            destination_id uuid NOT NULL,
            destination_name text NOT NULL,
            kind text NOT NULL,
            status text NOT NULL,
            attempts int NOT NULL DEFAULT 0,
            last_error text NULL,
            detail text NULL,
            duration_ms bigint NULL,
            delivered_at timestamptz NULL,
            UNIQUE (export_id, destination_id)
        );
        """);
}
