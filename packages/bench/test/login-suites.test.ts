import { startProxyProcess } from '@groupsync/fault-proxy'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  explainingClient,
  minimalTransaction,
  openPGlite,
  openServerPool,
  serverAddress,
  serverBackendCpu,
  withSchemas,
  type EmbeddedDb,
} from '../src/postgres.js'
import {
  benchUuid,
  claimsOf,
  prepareLayout,
  timedLogin,
  userId,
} from '../src/suites/login-scale/login-fixture.js'

// The login suites compare a login with a minimal transaction and two layouts with each other;
// that only means something if each side is what the section says it is.

describe('the login suites on PGlite', () => {
  let embedded: EmbeddedDb
  beforeAll(async () => {
    embedded = await openPGlite()
  })
  afterAll(async () => {
    await embedded.close()
  })

  it("the adopter layout's logins write the adopter's own tables, marked as the sync's", async () => {
    await withSchemas(embedded.client, 2, async ([own = '', app = '']) => {
      const layout = await prepareLayout(embedded.client, 'adopter schema', own, app)
      const org = benchUuid(1, 1)
      await layout.seed(org, 100)
      const store = await layout.open({ client: embedded.client })
      await store.updateOrgSettings(org, () => ({
        settings: { manageGroupMemberships: true, matchMode: 'exact' },
        audit: [],
      }))
      const [a, b] = claimsOf(0, 100)
      expect((await timedLogin(store, org, userId(0), a)).changed).toBe(20)
      expect((await timedLogin(store, org, userId(0), b)).changed).toBe(4)
      const { rows } = await embedded.client.query(
        `SELECT t.display_name AS name, m.added_by FROM "${app}".team_members m
         JOIN "${app}".teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY 1`,
        [userId(0)],
      )
      expect(rows).toEqual([...b].sort().map((name) => ({ name, added_by: 'groupsync' })))
      await store.close()
    })
  })

  it('explainingClient explains every statement of a login whose store issues them together', async () => {
    await withSchemas(embedded.client, 1, async ([own = '']) => {
      const layout = await prepareLayout(embedded.client, 'default tables', own, '')
      const org = benchUuid(1, 2)
      await layout.seed(org, 100)
      const explaining = explainingClient(embedded.client, () => true)
      const store = await layout.open({ client: explaining.client })
      await store.updateOrgSettings(org, () => ({
        settings: { manageGroupMemberships: true, matchMode: 'exact' },
        audit: [],
      }))
      const [a] = claimsOf(0, 100)
      const before = explaining.plans().length
      expect((await timedLogin(store, org, userId(0), a)).changed).toBe(20)
      const plans = explaining.plans().slice(before)
      expect(plans.map((p) => /^\s*(\w+)/.exec(p.text)?.[1])).toEqual(['SELECT', 'WITH', 'WITH'])
      for (const p of plans) expect(p.plan).toMatch(/Execution Time: [\d.]+ ms/)
      await store.close()
    })
  })
})

const url = process.env['DATABASE_URL']
if (url === undefined && process.env['CI'] !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the server tests of the login suites cannot run.')
}

describe.skipIf(url === undefined)('the login suites on the server', { timeout: 60_000 }, () => {
  it('the minimal transaction waits for each of its 4 statements, even on a pipelined pool', async () => {
    const proxy = await startProxyProcess({ target: serverAddress(), latencyMs: 5 })
    const server = openServerPool(1, { viaPort: proxy.port, pipeline: true })
    try {
      const statement = { text: 'SELECT 1 WHERE $1::text IS NOT NULL', values: ['x'] }
      await minimalTransaction(server.pool, 'bench-test', statement)
      const before = await proxy.roundTrips()
      await minimalTransaction(server.pool, 'bench-test', statement)
      expect((await proxy.roundTrips()) - before).toBe(4)
    } finally {
      await server.end()
      await proxy.close()
    }
  })

  it("serverBackendCpu reads the CPU time of the pool's own backends as they work", async () => {
    const server = openServerPool(2)
    try {
      const cpu = await serverBackendCpu(server.pool, 2)
      const before = cpu()
      expect(before).toBeGreaterThanOrEqual(0)
      await server.pool.query('SELECT count(*) FROM generate_series(1, 5000000)')
      expect((cpu() ?? 0) - (before ?? 0)).toBeGreaterThan(50)
    } finally {
      await server.end()
    }
  })
})
