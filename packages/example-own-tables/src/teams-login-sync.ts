import {
  StoreError,
  type AuditEventInput,
  type LoginSyncAdapter,
  type MembershipSource,
  type OrgSettings,
  type UserSyncChanges,
} from '@groupsync/core'
import type { SqlClient, SqlQueryable } from '@groupsync/store-postgres'

// The whole adapter an application writes to run groupsync's login sync over its own tables
// (schema.ts): three reads and one write, in SQL, and nothing else. Every check of the input and
// of the sync's decision is done by defineLoginSyncStore around it. The offboarding unit, which
// reuses the lock, the audit insert and the transaction below, is in teams-user-removal.ts.

/** A timestamp column as epoch milliseconds. */
export const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)`

/** One user's logins (and removal) queue on this lock; other users' logins do not wait. */
export const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended(json_build_array('teams-sync', $1::text, $2::text)::text, 0))`

/** $1 org, $2 user, $3 slice keys: everything a login decides on, in one round trip. */
export const READ_LOGIN = `SELECT
  (SELECT json_build_array(idp_groups_sync, idp_groups_case_insensitive) FROM orgs WHERE id = $1)::text AS settings,
  (SELECT json_agg(json_build_array(t.id, t.display_name, ${ms('t.created_at')})) FROM (
     SELECT * FROM teams WHERE org_id = $1 AND name_key = ANY($3::text[])
       AND md5(name_key) = ANY(ARRAY(SELECT md5(k) FROM unnest($3::text[]) AS k))
     UNION
     SELECT t.* FROM teams t JOIN team_members m ON m.team_id = t.id WHERE t.org_id = $1 AND m.user_id = $2
   ) AS t)::text AS teams,
  (SELECT json_agg(json_build_array(m.team_id, m.origin, ${ms('m.joined_at')}))
     FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.org_id = $1 AND m.user_id = $2)::text AS members,
  (SELECT json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})
     FROM groupsync_user_syncs WHERE org_id = $1 AND user_id = $2)::text AS last,
  (SELECT ${ms('removed_at')}::float8 FROM groupsync_user_removals
     WHERE org_id = $1 AND user_id = $2) AS removed`

const SETTINGS = `SELECT (SELECT json_build_array(idp_groups_sync, idp_groups_case_insensitive)
  FROM orgs WHERE id = $1)::text AS settings`
const LAST = `SELECT (SELECT json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})
  FROM groupsync_user_syncs WHERE org_id = $1 AND user_id = $2)::text AS last`

const AUDIT_COLUMNS = [
  'type',
  'user_id',
  'group_id',
  'group_name',
  'source',
  'claim_digest',
  'actor',
  'detail',
]

/** The CTE appending audit events, in order, from the parameters $first to $first + 7. */
export const audited = (first: number) => `audited AS (
  INSERT INTO groupsync_audit (org_id, ${AUDIT_COLUMNS.join(', ')})
  SELECT $1, ${AUDIT_COLUMNS.map((c) => (c === 'detail' ? 'e.detail::jsonb' : `e.${c}`)).join(', ')}
  FROM unnest(${AUDIT_COLUMNS.map((_, i) => `$${first + i}::text[]`).join(', ')}) WITH ORDINALITY AS e(${AUDIT_COLUMNS.join(', ')}, ord)
  ORDER BY e.ord RETURNING 1
)`

/** $1 org, $2 user, $3 removed, $4/$5 added ids and origins, $6–$13 audit, $14/$15 times. */
const WRITE = `WITH removed AS (
  DELETE FROM team_members WHERE user_id = $2 AND team_id = ANY($3::text[]) RETURNING 1
), added AS (
  INSERT INTO team_members (team_id, user_id, origin)
  SELECT a.id, $2, a.origin FROM unnest($4::text[], $5::text[]) AS a(id, origin)
  ON CONFLICT DO NOTHING RETURNING 1
), ${audited(6)}, synced AS (
  INSERT INTO groupsync_user_syncs AS u (org_id, user_id, last_synced_at, last_token_issued_at)
  SELECT $1, $2, $14::timestamptz, $15::timestamptz WHERE $14::timestamptz IS NOT NULL
  ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at,
    last_token_issued_at = COALESCE(EXCLUDED.last_token_issued_at, u.last_token_issued_at)
  RETURNING 1
) SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM added) AS changed`

const ORIGIN: Record<MembershipSource, string> = { sync: 'idp', manual: 'admin' }
export const SOURCE: Record<string, MembershipSource> = { idp: 'sync', admin: 'manual' }

type Row = Record<string, unknown>
export const json = <T>(value: unknown, empty: T): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : empty
const date = (value: unknown): Date | null => (typeof value === 'number' ? new Date(value) : null)

const settingsOf = (row: Row): OrgSettings | null => {
  const s = json<[boolean, boolean] | null>(row.settings, null)
  return s === null
    ? null
    : { manageGroupMemberships: s[0], matchMode: s[1] ? 'case-insensitive' : 'exact' }
}

/** The eight parameters of {@link audited}: one array per column. */
export const auditParams = (events: readonly AuditEventInput[]): (string | null)[][] => {
  const field = (e: AuditEventInput, column: string): string | null => {
    const key = column.replace(/_(.)/g, (_, ch: string) =>
      ch.toUpperCase(),
    ) as keyof AuditEventInput
    const value = e[key]
    return value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value)
  }
  return AUDIT_COLUMNS.map((column) => events.map((e) => field(e, column)))
}

const writeParams = (orgId: string, userId: string, c: UserSyncChanges): unknown[] => [
  orgId,
  userId,
  c.remove,
  c.add.map((a) => a.groupId),
  c.add.map((a) => ORIGIN[a.source]),
  ...auditParams(c.audit),
  c.syncedAt?.toISOString() ?? null,
  c.tokenIssuedAt?.toISOString() ?? null,
]

/** Anything the database threw, as the store error a caller can act on; `work`'s own pass through. */
const unavailable = (error: unknown): StoreError =>
  new StoreError('STORE_UNAVAILABLE', 'The teams database failed; nothing was written. Retry.', {
    cause: error,
  })

/** The first row of a statement (an empty row when none); a database failure is unavailable. */
export const one = async (q: SqlQueryable, text: string, params: unknown[]): Promise<Row> => {
  try {
    return (await q.query(text, params)).rows[0] ?? {}
  } catch (error) {
    throw unavailable(error)
  }
}

/** Runs `unit` in a transaction holding the (org, user) lock: committed, or rolled back and rethrown. */
export const underUserLock = async <A>(
  db: SqlClient,
  orgId: string,
  userId: string,
  unit: (tx: SqlQueryable) => Promise<A>,
): Promise<A> => {
  const tx = await db.begin().catch((error: unknown) => {
    throw unavailable(error)
  })
  try {
    await one(tx, LOCK, [orgId, userId])
    const result = await unit(tx)
    await tx.commit().catch((error: unknown) => {
      throw unavailable(error)
    })
    return result
  } catch (error) {
    await tx.rollback().catch(() => undefined)
    throw error
  }
}

/** The login-sync adapter over the tables of schema.ts, on any SqlClient (pg pool or PGlite). */
export function teamsLoginSyncAdapter(db: SqlClient): LoginSyncAdapter {
  return {
    readSettings: async (orgId) => settingsOf(await one(db, SETTINGS, [orgId])),
    readLastSync: async (orgId, userId) => {
      const last = json<[number, number | null] | null>(
        (await one(db, LAST, [orgId, userId])).last,
        null,
      )
      return last === null
        ? null
        : { lastSyncedAt: new Date(last[0]), lastTokenIssuedAt: date(last[1]) }
    },
    loginUnit: (orgId, userId, sliceKeys, work) =>
      underUserLock(db, orgId, userId, async (tx) => {
        const row = await one(tx, READ_LOGIN, [orgId, userId, sliceKeys])
        const last = json<[number, number | null] | null>(row.last, null)
        const { changes, result } = work({
          settings: settingsOf(row),
          groups: json<[string, string, number][]>(row.teams, []).map(([id, name, created]) => ({
            orgId,
            id,
            name,
            createdAt: new Date(created),
          })),
          memberships: json<[string, string, number][]>(row.members, []).map(
            ([groupId, origin, at]) => ({
              orgId,
              groupId,
              userId,
              source: SOURCE[origin] ?? 'manual',
              createdAt: new Date(at),
            }),
          ),
          lastSyncedAt: date(last?.[0]),
          lastTokenIssuedAt: date(last?.[1]),
          removedAt: date(row.removed),
        })
        if (changes !== null) await one(tx, WRITE, writeParams(orgId, userId, changes))
        return result
      }),
  }
}
