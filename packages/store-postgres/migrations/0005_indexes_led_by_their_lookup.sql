-- groupsync store, version 5: two secondary indexes lead with the column they look up, so that
-- neither can stand in for a primary key.
--
-- In 0001 and 0004 both led with org_id, which made each a second index for "the rows of this
-- org" beside the primary key. When the planner's statistics predate an org (a table analysed
-- while it held other orgs, as after a large org's import and before autovacuum analyses it
-- again), the planner takes that org for a row or two, and between two indexes that both find
-- "a row or two" it takes the smaller one, with org_id alone, and filters the rest:
-- - a lookup of a group by (org_id, id), in a login's read and in the foreign-key check of every
--   membership written, went through org_groups_by_name_key and read the whole org once per row
--   (a login of 10,000 memberships read 10^8 rows; writing them took 21 s instead of 50 ms);
-- - a user's memberships, (org_id, user_id), went through memberships_by_group and read every
--   membership of the org.
-- Led by the key's hash and by the group, the indexes serve only lookups by key and by group,
-- and a lookup by id or by user has its primary key alone. Rebuilding them locks the tables'
-- writes for as long as it takes (seconds for a million rows).
-- groupsync:default-tables
DROP INDEX org_groups_by_name_key;
CREATE INDEX org_groups_by_name_key ON org_groups (hashtextextended(name_key, 0), org_id);

DROP INDEX memberships_by_group;
CREATE INDEX memberships_by_group ON memberships (group_id, org_id, user_id);
-- groupsync:end
