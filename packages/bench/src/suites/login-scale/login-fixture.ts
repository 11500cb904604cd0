import type { LoginSyncStore, MembershipStore } from '@groupsync/core'
import {
  createPostgresMembershipStore,
  migrate,
  type PostgresMembershipStoreOptions,
  type SqlClient,
  type TablesDescription,
} from '@groupsync/store-postgres'
import { syncOnLoginAsync } from '@groupsync/sync'
import { quantile } from '../../measure.js'

/** The median of unsorted samples. */
export const p50 = (samples: readonly number[]): number =>
  quantile(
    [...samples].sort((x, y) => x - y),
    0.5,
  )

/**
 * A uuid of the bench's own, the same every run: `kind` tells orgs from users, `i` numbers them.
 * Both layouts get uuids, since the adopter's tables keep their ids as `uuid`.
 */
export const benchUuid = (kind: number, i: number): string =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`

/** A bench user's id (a uuid, as the adopter's tables keep them). */
export const userId = (u: number): string => benchUuid(2, u)

/** Groups of each claim: a typical user's. */
export const CLAIM_GROUPS = 20

/**
 * User `u`'s two claims in an org of `n` groups `team-1` … `team-<n>`: 20 groups spread over the
 * whole org, and the same with two swapped for two others, so that alternating between them
 * changes 4 memberships.
 */
export function claimsOf(u: number, n: number): readonly [string[], string[]] {
  const step = Math.floor(n / (CLAIM_GROUPS + 2))
  const pick = (k: number) => `team-${((u * 7 + k * step) % n) + 1}`
  const a = Array.from({ length: CLAIM_GROUPS }, (_, k) => pick(k))
  const b = [...a.slice(2), pick(CLAIM_GROUPS), pick(CLAIM_GROUPS + 1)]
  return [a, b]
}

/** One login as its caller sees it: `syncOnLoginAsync`'s time, and this process's CPU time in it. */
export interface TimedLogin {
  readonly ms: number
  /** User and system CPU time of this process during the login (`process.cpuUsage`). */
  readonly cpuMs: number
  /** Memberships the login added or removed. */
  readonly changed: number
}

/** Logs `userId` in with a claim of `groups` (an ID token already verified) and times it. */
export async function timedLogin(
  store: LoginSyncStore,
  orgId: string,
  userId: string,
  groups: readonly string[],
): Promise<TimedLogin> {
  const began = performance.now()
  const cpu = process.cpuUsage()
  const result = await syncOnLoginAsync(
    { orgId, userId, claims: { sub: userId, groups: [...groups] } },
    { store },
  )
  const used = process.cpuUsage(cpu)
  const ms = performance.now() - began
  if (result.status !== 'synced') throw new Error(`bench: a login ended ${result.status}`)
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    changed: result.added.length + result.removed.length,
  }
}

/** Runs `fn` and returns what it took of this process's CPU (user and system), in milliseconds. */
export async function cpuOf(fn: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage()
  await fn()
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / 1000
}

/** Where the login's groups live: groupsync's default tables, or an application's own. */
export type Layout = 'default tables' | 'adopter schema'
export const LAYOUTS: readonly Layout[] = ['default tables', 'adopter schema']

/**
 * The tables of a service that had teams before it had groupsync: uuid ids, a name kept unique by
 * a btree constraint it has had for years, and a column saying who added a member.
 */
const adopterDdl = (app: string): readonly string[] => [
  `CREATE SCHEMA "${app}"`,
  `CREATE TABLE "${app}".teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL,
    display_name text NOT NULL,
    UNIQUE (org_id, display_name)
  )`,
  `CREATE TABLE "${app}".team_members (
    team_id uuid NOT NULL REFERENCES "${app}".teams (id),
    user_id uuid NOT NULL,
    added_by text,
    PRIMARY KEY (team_id, user_id)
  )`,
]

/** The description a store is given of {@link adopterDdl}'s tables. */
export const adopterTables = (app: string): TablesDescription => ({
  groups: { table: `${app}.teams`, id: 'id', org: 'org_id', name: 'display_name' },
  memberships: {
    table: `${app}.team_members`,
    group: 'team_id',
    user: 'user_id',
    source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
  },
})

/** A schema ready for logins: how to open its store and to seed an org of groups in it. */
export interface PreparedLayout {
  readonly layout: Layout
  readonly open: (
    on: Pick<PostgresMembershipStoreOptions, 'pool' | 'client' | 'preparedStatements'>,
  ) => Promise<MembershipStore>
  /** Creates groups `team-1` … `team-<count>` of `orgId` in one statement (setup only). */
  readonly seed: (orgId: string, count: number) => Promise<void>
}

/**
 * Migrates `layout` into the given schemas of the bench's own: groupsync's default tables in
 * `own`, or the adopter's tables in `app` and groupsync's own tables in `own`, with the indexes a
 * login needs on the adopter's tables (`applicationIndexes`). Seeds give only `(org, name)`:
 * the store finds a login's groups through the database's fold of the name; each seed ends with
 * ANALYZE on both layouts alike, so that neither waits on autovacuum to learn the table's size.
 */
export async function prepareLayout(
  client: SqlClient,
  layout: Layout,
  own: string,
  app: string,
): Promise<PreparedLayout> {
  if (layout === 'default tables') {
    await migrate(client, { schema: own })
    return {
      layout,
      open: (options) => createPostgresMembershipStore({ ...options, schema: own, migrate: false }),
      seed: async (orgId, count) => {
        await client.query(
          `INSERT INTO "${own}".org_groups (org_id, name)
           SELECT $1, 'team-' || i FROM generate_series(1, $2::int) AS i`,
          [orgId, count],
        )
        await client.query(`ANALYZE "${own}".org_groups`)
      },
    }
  }
  for (const statement of adopterDdl(app)) await client.query(statement)
  const tables = adopterTables(app)
  await migrate(client, { schema: own, tables, applicationIndexes: true })
  return {
    layout,
    open: (options) =>
      createPostgresMembershipStore({ ...options, schema: own, tables, migrate: false }),
    seed: async (orgId, count) => {
      await client.query(
        `INSERT INTO "${app}".teams (org_id, display_name)
         SELECT $1::uuid, 'team-' || i FROM generate_series(1, $2::int) AS i`,
        [orgId, count],
      )
      await client.query(`ANALYZE "${app}".teams`)
    },
  }
}
