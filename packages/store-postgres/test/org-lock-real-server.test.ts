import type { MembershipStore, StoredGroup } from '@groupsync/core'
import { matchQuery, startFaultProxy, type FaultProxy } from '@groupsync/fault-proxy'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { randomSchema } from './helpers.js'

// The org's exclusive lock (group and settings changes) is tried, never queued for: a queued
// exclusive request would make every later login of the org wait behind it, and behind whatever
// holds the shared lock — a login frozen mid-transaction, say — until a timeout ends it.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the org-lock tests cannot run.')
}

const schema = randomSchema()
const pools: pg.Pool[] = []
const stores: MembershipStore[] = []
let proxy: FaultProxy | undefined
let direct: pg.Pool | undefined

/** Timeouts that would hide a convoy: nothing ends a frozen session but the test. */
const timeouts = {
  lockMs: 20_000,
  statementMs: 20_000,
  idleInTransactionMs: 60_000,
  callMs: 60_000,
}

const pool = (config: pg.PoolConfig): pg.Pool => {
  const p = new pg.Pool({ max: 2, ...config })
  p.on('error', () => undefined)
  pools.push(p)
  return p
}

const storeOn = async (p: pg.Pool): Promise<MembershipStore> => {
  const store = await createPostgresMembershipStore({ pool: p, schema, timeouts })
  stores.push(store)
  return store
}

const join = (store: MembershipStore, orgId: string, userId: string, g: StoredGroup) =>
  store.withLoginSync(orgId, userId, [g.name], (snap) => ({
    changes: {
      add: snap.memberships.length === 0 ? [{ groupId: g.id, source: 'sync' as const }] : [],
      remove: [],
      audit: [],
      syncedAt: new Date(),
    },
    result: 'joined',
  }))

describe.skipIf(url === undefined)('the org lock on a real server', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const target = new URL(url ?? '')
    proxy = await startFaultProxy({
      target: { host: target.hostname, port: Number(target.port || 5432) },
    })
    direct = pool({ connectionString: url, max: 4 })
    await migrate(fromPgPool(direct), { schema })
  })

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)))
    await direct?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await proxy?.close()
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)))
  })

  for (const pipeline of [true, false]) {
    it(`a login frozen inside its transaction and a rename of its org waiting for it: another user's login waits on no lock and completes while the rename waits; the rename completes once the frozen session is ended; nothing of the frozen login is written (pipeline ${String(pipeline)})`, async () => {
      const tag = randomUUID().slice(0, 8)
      const target = new URL(url ?? '')
      const frozenPool = pool({
        host: '127.0.0.1',
        port: proxy?.port,
        user: decodeURIComponent(target.username) || 'postgres',
        database: target.pathname.slice(1),
        application_name: `groupsync-frozen-${tag}`,
        pipeline,
      })
      const otherName = `groupsync-other-${tag}`
      const frozenStore = await storeOn(frozenPool)
      const other = await storeOn(
        pool({ connectionString: url, application_name: otherName, pipeline }),
      )
      const admin = await storeOn(pool({ connectionString: url }))
      const orgId = `convoy-${randomUUID()}`
      const g = await admin.createGroup(orgId, 'g')
      // The frozen login has its locks and its read; its write never reaches the server, and its
      // connection stays open, holding the user's lock and the org's shared lock.
      const fired = proxy?.faultsFired() ?? 0
      proxy?.setFault({ match: matchQuery('WITH removed AS'), action: 'freeze' })
      const giveUp = new AbortController()
      const frozen = frozenStore
        .withLoginSync(
          orgId,
          'alice',
          ['g'],
          () => ({
            changes: { add: [{ groupId: g.id, source: 'sync' as const }], remove: [], audit: [] },
            result: 'joined',
          }),
          { signal: giveUp.signal },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      for (let i = 0; (proxy?.faultsFired() ?? 0) === fired; i++) {
        if (i > 1_000) throw new Error('the login never froze')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      let renamed = false
      const rename = admin.renameGroup(orgId, g.id, 'g2').then((r) => {
        renamed = true
        return r
      })
      // Long enough for the rename to have tried the lock several times.
      await new Promise((resolve) => setTimeout(resolve, 300))
      let waits = 0
      const watching = { on: true }
      const watch = (async () => {
        while (watching.on) {
          const { rows } = await (direct as pg.Pool).query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
             WHERE NOT l.granted AND a.application_name = $1`,
            [otherName],
          )
          waits += rows[0]?.n ?? 0
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()
      const started = performance.now()
      expect(await join(other, orgId, 'bob', { ...g, name: 'g' })).toBe('joined')
      const took = performance.now() - started
      watching.on = false
      await watch
      expect(waits, 'lock requests of the other login that pg_locks showed waiting').toBe(0)
      expect(renamed, 'the rename still waits for the frozen login').toBe(false)
      // Not a speed test: a bound far above a login's few milliseconds, far below lockMs.
      expect(took).toBeLessThan(5_000)
      // End the frozen session, as idle_in_transaction_session_timeout would: the rename goes.
      const { rows } = await (direct as pg.Pool).query(
        `SELECT pg_terminate_backend(pid, 10000) AS done FROM pg_stat_activity
         WHERE application_name = $1 AND state = 'idle in transaction'`,
        [`groupsync-frozen-${tag}`],
      )
      expect(rows).toEqual([{ done: true }])
      expect((await rename).name).toBe('g2')
      giveUp.abort(new Error('the test is over'))
      proxy?.dropAll()
      expect(await frozen).toMatchObject({ _tag: 'StoreError' })
      expect(await admin.listUserMemberships(orgId, 'alice')).toEqual([])
      expect((await admin.listMembers(orgId, g.id)).map((m) => m.userId)).toEqual(['bob'])
    })
  }

  it('an org change that cannot get the lock before its deadline is STORE_TIMEOUT and writes nothing', async () => {
    const holderPool = pool({ connectionString: url, max: 1 })
    const admin = await createPostgresMembershipStore({
      pool: pool({ connectionString: url }),
      schema,
      timeouts: { ...timeouts, callMs: 400 },
    })
    stores.push(admin)
    const orgId = `busy-${randomUUID()}`
    const g = await admin.createGroup(orgId, 'g')
    // Another session holds the org's shared lock, as a login does.
    const holder = await holderPool.connect()
    await holder.query('BEGIN')
    await holder.query(
      `SELECT pg_advisory_xact_lock_shared(hashtextextended(json_build_array('groupsync.org', $1::text, $2::text)::text, 0))`,
      [schema, orgId],
    )
    await expect(admin.renameGroup(orgId, g.id, 'h')).rejects.toMatchObject({
      code: 'STORE_TIMEOUT',
    })
    await holder.query('ROLLBACK')
    holder.release()
    expect((await admin.listGroups(orgId)).map((x) => x.name)).toEqual(['g'])
    expect((await admin.renameGroup(orgId, g.id, 'h')).name).toBe('h')
  })
})
