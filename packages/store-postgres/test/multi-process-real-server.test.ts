import { expectLogReplays } from '@groupsync/store-contract'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, migrate } from '../src/index.js'
import { randomSchema } from './helpers.js'

// Separate OS processes, each with its own pool, logging in the same user and users of their
// own at once: the per-user lock must hold across processes (the in-process queue cannot help
// there), and the audit log must still replay exactly. The workers run the built store (dist/),
// which the package's test script builds first. With PGBOUNCER_URL set, half of them connect
// through PgBouncer, as a mixed deployment would.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the multi-process tests cannot run.')
}
const bouncer = process.env.PGBOUNCER_URL

const WORKERS = 4
const LOOPS = 3
const LOGINS = 12
const worker = fileURLToPath(new URL('./fixtures/login-worker.mjs', import.meta.url))
const run = promisify(execFile)

interface LoginRecord {
  readonly userId: string
  readonly claim: readonly string[]
  readonly syncedAt: number
}

const schema = randomSchema()
let pool: pg.Pool | undefined

describe.skipIf(url === undefined)(
  'several OS processes on one server',
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: url, max: 4 })
      await migrate(fromPgPool(pool), { schema })
    })

    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool?.end()
    })

    it(`${WORKERS} processes logging in one shared user and their own users end in the last login's state, and the audit log replays exactly`, async () => {
      if (pool === undefined) throw new Error('no pool')
      const store = await createPostgresMembershipStore({ pool, schema })
      const orgId = `processes-${randomUUID()}`
      for (const name of ['a', 'b', 'c', 'd', 'e']) await store.createGroup(orgId, name)
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, i) =>
          run(
            process.execPath,
            [
              worker,
              i % 2 === 1 && bouncer !== undefined ? bouncer : (url ?? ''),
              schema,
              orgId,
              String(i),
              String(LOGINS),
              String(LOOPS),
            ],
            { maxBuffer: 16 * 1024 * 1024 },
          ),
        ),
      )
      const records = outputs.flatMap((o) => JSON.parse(o.stdout) as LoginRecord[])
      expect(records).toHaveLength(WORKERS * LOOPS * LOGINS)
      const users = [...new Set(records.map((r) => r.userId))]
      expect(users).toContain('shared')
      // Each user ends with exactly the claim of the login the store recorded as their last.
      const last = new Map(
        (await store.listStaleMembers(orgId, new Date('9999-01-01'))).map((s) => [
          s.userId,
          s.lastSyncedAt.getTime(),
        ]),
      )
      for (const userId of users) {
        const mine = records.filter((r) => r.userId === userId)
        const winner = mine.find((r) => r.syncedAt === last.get(userId))
        expect(winner, `the last login of ${userId} is one of theirs`).toBeDefined()
        expect(
          (await store.listUserMemberships(orgId, userId)).map((m) => m.groupId).sort(),
        ).toEqual([...(winner?.claim ?? [])].sort())
      }
      // Replaying the whole log from empty rebuilds every group and membership exactly.
      await expectLogReplays(store, orgId, users)
      await store.close()
    })
  },
)
