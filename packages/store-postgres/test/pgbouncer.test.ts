import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { randomSchema } from './helpers.js'
import { describePostgresStore } from './postgres-specifics.js'

// The store through PgBouncer in transaction pooling mode, as many deployments run Postgres:
// consecutive transactions of one client may land on different server connections, so only
// transaction-scoped state works (the store's advisory locks are pg_advisory_xact_lock, its
// limits SET LOCAL). `.ci/start-pgbouncer` starts one on 127.0.0.1:6432 and CI sets PGBOUNCER_URL.
const url = process.env.PGBOUNCER_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('PGBOUNCER_URL is not set in CI: the PgBouncer tests cannot run.')
}
if (url === undefined) {
  console.warn('PGBOUNCER_URL is not set: skipping the store tests through PgBouncer.')
}

const schema = randomSchema()
let pool: pg.Pool | undefined

describe.skipIf(url === undefined)(
  'through PgBouncer (transaction pooling)',
  { timeout: 60_000 },
  () => {
    beforeAll(async () => {
      // Pipelined, as the README recommends: a unit's statements go together through the pooler.
      pool = new pg.Pool({ connectionString: url, max: 8, pipeline: true })
      pool.on('error', () => undefined)
      await migrate(fromPgPool(pool), { schema })
    }, 60_000)

    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool?.end()
    })

    it('PgBouncer: the pooler runs in transaction mode (two transactions of one client may use different server sessions)', async () => {
      if (pool === undefined) throw new Error('no pool')
      // One client connection, several statements while other clients keep the pooler busy:
      // in transaction mode they are served by more than one server session.
      const p = pool
      const client = await p.connect()
      try {
        const pids = new Set<number>()
        for (let i = 0; i < 20 && pids.size < 2; i++) {
          const busy = Array.from({ length: 4 }, () => p.query('SELECT pg_sleep(0.01)'))
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
          pids.add(rows[0]?.pid ?? 0)
          await Promise.all(busy)
        }
        expect(pids.size).toBeGreaterThan(1)
      } finally {
        client.release()
      }
    })

    describePostgresStore(
      'PgBouncer',
      () => {
        if (pool === undefined) throw new Error('no pool')
        const p = pool
        return { client: () => fromPgPool(p), schema }
      },
      { parallelUsers: true, modelRuns: 20 },
    )

    it('PgBouncer: a store opened on the pooler works end to end', async () => {
      if (pool === undefined) throw new Error('no pool')
      const store = await createPostgresMembershipStore({ pool, schema })
      const orgId = `bouncer-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      expect(await store.addManualMember(orgId, g.id, 'alice')).toBe(true)
      expect((await store.listMembers(orgId, g.id)).map((m) => m.userId)).toEqual(['alice'])
      await store.close()
    })
  },
)
