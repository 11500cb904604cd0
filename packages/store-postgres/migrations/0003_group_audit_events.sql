-- groupsync store, version 3. Group create, rename and delete are audited (the store writes the
-- events in the transaction of the change), so the audit log alone rebuilds groups and
-- memberships.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_type_check CHECK (type IN (
  'membership.added', 'membership.removed', 'sync.denied', 'settings.changed',
  'group.created', 'group.renamed', 'group.deleted'
));
