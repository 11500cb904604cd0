-- groupsync store, version 4.
--
-- (1) The slice key of each group, kept until version 6 replaced it with an index on the
-- name's fold (no key to fill). It stays nullable here, so that an upgrade from version 3 needs
-- no backfill: version 6 drops it.
-- groupsync:default-tables
ALTER TABLE org_groups ADD COLUMN name_key text;
CREATE INDEX org_groups_by_name_key ON org_groups (org_id, hashtextextended(name_key, 0));
-- groupsync:end

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
