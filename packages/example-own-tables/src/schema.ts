/**
 * The application's own tables, as they were before it adopted groupsync: organisations, teams,
 * and team members with where each came from. Adopting groupsync changes none of them: the
 * store reads and writes them in place ({@link TEAMS_TABLES}), and `migrate` only adds an index
 * on each when asked (`applicationIndexes`). The org's `idp_groups_*` switches are the
 * application's from before: groupsync keeps an org's mapping switch and match mode in its own
 * settings table and no longer reads these.
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
