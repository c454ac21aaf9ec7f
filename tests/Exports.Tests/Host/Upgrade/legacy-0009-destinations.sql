-- The destinations table as migration 0005_Delivery made it (no later migration touches it), before destinations
-- became Marten documents. UpgradeInPlaceTests builds its "old" database from this file, not from the migrations of
-- the version under test: an edit there cannot change what the upgrade is tested against.
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
