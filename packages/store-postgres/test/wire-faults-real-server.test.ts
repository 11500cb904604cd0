import type { MembershipStore, StoredGroup } from '@groupsync/core'
import { matchQuery, startFaultProxy, type FaultProxy } from '@groupsync/fault-proxy'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPostgresMembershipStore,
  fromPgPool,
  migrate,
  type PostgresMembershipStoreOptions,
} from '../src/index.js'
import { createPostgresMembershipStore as createTestingStore } from '../src/testing.js'
import { randomSchema } from './helpers.js'

// Faults on the wire, not thrown in JavaScript: a TCP proxy between the store's pool and the
// server cuts or freezes a connection when the client sends a chosen message.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the wire-fault tests cannot run.')
}

const schema = randomSchema()
const pools: pg.Pool[] = []
const stores: MembershipStore[] = []
let proxy: FaultProxy | undefined
let direct: pg.Pool | undefined

/** A pool whose connections go through the fault proxy, in pipeline mode or not. */
const proxiedPool = (max = 4, pipeline = false): pg.Pool => {
  if (proxy === undefined || url === undefined) throw new Error('no proxy')
  const target = new URL(url)
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port: proxy.port,
    user: decodeURIComponent(target.username),
    password: decodeURIComponent(target.password),
    database: target.pathname.slice(1),
    max,
    pipeline,
  })
  pools.push(pool)
  return pool
}

const storeOn = async (
  pool: pg.Pool,
  options: PostgresMembershipStoreOptions = {},
): Promise<MembershipStore> => {
  const store = await createPostgresMembershipStore({ pool, schema, ...options })
  stores.push(store)
  return store
}

/** A store with the test-only fault hook. */
const createTestingStoreOn = async (
  pool: pg.Pool,
  hook: (point: string) => Promise<void>,
): Promise<MembershipStore> => {
  const store = await createTestingStore({ pool, schema, testOnlyFaultHook: hook })
  stores.push(store)
  return store
}

/** A store straight on the server, to see what was really committed. */
const observer = () => {
  if (direct === undefined) throw new Error('no pool')
  return storeOn(direct)
}

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  )

/** A login that makes the user a member of exactly `groups`, with one event per change. */
const login = (store: MembershipStore, orgId: string, userId: string, groups: StoredGroup[]) =>
  store.withLoginSync(
    orgId,
    userId,
    groups.map((g) => g.name),
    (snap) => {
      const want = new Set(groups.map((g) => g.id))
      const have = new Set(snap.memberships.map((m) => m.groupId))
      const add = [...want].filter((id) => !have.has(id))
      const remove = [...have].filter((id) => !want.has(id))
      return {
        changes: {
          add: add.map((groupId) => ({ groupId, source: 'sync' as const })),
          remove,
          audit: [
            ...remove.map((groupId) => ({
              type: 'membership.removed' as const,
              orgId,
              userId,
              groupId,
              source: 'sync' as const,
            })),
            ...add.map((groupId) => ({
              type: 'membership.added' as const,
              orgId,
              userId,
              groupId,
              source: 'sync' as const,
            })),
          ],
          syncedAt: new Date(),
        },
        result: { added: add.length, removed: remove.length },
      }
    },
  )

describe.skipIf(url === undefined)('real server through a fault proxy', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const target = new URL(url ?? '')
    proxy = await startFaultProxy({
      target: { host: target.hostname, port: Number(target.port || 5432) },
    })
    direct = new pg.Pool({ connectionString: url, max: 4 })
    pools.push(direct)
    await migrate(fromPgPool(direct), { schema })
  })

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
    await direct?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await proxy?.close()
    await Promise.all(pools.map((p) => p.end()))
  })

  it('a lost COMMIT acknowledgement is STORE_OUTCOME_UNKNOWN, not "nothing changed"; a login retry converges', async () => {
    const store = await storeOn(proxiedPool())
    const seen = await observer()
    const orgId = `lost-commit-${randomUUID()}`
    const g = await store.createGroup(orgId, 'g')
    const fired = proxy?.faultsFired() ?? 0
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    const error = await failure(login(store, orgId, 'alice', [g]))
    expect(proxy?.faultsFired()).toBe(fired + 1)
    expect(error).toMatchObject({ _tag: 'StoreError', code: 'STORE_OUTCOME_UNKNOWN' })
    // The server applied the COMMIT (the client may hear of the cut before the server has
    // finished it, so look for a moment): the member and its event are there.
    for (let i = 0; i < 100 && (await seen.listUserMemberships(orgId, 'alice')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await seen.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([g.id])
    const events = (await seen.listAuditEvents(orgId)).filter((e) => e.type === 'membership.added')
    expect(events).toHaveLength(1)
    // The login retried: nothing left to change, nothing duplicated.
    expect(await login(store, orgId, 'alice', [g])).toEqual({ added: 0, removed: 0 })
    expect(
      (await seen.listAuditEvents(orgId)).filter((e) => e.type === 'membership.added'),
    ).toHaveLength(1)
  })

  it('lost acknowledgements of admin writes are STORE_OUTCOME_UNKNOWN, and their retries are safe', async () => {
    const store = await storeOn(proxiedPool())
    const orgId = `lost-admin-${randomUUID()}`
    const g = await store.createGroup(orgId, 'g')
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    await expect(store.addManualMember(orgId, g.id, 'bob')).rejects.toMatchObject({
      code: 'STORE_OUTCOME_UNKNOWN',
    })
    expect(await store.addManualMember(orgId, g.id, 'bob')).toBe(false)
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    await expect(store.createGroup(orgId, 'h')).rejects.toMatchObject({
      code: 'STORE_OUTCOME_UNKNOWN',
    })
    await expect(store.createGroup(orgId, 'h')).rejects.toMatchObject({ code: 'GROUP_NAME_TAKEN' })
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    await expect(store.deleteGroup(orgId, g.id)).rejects.toMatchObject({
      code: 'STORE_OUTCOME_UNKNOWN',
    })
    await expect(store.deleteGroup(orgId, g.id)).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' })
  })

  it('a COMMIT cut before it reaches the server is also STORE_OUTCOME_UNKNOWN to the client, and here nothing landed', async () => {
    const store = await storeOn(proxiedPool())
    const seen = await observer()
    const orgId = `cut-commit-${randomUUID()}`
    const g = await store.createGroup(orgId, 'g')
    const before = await seen.listAuditEvents(orgId)
    proxy?.setFault({ match: matchQuery('COMMIT'), action: 'drop-before' })
    await expect(login(store, orgId, 'alice', [g])).rejects.toMatchObject({
      code: 'STORE_OUTCOME_UNKNOWN',
    })
    expect(await seen.listUserMemberships(orgId, 'alice')).toEqual([])
    expect(await seen.listAuditEvents(orgId)).toEqual(before)
    expect(await login(store, orgId, 'alice', [g])).toEqual({ added: 1, removed: 0 })
  })

  for (const pipeline of [false, true]) {
    it(`a connection cut as the write goes (before it reaches the server) leaves no trace: STORE_UNAVAILABLE one statement at a time, STORE_OUTCOME_UNKNOWN when pipelined (COMMIT was already on its way); pipeline ${String(pipeline)}`, async () => {
      const store = await storeOn(proxiedPool(4, pipeline))
      const seen = await observer()
      const orgId = `cut-write-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      const before = await seen.listAuditEvents(orgId)
      proxy?.setFault({ match: matchQuery('WITH removed AS'), action: 'drop-before' })
      await expect(login(store, orgId, 'alice', [g])).rejects.toMatchObject({
        code: pipeline ? 'STORE_OUTCOME_UNKNOWN' : 'STORE_UNAVAILABLE',
      })
      expect(await seen.listUserMemberships(orgId, 'alice')).toEqual([])
      expect(await seen.listAuditEvents(orgId)).toEqual(before)
      expect(await seen.listStaleMembers(orgId, new Date('9999-01-01'))).toEqual([])
      expect(await login(store, orgId, 'alice', [g])).toEqual({ added: 1, removed: 0 })
    })

    it(`a write the server refuses with COMMIT behind it rolls back, and the store says why (not that the outcome is unknown); pipeline ${String(pipeline)}`, async () => {
      const store = await storeOn(proxiedPool(4, pipeline))
      const seen = await observer()
      const orgId = `refused-write-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      // The group goes between the login's read and its write (deleted behind the store's back):
      // the insert breaks the foreign key.
      const writer = await createTestingStoreOn(proxiedPool(4, pipeline), async (point) => {
        if (point !== 'sync:after-read') return
        await direct?.query(`DELETE FROM "${schema}".org_groups WHERE org_id = $1 AND id = $2`, [
          orgId,
          g.id,
        ])
      })
      const before = await seen.listAuditEvents(orgId)
      await expect(login(writer, orgId, 'alice', [g])).rejects.toMatchObject({
        code: 'GROUP_NOT_FOUND',
      })
      expect(await seen.listUserMemberships(orgId, 'alice')).toEqual([])
      expect(
        (await seen.listAuditEvents(orgId)).filter((e) => e.type.startsWith('membership')),
      ).toEqual(before.filter((e) => e.type.startsWith('membership')))
      expect(await seen.listStaleMembers(orgId, new Date('9999-01-01'))).toEqual([])
    })
  }

  it('an idle pool connection the server terminates does not crash the process (the store listens for the pool error)', async () => {
    const appName = `groupsync-idle-${randomUUID().slice(0, 8)}`
    // As the README sets a pool up: no 'error' listener of its own.
    const pool = new pg.Pool({ connectionString: url, application_name: appName, max: 2 })
    pools.push(pool)
    const store = await storeOn(pool)
    // Without a listener, the pool's 'error' event would be an uncaught exception.
    expect(pool.listenerCount('error')).toBeGreaterThan(0)
    expect(await store.listGroups(`idle-${randomUUID()}`)).toEqual([])
    expect(pool.idleCount).toBe(1)
    const { rows } = await (direct as pg.Pool).query(
      'SELECT pg_terminate_backend(pid, 5000) AS done FROM pg_stat_activity WHERE application_name = $1',
      [appName],
    )
    expect(rows).toEqual([{ done: true }])
    for (let i = 0; i < 100 && pool.totalCount > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // The pool dropped the dead connection (emitting 'error', which would have been uncaught),
    // and the store opens a new one.
    expect(pool.totalCount).toBe(0)
    expect(await store.listGroups(`idle-${randomUUID()}`)).toEqual([])
  })

  it('a caller deadline ends a frozen call with STORE_TIMEOUT well before the store default', async () => {
    const store = await storeOn(proxiedPool(), {
      timeouts: { idleInTransactionMs: 2_000, callMs: 30_000 },
    })
    const orgId = `deadline-${randomUUID()}`
    const g = await store.createGroup(orgId, 'g')
    proxy?.setFault({ match: matchQuery('WITH removed AS'), action: 'freeze' })
    const started = Date.now()
    const error = await failure(
      store.addManualMember(orgId, g.id, 'carol', { signal: AbortSignal.timeout(500) }),
    )
    expect(error).toMatchObject({ code: 'STORE_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await (await observer()).listMembers(orgId, g.id)).toEqual([])
  })
})
