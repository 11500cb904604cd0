import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import {
  sliceKey,
  type AuditEventInput,
  type MembershipSource,
  type OrgSettings,
} from '@groupsync/core'
import { fromPGlite, fromPgPool, type SqlClient } from '@groupsync/store-postgres'
import pg from 'pg'
import { APP_SCHEMA, GROUPSYNC_ADDITIONS } from '../src/index.js'

/** The application's database: its tables and groupsync's additions, on PGlite or the server. */
export interface AppDatabase {
  readonly client: SqlClient
  readonly close: () => Promise<void>
}

/** An in-memory PGlite database with the application's tables. */
export async function openEmbedded(): Promise<AppDatabase> {
  const db = await PGlite.create()
  await db.exec(APP_SCHEMA + GROUPSYNC_ADDITIONS)
  return { client: fromPGlite(db), close: () => db.close() }
}

/** A schema of its own on the PostgreSQL server at `url`, dropped on close. */
export async function openServer(url: string): Promise<AppDatabase> {
  const schema = `teams_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const pool = new pg.Pool({ connectionString: url, max: 8, options: `-c search_path=${schema}` })
  await pool.query(APP_SCHEMA + GROUPSYNC_ADDITIONS)
  return {
    client: fromPgPool(pool),
    close: async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`)
      await pool.end()
    },
  }
}

const ORIGIN: Record<MembershipSource, string> = { sync: 'idp', manual: 'admin' }

/**
 * What the application's own code does to its tables (its admin screens, its org settings), as
 * the contract suite's seed: the suite sets up state through it.
 */
export const appSeed = (client: SqlClient) => {
  const ensureOrg = (orgId: string) =>
    client.query('INSERT INTO orgs (id) VALUES ($1) ON CONFLICT DO NOTHING', [orgId])
  return {
    createGroup: async (orgId: string, name: string) => {
      await ensureOrg(orgId)
      // The one thing adopting groupsync asks of the app's own writes: the slice key beside the name.
      const { rows } = await client.query(
        'INSERT INTO teams (org_id, display_name, name_key) VALUES ($1, $2, $3) RETURNING id',
        [orgId, name, sliceKey(name)],
      )
      return { id: String(rows[0]?.id) }
    },
    setSettings: async (orgId: string, settings: OrgSettings) => {
      await client.query(
        `INSERT INTO orgs (id, idp_groups_sync, idp_groups_case_insensitive) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET idp_groups_sync = $2, idp_groups_case_insensitive = $3`,
        [orgId, settings.manageGroupMemberships, settings.matchMode === 'case-insensitive'],
      )
    },
    addMembership: async (
      _orgId: string,
      groupId: string,
      userId: string,
      source: MembershipSource,
    ) => {
      await client.query(
        'INSERT INTO team_members (team_id, user_id, origin) VALUES ($1, $2, $3)',
        [groupId, userId, ORIGIN[source]],
      )
    },
    listMemberships: async (orgId: string, userId: string) => {
      const { rows } = await client.query(
        `SELECT m.team_id, m.origin FROM team_members m JOIN teams t ON t.id = m.team_id
         WHERE t.org_id = $1 AND m.user_id = $2`,
        [orgId, userId],
      )
      return rows.map((r) => ({
        groupId: String(r.team_id),
        source: r.origin === 'idp' ? ('sync' as const) : ('manual' as const),
      }))
    },
    listAuditEvents: async (orgId: string): Promise<readonly AuditEventInput[]> => {
      const { rows } = await client.query(
        `SELECT json_build_object('type', type, 'orgId', org_id, 'userId', user_id, 'groupId', group_id,
           'groupName', group_name, 'source', source, 'claimDigest', claim_digest, 'actor', actor,
           'detail', detail)::text AS event
         FROM groupsync_audit WHERE org_id = $1 ORDER BY seq`,
        [orgId],
      )
      return rows.map((r) => {
        const columns = JSON.parse(String(r.event)) as Record<string, unknown>
        // A column left empty is a field the event does not have.
        const event = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== null))
        return event as unknown as AuditEventInput
      })
    },
  }
}
