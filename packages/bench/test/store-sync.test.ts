import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  inFlightMs,
  openPGlite,
  recordingClient,
  withMigratedSchema,
  type EmbeddedDb,
} from '../src/postgres.js'
import { perRowSync } from '../src/suites/store-sync/per-row-sync.js'
import { addedPerRoundTrip } from '../src/suites/store-sync/store-sync-report.js'
import {
  STABLE_GROUPS,
  alternatingClaims,
  changesOf,
  seedGroups,
  storeSync,
} from '../src/suites/store-sync/sync-fixture.js'

// The store-sync suite compares the store with a per-row baseline; that only means something if
// both make the same changes, and if the statement counts it reports are what each one sends.

describe('alternatingClaims', () => {
  it('gives two claims that differ by exactly n groups and share the stable ones', () => {
    for (const n of [1, 2, 10, 101, 1_000]) {
      const { a, b } = alternatingClaims(n, 1_000)
      const inA = new Set(a)
      const inB = new Set(b)
      const differ =
        [...inA].filter((g) => !inB.has(g)).length + [...inB].filter((g) => !inA.has(g)).length
      expect(differ).toBe(n)
      expect(a.filter((g) => inB.has(g))).toHaveLength(STABLE_GROUPS)
    }
  })
})

describe('perRowSync and the store on PGlite', () => {
  let embedded: EmbeddedDb
  beforeAll(async () => {
    embedded = await openPGlite()
  })
  afterAll(async () => {
    await embedded.close()
  })

  it('make the same changes; the store in 5 statements, per-row in changes + 6', async () => {
    await withMigratedSchema(embedded.client, async (schema) => {
      await seedGroups(embedded.client, schema, 'org', 100 + STABLE_GROUPS)
      const recorder = recordingClient(embedded.client)
      const store = await createPostgresMembershipStore({
        client: recorder.client,
        schema,
        migrate: false,
      })
      const members = async (user: string) =>
        (await store.listUserMemberships('org', user)).map((m) => m.groupId).sort()
      const { a, b } = alternatingClaims(100, 100)
      const when = new Date('2030-01-01T00:00:00Z')
      for (const [claim, expectedChanges] of [
        [a, 50 + STABLE_GROUPS],
        [b, 100],
        [a, 100],
      ] as const) {
        recorder.take()
        const ours = await storeSync(store, 'org', 'u-store', claim, when)
        expect(recorder.take()).toHaveLength(5)
        const theirs = await perRowSync(recorder.client, schema, 'org', 'u-row', claim, when)
        expect(recorder.take()).toHaveLength(expectedChanges + 6)
        expect(changesOf(ours)).toBe(expectedChanges)
        expect(changesOf(theirs)).toBe(expectedChanges)
        expect(await members('u-store')).toEqual(await members('u-row'))
      }
      const synced = await embedded.client.query(
        `SELECT count(*)::int AS n FROM "${schema}".user_syncs WHERE last_synced_at = $1::timestamptz`,
        [when.toISOString()],
      )
      expect(synced.rows[0]?.['n']).toBe(2)
    })
  })

  it('drops its schema afterwards, also when the work fails', async () => {
    let schema = ''
    await expect(
      withMigratedSchema(embedded.client, (s) => {
        schema = s
        return Promise.reject(new Error('work failed'))
      }),
    ).rejects.toThrow('work failed')
    const { rows } = await embedded.client.query(
      'SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    )
    expect(rows[0]?.['n']).toBe(0)
  })
})

describe('addedPerRoundTrip', () => {
  const at = (perRowMs: number, perRowRoundTrips?: number) => ({
    changes: 10_000,
    store: { name: 's', samples: 1, median: 100, mean: 100, min: 100, rme: 0 },
    perRow: { name: 'p', samples: 1, median: perRowMs, mean: perRowMs, min: perRowMs, rme: 0 },
    storeStatements: 5,
    perRowStatements: 10_006,
    storeRoundTrips: 5,
    perRowRoundTrips,
  })
  const direct = { rows: [at(2_000, 10_000)] }

  it('is the extra time per per-row round trip through the proxy, flagged when far over the delay', () => {
    const proxied = (perRowMs: number) => ({
      backend: { addedLatencyMs: 0.25 },
      rows: [at(perRowMs)],
    })
    expect(addedPerRoundTrip(proxied(5_500), direct, 10_000)).toEqual({
      ms: 0.35,
      inflated: false,
    })
    const slowed = addedPerRoundTrip(proxied(19_000), direct, 10_000)
    expect(slowed?.ms).toBeCloseTo(1.7)
    expect(slowed?.inflated).toBe(true)
  })

  it('is undefined without the direct run or its round trips at that size', () => {
    const proxied = { backend: { addedLatencyMs: 1 }, rows: [at(12_000)] }
    expect(addedPerRoundTrip(proxied, undefined, 10_000)).toBeUndefined()
    expect(addedPerRoundTrip(proxied, { rows: [at(2_000)] }, 10_000)).toBeUndefined()
    expect(addedPerRoundTrip(proxied, direct, 100)).toBeUndefined()
  })
})

describe('inFlightMs', () => {
  it('counts the time any statement was in flight once, however many overlapped', () => {
    const at = (startMs: number, ms: number) => ({ text: '', params: undefined, startMs, ms })
    // The locks and the read issued together, then the write and COMMIT after a pause.
    expect(inFlightMs([at(0, 10), at(2, 3), at(12, 3), at(13, 4)])).toBe(15)
    expect(inFlightMs([])).toBe(0)
  })
})
