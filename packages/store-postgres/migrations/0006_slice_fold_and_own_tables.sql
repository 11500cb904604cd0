-- groupsync store, version 6.
--
-- (1) A login finds the groups its claim names through a fold of their names computed by the
-- database (an IMMUTABLE function made from JavaScript's per-character lower-casing, created at
-- the marker below), so that no writer has to fill a key column: the index on the default table
-- replaces name_key, whatever wrote the name. For an application's own tables the same index is
-- created on its groups table only when asked (migrate's applicationIndexes).
-- groupsync:slice-fold

-- groupsync:default-tables
DROP INDEX org_groups_by_name_key;
ALTER TABLE org_groups DROP COLUMN name_key;
-- groupsync:end

-- (2) Which memberships the sync added, for an application's memberships table that does not
-- say: a row per membership the sync added, with the membership's creation time when the table
-- keeps one, so that a membership removed and added again by hand no longer reads as the sync's.
CREATE TABLE membership_sources (
  org_id text NOT NULL,
  user_id text NOT NULL,
  group_id text NOT NULL,
  created_at timestamptz,
  PRIMARY KEY (org_id, user_id, group_id)
);
