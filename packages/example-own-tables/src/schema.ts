/**
 * The application's own tables, as they were before it adopted groupsync: organisations with a
 * switch for identity-provider groups, teams, and team members with where each came from.
 */
export const APP_SCHEMA = `
CREATE TABLE orgs (
  id text PRIMARY KEY,
  idp_groups_sync boolean NOT NULL DEFAULT false,
  idp_groups_case_insensitive boolean NOT NULL DEFAULT false
);
CREATE TABLE teams (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  org_id text NOT NULL REFERENCES orgs (id),
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE team_members (
  team_id text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  origin text NOT NULL CHECK (origin IN ('idp', 'admin')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, user_id)
);
`

/**
 * What adopting groupsync adds: one column the application fills with `sliceKey(display_name)`
 * wherever it writes a team's name (rule 11: computed in JavaScript, not with Postgres's
 * locale-dependent `lower()`), the indexes a login's reads use, and the tables only the sync
 * needs — the last sync of each user, the time of each user's removal (offboarding), and the
 * audit log.
 */
export const GROUPSYNC_ADDITIONS = `
ALTER TABLE teams ADD COLUMN name_key text;
-- md5: a btree entry cannot hold an arbitrarily long name.
CREATE INDEX teams_by_name_key ON teams (org_id, md5(name_key));
CREATE INDEX team_members_by_user ON team_members (user_id, team_id);
CREATE TABLE groupsync_user_syncs (
  org_id text NOT NULL,
  user_id text NOT NULL,
  last_synced_at timestamptz NOT NULL,
  last_token_issued_at timestamptz,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE groupsync_user_removals (
  org_id text NOT NULL,
  user_id text NOT NULL,
  removed_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE groupsync_audit (
  seq bigserial PRIMARY KEY,
  org_id text NOT NULL,
  type text NOT NULL,
  user_id text,
  group_id text,
  group_name text,
  source text,
  claim_digest text,
  actor text,
  detail jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
`
