import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromPgPool, migrate } from '../src/index.js'
import { randomSchema } from './helpers.js'
import { describePostgresStore } from './postgres-specifics.js'

// The store on tables hash-partitioned by org_id (migrate's `partitions`), the shape a distributed
// PostgreSQL needs: every unique key and foreign key holds org_id, which PostgreSQL's declarative
// partitioning enforces as a distributed database would. The whole contract suite runs on it.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the partitioned-tables tests cannot run.')
}

const schema = randomSchema()
let pool: pg.Pool | undefined

describe.skipIf(url === undefined)(
  'tables partitioned by org (real server)',
  { timeout: 60_000 },
  () => {
    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: url, max: 8, pipeline: true })
      pool.on('error', () => undefined)
      await migrate(fromPgPool(pool), { schema, partitions: 4 })
    }, 60_000)

    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool?.end()
    })

    it('every table of the store but the migrations list is partitioned by org_id into 4 partitions', async () => {
      const { rows } = await (pool as pg.Pool).query<{ t: string; key: string; parts: number }>(
        `SELECT c.relname AS t, pg_get_partkeydef(c.oid) AS key,
         (SELECT count(*)::int FROM pg_inherits AS i WHERE i.inhparent = c.oid) AS parts
       FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
        [schema],
      )
      expect(rows).toEqual(
        [
          'audit_counters',
          'audit_events',
          'membership_sources',
          'memberships',
          'org_groups',
          'org_settings',
          'user_removals',
          'user_syncs',
        ]
          .map((t) => ({ t, key: 'HASH (org_id)', parts: 4 }))
          .concat({ t: 'schema_migrations', key: null as unknown as string, parts: 0 })
          .sort((a, b) => a.t.localeCompare(b.t)),
      )
    })

    it('a partitioned schema is made only new, and only of the default tables', async () => {
      await expect(
        migrate(fromPgPool(pool as pg.Pool), { schema, partitions: 4 }),
      ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/partitions' })
    })

    describePostgresStore(
      'partitioned tables',
      () => {
        if (pool === undefined) throw new Error('no pool')
        const p = pool
        return { client: () => fromPgPool(p), schema }
      },
      { parallelUsers: true, modelRuns: 20 },
    )
  },
)
