-- groupsync store, versions 1 to 6 at once, every table hash-partitioned by org_id: the shape a
-- distributed PostgreSQL (Citus, distributing by org_id) needs, and PostgreSQL's own declarative
-- partitioning accepts. Run by migrate({ partitions }) on a new schema, which then creates the
-- partitions of each table and records versions 1 to 6 as applied; later versions apply to both
-- shapes. Every unique key holds org_id, every foreign key too, and the audit counter is per org.

CREATE TABLE org_settings (
  org_id text PRIMARY KEY,
  manage_group_memberships boolean NOT NULL,
  match_mode text NOT NULL CHECK (match_mode IN ('exact', 'case-insensitive')),
  updated_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY HASH (org_id);

CREATE TABLE org_groups (
  org_id text NOT NULL,
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
) PARTITION BY HASH (org_id);

-- Names are unique per org. A partitioned table refuses exclusion constraints (the unpartitioned
-- store's rule), so the rule is a unique index over a SHA-256 of the name: a btree entry cannot
-- hold a long name, and a 256-bit digest never collides in practice. The function is immutable
-- for a database's one encoding (convert_to itself is only stable, as encodings could change).
CREATE FUNCTION name_digest(name text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT sha256(convert_to($1, 'UTF8')) $$;
CREATE UNIQUE INDEX org_groups_name_unique ON org_groups (org_id, name_digest(name));

CREATE TABLE memberships (
  org_id text NOT NULL,
  user_id text NOT NULL,
  group_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('sync', 'manual')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, group_id),
  FOREIGN KEY (org_id, group_id) REFERENCES org_groups (org_id, id) ON DELETE CASCADE
) PARTITION BY HASH (org_id);
CREATE INDEX memberships_by_group ON memberships (group_id, org_id, user_id);

CREATE TABLE user_syncs (
  org_id text NOT NULL,
  user_id text NOT NULL,
  last_synced_at timestamptz NOT NULL,
  last_token_issued_at timestamptz,
  PRIMARY KEY (org_id, user_id)
) PARTITION BY HASH (org_id);
CREATE INDEX user_syncs_by_time ON user_syncs (org_id, last_synced_at);

CREATE TABLE user_removals (
  org_id text NOT NULL,
  user_id text NOT NULL,
  removed_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
) PARTITION BY HASH (org_id);

CREATE TABLE membership_sources (
  org_id text NOT NULL,
  user_id text NOT NULL,
  group_id text NOT NULL,
  created_at timestamptz,
  PRIMARY KEY (org_id, user_id, group_id)
) PARTITION BY HASH (org_id);

CREATE TABLE audit_counters (
  org_id text PRIMARY KEY,
  last_seq bigint NOT NULL
) PARTITION BY HASH (org_id);

CREATE TABLE audit_events (
  org_id text NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL CHECK (type IN (
    'membership.added', 'membership.removed', 'sync.denied', 'settings.changed',
    'group.created', 'group.renamed', 'group.deleted', 'user.removed'
  )),
  user_id text,
  group_id text,
  group_name text,
  source text CHECK (source IN ('sync', 'manual')),
  claim_digest text,
  actor text,
  detail jsonb,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, seq)
) PARTITION BY HASH (org_id);
CREATE INDEX audit_events_by_user ON audit_events (org_id, user_id, seq);

-- groupsync:slice-fold
