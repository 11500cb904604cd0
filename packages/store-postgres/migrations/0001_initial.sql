-- groupsync store, version 1. Runs with search_path set to the store's schema (default
-- "groupsync"), so no name here is schema-qualified. A store over an application's own groups
-- and memberships tables skips the sections marked default-tables.

-- An organisation's settings; an org without a row has the defaults.
CREATE TABLE org_settings (
  org_id text PRIMARY KEY,
  manage_group_memberships boolean NOT NULL,
  match_mode text NOT NULL CHECK (match_mode IN ('exact', 'case-insensitive')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- groupsync:default-tables
-- An organisation's groups. Names are unique per organisation, compared exactly. The uniqueness
-- is an exclusion constraint over a hash index, because a btree index entry cannot hold a name
-- longer than about 2.7 kB and group names may be longer.
CREATE TABLE org_groups (
  org_id text NOT NULL,
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  CONSTRAINT org_groups_name_unique EXCLUDE USING hash ((ARRAY[org_id, name]) WITH =)
);

-- Who is in which group. The primary key serves the per-user reads of a sync; the second index
-- serves listing a group's members and the cascade when a group is deleted.
CREATE TABLE memberships (
  org_id text NOT NULL,
  user_id text NOT NULL,
  group_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('sync', 'manual')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, group_id),
  FOREIGN KEY (org_id, group_id) REFERENCES org_groups (org_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_by_group ON memberships (org_id, group_id, user_id);
-- groupsync:end

-- When each user was last synced, for the staleness report.
CREATE TABLE user_syncs (
  org_id text NOT NULL,
  user_id text NOT NULL,
  last_synced_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX user_syncs_by_time ON user_syncs (org_id, last_synced_at);

-- The last audit sequence number of each organisation. Appending takes this row's lock until
-- commit, so seq numbers follow commit order within an organisation.
CREATE TABLE audit_counters (
  org_id text PRIMARY KEY,
  last_seq bigint NOT NULL
);

-- The audit log: append-only, numbered per organisation.
CREATE TABLE audit_events (
  org_id text NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL
    CHECK (type IN ('membership.added', 'membership.removed', 'sync.denied', 'settings.changed')),
  user_id text,
  group_id text,
  group_name text,
  source text CHECK (source IN ('sync', 'manual')),
  claim_digest text,
  actor text,
  detail jsonb,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_by_user ON audit_events (org_id, user_id, seq);
