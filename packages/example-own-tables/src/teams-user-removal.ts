import type { UserRemovalAdapter } from '@groupsync/core'
import type { SqlClient } from '@groupsync/store-postgres'
import { SOURCE, audited, auditParams, json, ms, one, underUserLock } from './teams-login-sync.js'

// Offboarding over the application's tables: the removal unit `defineLoginSyncStore` turns into
// `removeUser`. Under the login's per-(org, user) lock it reads the user's team memberships and
// whether a last sync exists, and writes the removal in one statement.

/** $1 org, $2 user: the user's memberships of the org's teams, with names; a last sync or not. */
export const READ_REMOVAL = `SELECT
  (SELECT json_agg(json_build_array(m.team_id, m.origin, ${ms('m.joined_at')}, t.display_name))
     FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.org_id = $1 AND m.user_id = $2)::text AS members,
  EXISTS (SELECT 1 FROM groupsync_user_syncs WHERE org_id = $1 AND user_id = $2) AS synced`

/** $1 org, $2 user, $3 the teams read, $4 removal time, $5–$12 audit. */
const WRITE_REMOVAL = `WITH removed AS (
  DELETE FROM team_members WHERE user_id = $2 AND team_id = ANY($3::text[]) RETURNING 1
), unsynced AS (
  DELETE FROM groupsync_user_syncs WHERE org_id = $1 AND user_id = $2 RETURNING 1
), recorded AS (
  INSERT INTO groupsync_user_removals (org_id, user_id, removed_at) VALUES ($1, $2, $4::timestamptz)
  ON CONFLICT (org_id, user_id) DO UPDATE SET removed_at = EXCLUDED.removed_at RETURNING 1
), ${audited(5)} SELECT (SELECT count(*) FROM removed) AS removed`

/** The removal unit over the tables of schema.ts; `teamsLoginSyncStore` adds it to the login's. */
export function teamsUserRemovalAdapter(db: SqlClient): UserRemovalAdapter {
  return {
    removeUserUnit: (orgId, userId, work) =>
      underUserLock(db, orgId, userId, async (tx) => {
        const row = await one(tx, READ_REMOVAL, [orgId, userId])
        const memberships = json<[string, string, number, string][]>(row.members, []).map(
          ([groupId, origin, at, groupName]) => ({
            orgId,
            groupId,
            userId,
            source: SOURCE[origin] ?? 'manual',
            createdAt: new Date(at),
            groupName,
          }),
        )
        const { write, result } = work({ memberships, hasLastSync: row.synced === true })
        if (write !== null) {
          await one(tx, WRITE_REMOVAL, [
            orgId,
            userId,
            memberships.map((m) => m.groupId),
            write.removedAt.toISOString(),
            ...auditParams(write.audit),
          ])
        }
        return result
      }),
  }
}
