-- groupsync store, version 4.
--
-- (1) The slice key of each group: its name lower-cased by JavaScript's toLowerCase (core's
-- sliceKey), so that a login reads only the groups its claim can name (rule 11) through an index.
-- It is computed in JavaScript, never with lower(), whose mapping depends on the database's
-- locale: under C.UTF-8 lower('İ') is 'i', but sliceKey('İ') is 'i' followed by U+0307. The
-- store writes it with every createGroup and renameGroup; the migration runner fills it for the
-- groups that exist, at the marker below, before it is made NOT NULL. A store of version 3 cannot
-- create groups once this is applied: upgrade the code with the migration.
ALTER TABLE org_groups ADD COLUMN name_key text;

-- groupsync:backfill org_groups.name_key

ALTER TABLE org_groups ALTER COLUMN name_key SET NOT NULL;

-- A login looks up groups by (org, key) for a list of keys. A btree entry cannot hold a key over
-- about 2.7 kB and names may be longer (see 0001), so the index holds a 64-bit hash of the key;
-- the read compares the hashes through the index and then the keys themselves, so a collision
-- only costs a row read.
CREATE INDEX org_groups_by_name_key ON org_groups (org_id, hashtextextended(name_key, 0));

-- (2) When each user was last removed from an organisation (offboarding), so that a login whose
-- token was issued before it cannot bring the memberships back. Kept after the user_syncs row is
-- deleted; a later removal moves it on.
CREATE TABLE user_removals (
  org_id text NOT NULL,
  user_id text NOT NULL,
  removed_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

-- (3) A user removal is audited, after the membership.removed event of each membership it took.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_type_check CHECK (type IN (
  'membership.added', 'membership.removed', 'sync.denied', 'settings.changed',
  'group.created', 'group.renamed', 'group.deleted', 'user.removed'
));
