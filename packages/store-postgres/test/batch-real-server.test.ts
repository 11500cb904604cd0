import type { MembershipStore } from '@groupsync/core'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { randomSchema } from './helpers.js'

// A unit of work's BEGIN, locks and read go to the server in one round trip (one Sync), on
// node-postgres. Counted here on the wire (the server's ReadyForQuery answers, one per round
// trip), and checked for what makes it safe: the read runs after the locks are granted, so it
// sees what the unit of work that held them committed.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the real-server Postgres tests cannot run.')
}

const schema = randomSchema()
const pools: pg.Pool[] = []

/** node-postgres' connection, for its ReadyForQuery events (one per round trip). */
interface WithConnection {
  readonly connection: { on(event: 'readyForQuery', listener: () => void): unknown }
}

/** A pool that counts the round trips of all its connections. */
const countingPool = (options: pg.PoolConfig = {}) => {
  const pool = new pg.Pool({ connectionString: url, max: 2, ...options })
  pool.on('error', () => undefined)
  pools.push(pool)
  let trips = 0
  pool.on('connect', (client) => {
    ;(client as unknown as WithConnection).connection.on('readyForQuery', () => {
      trips += 1
    })
  })
  return {
    pool,
    /** Round trips since the last call. */
    take: (): number => {
      const n = trips
      trips = 0
      return n
    },
  }
}

const setUp = async (store: MembershipStore) => {
  const orgId = `batch-${randomUUID()}`
  await store.updateOrgSettings(orgId, () => ({
    settings: { manageGroupMemberships: true, matchMode: 'exact' },
    audit: [],
  }))
  const g = await store.createGroup(orgId, 'g')
  return { orgId, g }
}

describe.skipIf(url === undefined)('batches on a real server', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(pool)
    await migrate(fromPgPool(pool), { schema })
  }, 60_000)

  afterAll(async () => {
    await pools[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await Promise.all(pools.map((p) => p.end()))
  })

  for (const preparedStatements of [false, true]) {
    it(`with batches a login is 3 round trips, without 5 (BEGIN, the locks and the read go together); a manual change 3 and 5; preparedStatements ${String(preparedStatements)}`, async () => {
      const trips: Record<string, { login: number; noChange: number; manual: number }> = {}
      for (const batchStatements of [true, false]) {
        const { pool, take } = countingPool()
        const store = await createPostgresMembershipStore({
          pool,
          schema,
          preparedStatements,
          batchStatements,
        })
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
        take()
        expect(await login(true)).toBe(0)
        const first = take()
        expect(await login(false)).toBe(1)
        const second = take()
        expect(await store.addManualMember(manualOrg.orgId, manualOrg.id, 'bob')).toBe(true)
        trips[`batch ${String(batchStatements)}`] = {
          login: first,
          noChange: second,
          manual: take(),
        }
        await store.close()
      }
      expect(trips).toEqual({
        'batch true': { login: 3, noChange: 3, manual: 3 },
        'batch false': { login: 5, noChange: 5, manual: 5 },
      })
    })
  }

  /**
   * A store whose next login stops inside its transaction, after its write and before COMMIT,
   * holding the user's lock, until `release` is called; `inside` resolves once it is there.
   */
  const holdingStore = async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(pool)
    let release: (() => void) | undefined
    let entered: (() => void) | undefined
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const store = await createPostgresMembershipStore({
      pool,
      schema,
      testOnlyFaultHook: async (point) => {
        if (point !== 'sync:after-write' || entered === undefined) return
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

  it('the read of a batch sees what the holder of the locks committed while the batch waited for them', async () => {
    const appName = `groupsync-waiter-${randomUUID().slice(0, 8)}`
    const waiterPool = new pg.Pool({ connectionString: url, max: 1, application_name: appName })
    const observer = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(waiterPool, observer)
    // Two stores, as two processes: each has its own queue of a user's units of work.
    const holder = await holdingStore()
    const waiter = await createPostgresMembershipStore({ pool: waiterPool, schema })
    const { orgId, g } = await setUp(waiter)
    const first = addG(holder.store, orgId, g.id)
    await holder.inside
    // The holder has written and holds the user's lock, not yet committed. The waiter's batch
    // (BEGIN, the locks, the read) goes now and waits on the lock.
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

  it('the lock of a batch waits no longer than lockMs: the limits set in the same batch apply to it', async () => {
    const holder = await holdingStore()
    const waiterPool = new pg.Pool({ connectionString: url, max: 1 })
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

  it('two copies of this package on one pool share what their batches prepared on a connection (no "already exists")', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    pools.push(pool)
    const load = async () => {
      vi.resetModules()
      const copy = await import('../src/pg-pool-client.js')
      return copy.fromPgPool(pool, { preparedStatements: true })
    }
    const [a, b] = [await load(), await load()]
    expect(a).not.toBe(b)
    const text = `SELECT $1::text || ' ${randomUUID()}' AS v`
    for (const client of [a, b, a]) {
      const tx = await client.begin()
      const [result] = (await tx.batch?.([{ text, params: ['x'] }])) ?? []
      expect(result?.rows[0]?.v).toMatch(/^x /)
      await tx.commit()
    }
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1',
      [text],
    )
    expect(rows[0]?.n).toBe(1)
  })

  it("a pool in node-postgres' pipeline mode, which refuses submittable queries, gets no batches and works", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, pipeline: true })
    pools.push(pool)
    const store = await createPostgresMembershipStore({ pool, schema, preparedStatements: true })
    const { orgId, g } = await setUp(store)
    expect(await addG(store, orgId, g.id)).toBe('added')
    expect((await store.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([g.id])
    await store.close()
  })
})
