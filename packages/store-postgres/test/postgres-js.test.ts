import type { MembershipStore, StoredGroup } from '@groupsync/core'
import { matchQuery, startFaultProxy, type FaultProxy } from '@groupsync/fault-proxy'
import { describeMembershipStore } from '@groupsync/store-contract'
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPostgresMembershipStore,
  fromPostgresJs,
  migrate,
  type TablesDescription,
} from '../src/index.js'
import { createPostgresMembershipStore as createTestingStore } from '../src/testing.js'
import { randomSchema } from './helpers.js'
import { describePostgresStore } from './postgres-specifics.js'

// The store on postgres.js (porsager's `postgres`) through fromPostgresJs: the contract suite on
// groupsync's tables and on an application's own, on the server and through PgBouncer, and what
// the wire shows: round trips, and a COMMIT whose answer is lost.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the postgres.js tests cannot run.')
}
const bouncerUrl = process.env.PGBOUNCER_URL

const instances: postgres.Sql[] = []
/** A postgres.js instance of its own for a test; all are ended after the file. */
const connect = (options: postgres.Options & { readonly url?: string } = {}): postgres.Sql => {
  const { url: target = url ?? '', ...rest } = options
  // Idle connections close after a few seconds: the server is shared by the other test files.
  const sql = postgres(target, { max: 8, idle_timeout: 5, onnotice: () => undefined, ...rest })
  instances.push(sql)
  return sql
}

const schema = randomSchema()
const app = `app_${randomSchema()}`
const mappedSchema = randomSchema()

/**
 * An application's tables: text ids (the contract suite makes its ids as text), creation times
 * (the suite expects them), and no unique index on the name, since the suite creates names longer
 * than a btree entry holds.
 */
const appTables = `CREATE SCHEMA ${app};
  CREATE TABLE ${app}.teams (
    id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    org_id text NOT NULL,
    display_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
  );
  CREATE TABLE ${app}.team_members (
    team_id text NOT NULL REFERENCES ${app}.teams (id) ON DELETE CASCADE,
    user_id text NOT NULL,
    added_by text,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
  );`

const tables: TablesDescription = {
  groups: {
    table: `${app}.teams`,
    id: 'id',
    org: 'org_id',
    name: 'display_name',
    createdAt: 'created_at',
    where: 'archived_at IS NULL',
  },
  memberships: {
    table: `${app}.team_members`,
    group: 'team_id',
    user: 'user_id',
    createdAt: 'joined_at',
    source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
  },
}

describe.skipIf(url === undefined)('postgres.js (DATABASE_URL)', { timeout: 60_000 }, () => {
  let main: postgres.Sql | undefined
  // The application's instance turns column names into camelCase: the store reads its own rows
  // without the instance's transform.
  let camel: postgres.Sql | undefined

  beforeAll(async () => {
    main = connect()
    camel = connect({ transform: postgres.camel })
    await migrate(fromPostgresJs(main), { schema })
    await main.unsafe(appTables)
    await migrate(fromPostgresJs(camel), { schema: mappedSchema, tables, applicationIndexes: true })
  }, 60_000)

  afterAll(async () => {
    await main?.unsafe(`DROP SCHEMA IF EXISTS "${schema}", "${mappedSchema}", ${app} CASCADE`)
    await Promise.all(instances.map((sql) => sql.end({ timeout: 5 })))
  })

  describePostgresStore(
    'postgres.js',
    () => {
      if (main === undefined) throw new Error('no postgres.js instance')
      const sql = main
      return { client: () => fromPostgresJs(sql), schema }
    },
    { parallelUsers: true, modelRuns: 20 },
  )

  describeMembershipStore(
    'postgres.js on an application schema (teams, team_members)',
    (options) => {
      if (camel === undefined) throw new Error('no postgres.js instance')
      return createTestingStore({
        client: fromPostgresJs(camel),
        schema: mappedSchema,
        tables,
        ...options,
      })
    },
    { parallelUsers: true, modelRuns: 20 },
  )
})

// Through PgBouncer in transaction mode before 1.21 (Debian's is 1.18): `prepare: false`. The
// contract suite only: the SQL-level tests are the server's, and run above.
describe.skipIf(bouncerUrl === undefined)('postgres.js through PgBouncer', () => {
  const bouncerSchema = randomSchema()
  let sql: postgres.Sql | undefined
  beforeAll(async () => {
    sql = connect({ url: bouncerUrl ?? '', prepare: false })
    await migrate(fromPostgresJs(sql), { schema: bouncerSchema })
  }, 60_000)
  afterAll(async () => {
    await sql?.unsafe(`DROP SCHEMA IF EXISTS "${bouncerSchema}" CASCADE`)
  })
  describeMembershipStore(
    'postgres.js through PgBouncer',
    (options) => {
      if (sql === undefined) throw new Error('no postgres.js instance')
      return createTestingStore({ client: fromPostgresJs(sql), schema: bouncerSchema, ...options })
    },
    { parallelUsers: true, modelRuns: 20 },
  )
})

describe.skipIf(url === undefined)('postgres.js on the wire', { timeout: 60_000 }, () => {
  const wireSchema = randomSchema()
  let proxy: FaultProxy | undefined
  let direct: postgres.Sql | undefined
  const stores: MembershipStore[] = []

  beforeAll(async () => {
    direct = connect()
    await migrate(fromPostgresJs(direct), { schema: wireSchema })
    const target = new URL(url ?? '')
    // The latency lets the proxy count round trips exactly (see its roundTrips).
    proxy = await startFaultProxy({
      target: { host: target.hostname, port: Number(target.port || 5432) },
      latencyMs: 5,
    })
  }, 60_000)

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
    await direct?.unsafe(`DROP SCHEMA IF EXISTS "${wireSchema}" CASCADE`)
    await proxy?.close()
  })

  /** A store whose postgres.js instance connects through the proxy. */
  const proxiedStore = async (options: postgres.Options = {}) => {
    if (proxy === undefined || url === undefined) throw new Error('no proxy')
    const target = new URL(url)
    const sql = connect({
      url: `postgres://${target.username || 'postgres'}@127.0.0.1:${proxy.port}${target.pathname}`,
      ...options,
    })
    const store = await createPostgresMembershipStore({
      client: fromPostgresJs(sql),
      schema: wireSchema,
    })
    stores.push(store)
    return store
  }
  const observer = async () => {
    if (direct === undefined) throw new Error('no instance')
    const store = await createPostgresMembershipStore({
      client: fromPostgresJs(direct),
      schema: wireSchema,
    })
    stores.push(store)
    return store
  }

  const setUp = async (store: MembershipStore) => {
    const orgId = `wire-${randomUUID()}`
    await store.updateOrgSettings(orgId, () => ({
      settings: { manageGroupMemberships: true, matchMode: 'exact' },
      audit: [],
    }))
    return { orgId, g: await store.createGroup(orgId, 'g') }
  }

  /** A login claiming `g` that adds the user to `add` (nothing when empty). */
  const login = (
    store: MembershipStore,
    orgId: string,
    userId: string,
    add: readonly StoredGroup[],
  ) =>
    store.withLoginSync(orgId, userId, ['g'], (snap) => ({
      changes: {
        add: add
          .filter((g) => !snap.memberships.some((m) => m.groupId === g.id))
          .map((g) => ({ groupId: g.id, source: 'sync' as const })),
        remove: [],
        audit: add.map((g) => ({
          type: 'membership.added' as const,
          orgId,
          userId,
          groupId: g.id,
        })),
        syncedAt: new Date(),
      },
      result: snap.memberships.length,
    }))

  it("a login's unit of work is 2 round trips and the settings read 1, once each statement is prepared on the connection; with prepare: false (PgBouncer before 1.21) every statement is described first", async () => {
    const trips: Record<string, unknown> = {}
    for (const prepare of [true, false]) {
      const store = await proxiedStore({ max: 1, idle_timeout: 0, prepare })
      const { orgId, g } = await setUp(store)
      const manual = await store.createGroup(`manual-${randomUUID()}`, 'm')
      const count = async (work: () => Promise<unknown>) => {
        const before = proxy?.roundTrips() ?? 0
        await work()
        return (proxy?.roundTrips() ?? 0) - before
      }
      const round = async (user: string) => ({
        settings: await count(() => store.getOrgSettings(orgId)),
        login: await count(() => login(store, orgId, user, [g])),
        noChange: await count(() => login(store, orgId, user, [])),
        manual: await count(() => store.addManualMember(manual.orgId, manual.id, user)),
      })
      // The first round prepares every statement on the connection: its costs are not a login's.
      await round('alice')
      trips[`prepare ${String(prepare)}`] = await round('bob')
    }
    expect(trips).toEqual({
      'prepare true': { settings: 1, login: 2, noChange: 2, manual: 3 },
      'prepare false': { settings: 2, login: 5, noChange: 5, manual: 6 },
    })
  })

  it('a lost COMMIT acknowledgement is STORE_OUTCOME_UNKNOWN, the login landed, and its retry converges', async () => {
    const store = await proxiedStore()
    const seen = await observer()
    const { orgId, g } = await setUp(store)
    const fired = proxy?.faultsFired() ?? 0
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    await expect(login(store, orgId, 'alice', [g])).rejects.toMatchObject({
      _tag: 'StoreError',
      code: 'STORE_OUTCOME_UNKNOWN',
    })
    expect(proxy?.faultsFired()).toBe(fired + 1)
    // The server applied the COMMIT; the client may hear of the cut before it has finished.
    for (let i = 0; i < 100 && (await seen.listUserMemberships(orgId, 'alice')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await seen.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([g.id])
    const added = async () =>
      (await seen.listAuditEvents(orgId)).filter((e) => e.type === 'membership.added')
    expect(await added()).toHaveLength(1)
    // The pool connects again; the retry finds nothing to add.
    expect(await login(store, orgId, 'alice', [])).toBe(1)
    expect(await added()).toHaveLength(1)
  })

  it("a call whose deadline passes while its statement waits on another login's lock cancels that statement: the server stops waiting at once, not at lock_timeout", async () => {
    const seen = await observer()
    const { orgId, g } = await setUp(seen)
    let release = (): void => undefined
    let entered = (): void => undefined
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const holder = await createTestingStore({
      client: fromPostgresJs(connect({ max: 1 })),
      schema: wireSchema,
      // The holder's login stops after its read, holding the user's lock, until released.
      testOnlyFaultHook: async (point) => {
        if (point !== 'sync:after-read') return
        entered()
        await new Promise<void>((resolve) => {
          release = resolve
        })
      },
    })
    stores.push(holder)
    const appName = `groupsync-pgjs-${randomUUID().slice(0, 8)}`
    const waiter = await createPostgresMembershipStore({
      client: fromPostgresJs(connect({ max: 1, connection: { application_name: appName } })),
      schema: wireSchema,
      timeouts: { lockMs: 20_000 },
    })
    stores.push(waiter)
    const first = login(holder, orgId, 'alice', [g])
    await inside
    /** The waiter's sessions waiting on a lock in the server. */
    const waiting = async () => {
      const found = await direct?.unsafe(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [appName],
      )
      return Number(found?.[0]?.n)
    }
    const error = await waiter
      .withLoginSync(orgId, 'alice', ['g'], () => ({ changes: null, result: null }), {
        signal: AbortSignal.timeout(500),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toMatchObject({ _tag: 'StoreError', code: 'STORE_TIMEOUT' })
    let n = await waiting()
    for (let i = 0; i < 50 && n > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      n = await waiting()
    }
    expect(n).toBe(0)
    release()
    expect(await first).toBe(0)
  })

  it('a connection the server ends inside a transaction (pg_terminate_backend) leaves no trace, and the next login works', async () => {
    const appName = `groupsync-pgjs-${randomUUID().slice(0, 8)}`
    const sql = connect({ max: 2, connection: { application_name: appName } })
    const killer = direct
    if (killer === undefined) throw new Error('no instance')
    let armed = false
    const store = await createTestingStore({
      client: fromPostgresJs(sql),
      schema: wireSchema,
      testOnlyFaultHook: async (point) => {
        if (!armed || point !== 'sync:after-read') return
        armed = false
        const rows = await killer.unsafe<{ done: boolean }[]>(
          `SELECT pg_terminate_backend(pid, 10000) AS done FROM pg_stat_activity
           WHERE application_name = $1 AND state = 'idle in transaction'`,
          [appName],
        )
        expect(rows.map((r) => r.done)).toEqual([true])
        await new Promise((resolve) => setTimeout(resolve, 200))
      },
    })
    stores.push(store)
    const seen = await observer()
    const { orgId, g } = await setUp(seen)
    armed = true
    const error = await login(store, orgId, 'alice', [g]).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ _tag: 'StoreError', code: 'STORE_UNAVAILABLE' })
    expect(await seen.listUserMemberships(orgId, 'alice')).toEqual([])
    expect(await login(store, orgId, 'alice', [g])).toBe(0)
    expect((await seen.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([g.id])
  })
})
