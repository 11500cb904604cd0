import type { MembershipStore } from '@groupsync/core'
import { startFaultProxy, type FaultProxy } from '@groupsync/fault-proxy'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { createPostgresMembershipStore as createTestingStore } from '../src/testing.js'
import { randomSchema } from './helpers.js'

// A unit of work's statements go to the server without waiting for each other on a pool in
// node-postgres' pipeline mode: BEGIN, the locks and the read together, then the write and
// COMMIT together. Counted here as the client's waits, through a proxy that adds latency (so that
// what a client sends at one moment reaches it before any answer), and checked for what makes it
// safe: the read runs after the locks are granted, so it sees what their holder committed.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the real-server Postgres tests cannot run.')
}

const schema = randomSchema()
const pools: pg.Pool[] = []
let proxy: FaultProxy | undefined

/** A pool through the latency proxy, whose round trips the proxy counts. */
const proxiedPool = (options: pg.PoolConfig = {}) => {
  if (proxy === undefined || url === undefined) throw new Error('no proxy')
  const target = new URL(url)
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port: proxy.port,
    user: decodeURIComponent(target.username) || 'postgres',
    database: target.pathname.slice(1),
    max: 2,
    ...options,
  })
  pool.on('error', () => undefined)
  pools.push(pool)
  return pool
}

const setUp = async (store: MembershipStore) => {
  const orgId = `wire-${randomUUID()}`
  await store.updateOrgSettings(orgId, () => ({
    settings: { manageGroupMemberships: true, matchMode: 'exact' },
    audit: [],
  }))
  const g = await store.createGroup(orgId, 'g')
  return { orgId, g }
}

describe.skipIf(url === undefined)('pipelining on a real server', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(pool)
    await migrate(fromPgPool(pool), { schema })
    const target = new URL(url ?? '')
    proxy = await startFaultProxy({
      target: { host: target.hostname, port: Number(target.port || 5432) },
      latencyMs: 5,
    })
  }, 60_000)

  afterAll(async () => {
    await pools[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await Promise.all(pools.map((p) => p.end()))
    await proxy?.close()
  })

  for (const preparedStatements of [false, true]) {
    it(`on a pipelining pool a login's unit of work is 2 round trips and the settings read 1 (3 for a sync's login), a manual change 3; one statement at a time without pipelining: 5 and 5; preparedStatements ${String(preparedStatements)}`, async () => {
      const trips: Record<string, unknown> = {}
      for (const pipeline of [true, false]) {
        const pool = proxiedPool({ pipeline })
        const store = await createPostgresMembershipStore({ pool, schema, preparedStatements })
        const { orgId, g } = await setUp(store)
        const login = (add: boolean) =>
          store.withLoginSync(orgId, 'alice', ['g'], (snap) => ({
            changes: {
              add: add ? [{ groupId: g.id, source: 'sync' as const }] : [],
              remove: [],
              audit: [],
              syncedAt: new Date(),
            },
            result: snap.memberships.length,
          }))
        const manualOrg = await store.createGroup(`manual-${randomUUID()}`, 'm')
        await login(false) // warms both connections: their setup is not a login's
        const count = async (work: () => Promise<unknown>) => {
          const before = proxy?.roundTrips() ?? 0
          await work()
          return (proxy?.roundTrips() ?? 0) - before
        }
        trips[`pipeline ${String(pipeline)}`] = {
          settings: await count(() => store.getOrgSettings(orgId)),
          login: await count(() => login(true)),
          noChange: await count(() => login(false)),
          manual: await count(() => store.addManualMember(manualOrg.orgId, manualOrg.id, 'bob')),
        }
        await store.close()
      }
      expect(trips).toEqual({
        'pipeline true': { settings: 1, login: 2, noChange: 2, manual: 3 },
        'pipeline false': { settings: 1, login: 5, noChange: 5, manual: 5 },
      })
    })
  }

  /**
   * A store whose next login stops inside its transaction, after its read and before its write,
   * holding the user's lock, until `release` is called; `inside` resolves once it is there.
   */
  const holdingStore = async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, pipeline: true })
    pools.push(pool)
    let release: (() => void) | undefined
    let entered: (() => void) | undefined
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const store = await createTestingStore({
      pool,
      schema,
      testOnlyFaultHook: async (point) => {
        if (point !== 'sync:after-read' || entered === undefined) return
        const released = new Promise<void>((resolve) => {
          release = resolve
        })
        entered()
        entered = undefined
        await released
      },
    })
    return { store, inside, release: () => release?.() }
  }

  const addG = (store: MembershipStore, orgId: string, groupId: string) =>
    store.withLoginSync(orgId, 'alice', ['g'], () => ({
      changes: {
        add: [{ groupId, source: 'sync' as const }],
        remove: [],
        audit: [],
        syncedAt: new Date(),
      },
      result: 'added',
    }))

  it('the read sent with the locks sees what the holder of the locks committed while it waited for them', async () => {
    const appName = `groupsync-waiter-${randomUUID().slice(0, 8)}`
    const waiterPool = new pg.Pool({
      connectionString: url,
      max: 1,
      application_name: appName,
      pipeline: true,
    })
    const observer = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(waiterPool, observer)
    // Two stores, as two processes: each has its own queue of a user's units of work.
    const holder = await holdingStore()
    const waiter = await createPostgresMembershipStore({ pool: waiterPool, schema })
    const { orgId, g } = await setUp(waiter)
    const first = addG(holder.store, orgId, g.id)
    await holder.inside
    // The holder has read and holds the user's lock; it writes once released. The waiter's
    // BEGIN, locks and read go now, and wait on the lock.
    const second = waiter.withLoginSync(orgId, 'alice', ['g'], (snap) => ({
      changes: null,
      result: snap.memberships.map((m) => m.groupId),
    }))
    for (let i = 0; ; i++) {
      const { rows } = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [appName],
      )
      if (rows[0]?.n === 1) break
      if (i > 200) throw new Error('the second login never waited on the lock')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    holder.release()
    expect(await first).toBe('added')
    // Read after the lock was granted: it sees the membership the first login committed.
    expect(await second).toEqual([g.id])
    await holder.store.close()
    await waiter.close()
  })

  it('a lock sent with BEGIN waits no longer than lockMs: the limits sent with BEGIN apply to it', async () => {
    const holder = await holdingStore()
    const waiterPool = new pg.Pool({ connectionString: url, max: 1, pipeline: true })
    pools.push(waiterPool)
    const waiter = await createPostgresMembershipStore({
      pool: waiterPool,
      schema,
      timeouts: { lockMs: 200, callMs: 20_000 },
    })
    const { orgId, g } = await setUp(waiter)
    const first = addG(holder.store, orgId, g.id)
    await holder.inside
    const started = Date.now()
    const error = await addG(waiter, orgId, g.id).then(
      () => undefined,
      (e: unknown) => e,
    )
    // The server's lock_timeout (55P03), long before the call's own deadline.
    expect(error).toMatchObject({ code: 'STORE_TIMEOUT', cause: { code: '55P03' } })
    expect(Date.now() - started).toBeLessThan(10_000)
    holder.release()
    expect(await first).toBe('added')
    // The waiter's connection was rolled back and is fine: its next login sees the membership.
    const again = await waiter.withLoginSync(orgId, 'alice', ['g'], (snap) => ({
      changes: null,
      result: snap.memberships.map((m) => m.groupId),
    }))
    expect(again).toEqual([g.id])
    await holder.store.close()
    await waiter.close()
  })
})
