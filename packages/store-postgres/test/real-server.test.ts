import type { MembershipStore } from '@groupsync/core'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { listMigrations } from '../src/migrate.js'
import { createPostgresMembershipStore as createTestingStore } from '../src/testing.js'
import { randomSchema } from './helpers.js'
import { describePostgresStore } from './postgres-specifics.js'

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  // CI always has a server (.ci/run starts it); running without one there would hide failures.
  throw new Error('DATABASE_URL is not set in CI: the real-server Postgres tests cannot run.')
}

const schema = randomSchema()
const pools: pg.Pool[] = []
/** A pool of its own for a test; all are ended after the file. */
const newPool = (options: pg.PoolConfig = {}): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max: 8, ...options })
  // An idle client whose server connection dies emits 'error' through the pool.
  pool.on('error', () => undefined)
  pools.push(pool)
  return pool
}

describe.skipIf(url === undefined)('real server (DATABASE_URL)', { timeout: 60_000 }, () => {
  // The suite runs pipelined, as the README sets a pool up, and once one statement at a time.
  let main: pg.Pool | undefined
  let sequential: pg.Pool | undefined

  beforeAll(async () => {
    main = newPool({ pipeline: true })
    sequential = newPool()
    await migrate(fromPgPool(main), { schema })
  }, 60_000)

  afterAll(async () => {
    await main?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await Promise.all(pools.map((p) => p.end()))
  })

  const harness = () => {
    if (main === undefined) throw new Error('no pool')
    const pool = main
    return { client: () => fromPgPool(pool), schema }
  }

  describePostgresStore('real server', harness, { parallelUsers: true, modelRuns: 100 })

  // The same suite with the store's statements prepared by name on each connection, on a pool
  // that sends them one at a time.
  describePostgresStore(
    'real server with prepared statements, not pipelined',
    () => {
      if (sequential === undefined) throw new Error('no pool')
      const pool = sequential
      return { client: () => fromPgPool(pool, { preparedStatements: true }), schema }
    },
    { parallelUsers: true, modelRuns: 20 },
  )

  it('real server: with preparedStatements a connection prepares each statement of the store once, under one name per text, shared by the stores on the pool; without, none', async () => {
    const pool = newPool({ max: 1, pipeline: true })
    const prepared = async () =>
      (
        await pool.query<{ name: string; statement: string }>(
          'SELECT name, statement FROM pg_prepared_statements ORDER BY name',
        )
      ).rows
    const store = await createPostgresMembershipStore({ pool, schema, preparedStatements: true })
    const twin = await createPostgresMembershipStore({ pool, schema, preparedStatements: true })
    const orgId = `prepared-${randomUUID()}`
    await store.updateOrgSettings(orgId, () => ({
      settings: { manageGroupMemberships: true, matchMode: 'exact' },
      audit: [],
    }))
    const g = await store.createGroup(orgId, 'g')
    const login = (s: MembershipStore, userId: string) =>
      s.withLoginSync(orgId, userId, ['g'], (snap) => ({
        changes: {
          add: snap.memberships.length === 0 ? [{ groupId: g.id, source: 'sync' as const }] : [],
          remove: [],
          audit: [],
          syncedAt: new Date(),
        },
        result: snap.memberships.length,
      }))
    expect(await login(store, 'alice')).toBe(0)
    expect(await login(twin, 'alice')).toBe(1)
    expect(await twin.getOrgSettings(orgId)).toMatchObject({ manageGroupMemberships: true })
    const rows = await prepared()
    for (const { name } of rows) expect(name).toMatch(/^groupsync_[0-9a-f]{16}$/)
    expect(new Set(rows.map((r) => r.statement)).size).toBe(rows.length)
    const nameOf = (part: string) => rows.find((r) => r.statement.includes(part))?.name
    // Pipelined statements are prepared as well as the others: the locks, the read, the write.
    expect(nameOf('WITH mine AS')).toMatch(/^groupsync_/)
    expect(nameOf('pg_advisory_xact_lock_shared')).toMatch(/^groupsync_/)
    expect(nameOf('INSERT INTO')).toMatch(/^groupsync_/)
    // More logins, of either store, parse nothing new.
    expect(await login(store, 'bob')).toBe(0)
    expect(await login(twin, 'bob')).toBe(1)
    expect((await prepared()).length).toBe(rows.length)
    await store.close()
    await twin.close()

    const plainPool = newPool({ max: 1 })
    const plain = await createPostgresMembershipStore({ pool: plainPool, schema })
    expect(await login(plain, 'carol')).toBe(0)
    expect((await plainPool.query('SELECT name FROM pg_prepared_statements')).rows).toEqual([])
    await plain.close()
  })

  it('real server: two processes migrating at once take turns; each migration applies once', async () => {
    const other = randomSchema()
    // Two pools are two separate sessions, as two processes would have.
    const [a, b] = [fromPgPool(newPool({ max: 1 })), fromPgPool(newPool({ max: 1 }))]
    try {
      const results = await Promise.all([
        migrate(a, { schema: other }),
        migrate(b, { schema: other }),
      ])
      const all = await listMigrations()
      expect(results.map((r) => r.applied).sort()).toEqual([[], all])
      expect((await migrate(a, { schema: other })).applied).toEqual([])
      const { rows } = await a.query(`SELECT name FROM "${other}".schema_migrations`)
      expect(rows.map((r) => r.name)).toEqual(all)
    } finally {
      await harness().client().query(`DROP SCHEMA IF EXISTS "${other}" CASCADE`)
    }
  })

  it('real server: a connection killed mid-transaction (pg_terminate_backend) leaves no trace', async () => {
    const appName = `groupsync-victim-${randomUUID().slice(0, 8)}`
    const victim = newPool({ application_name: appName, max: 2 })
    const killer = harness().client()
    let armed = false
    let killed = 0
    const store: MembershipStore = await createTestingStore({
      pool: victim,
      schema,
      // After the sync's read, before its write and COMMIT: kill the connection from another
      // session.
      testOnlyFaultHook: async (point) => {
        if (!armed || point !== 'sync:after-read') return
        armed = false
        const { rows } = await killer.query(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction'`,
          [appName],
        )
        expect(rows).toHaveLength(1)
        const done = await killer.query('SELECT pg_terminate_backend($1::int, 10000) AS done', [
          rows[0]?.pid,
        ])
        expect(done.rows[0]?.done).toBe(true)
        // Let the victim's client read the termination before the store sends the write and
        // COMMIT: this test is of a backend killed before them (a COMMIT lost on the way is the
        // proxy tests').
        await new Promise((resolve) => setTimeout(resolve, 200))
        killed += 1
      },
    })
    const orgId = `killed-${randomUUID()}`
    const [g0, g1] = [await store.createGroup(orgId, 'g0'), await store.createGroup(orgId, 'g1')]
    expect(await store.addManualMember(orgId, g0.id, 'alice')).toBe(true)
    const observer = await createPostgresMembershipStore({ client: killer, schema })
    const observe = async () => ({
      memberships: await observer.listUserMemberships(orgId, 'alice'),
      audit: await observer.listAuditEvents(orgId),
      stale: await observer.listStaleMembers(orgId, new Date('9999-01-01')),
    })
    const before = await observe()
    const sync = () =>
      store.withLoginSync(orgId, 'alice', ['g1'], () => ({
        changes: {
          add: [{ groupId: g1.id, source: 'sync' }],
          remove: [g0.id],
          audit: [{ type: 'membership.removed', orgId, userId: 'alice', groupId: g0.id }],
          syncedAt: new Date('2025-03-03T00:00:00.000Z'),
        },
        result: 'synced',
      }))
    armed = true
    const error = await sync().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(killed).toBe(1)
    expect(error).toMatchObject({ _tag: 'StoreError', code: 'STORE_UNAVAILABLE' })
    expect(await observe()).toEqual(before)
    // The pool replaces the dead connection: the same sync now succeeds.
    expect(await sync()).toBe('synced')
    expect((await observer.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([
      g1.id,
    ])
    await store.close()
    await observer.close()
  })
})
