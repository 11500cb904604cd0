import { randomUUID } from 'node:crypto'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { databaseUrl } from './support/stores.js'
import {
  asCompared,
  loadSyncVectors,
  needsRemovalTime,
  runSyncVector,
  type VectorStore,
} from './support/sync-vectors.js'

// The scenario vectors of Part 3 (docs/vectors/sync-*.json), every one on every store: the
// memory store, Postgres on PGlite, and a Postgres server when DATABASE_URL is set (CI sets it,
// and a CI run without it fails in databaseUrl rather than skipping). One store per store kind,
// a fresh org per vector.

const files = loadSyncVectors()

/** The memory store, whose clock (`now`) gives a removal its time. */
const memoryVectorStore = (): Promise<VectorStore> => {
  let clock: Date | undefined
  const store = createMemoryMembershipStore({
    now: () => new Date((clock ?? new Date()).getTime()),
  })
  return Promise.resolve({
    store,
    atTime: async (time, work) => {
      clock = time
      try {
        return await work()
      } finally {
        clock = undefined
      }
    },
    dispose: () => store.close(),
  })
}

/**
 * The Postgres store takes a removal's time from the system clock (core's `defineMembershipStore`
 * default), so a removal is run with only `Date` faked at that time — timers stay real, so the
 * driver's timeouts are untouched. Nothing else of a vector runs with a faked clock.
 */
const systemClockAt = async <A>(time: Date, work: () => Promise<A>): Promise<A> => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(time)
  try {
    return await work()
  } finally {
    vi.useRealTimers()
  }
}

const pgliteVectorStore = async (): Promise<VectorStore> => {
  const store = await createPostgresMembershipStore()
  return { store, atTime: systemClockAt, dispose: () => store.close() }
}

const serverVectorStore = (url: string) => async (): Promise<VectorStore> => {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  const schema = `gs_vectors_${randomUUID().replaceAll('-', '')}`
  const store = await createPostgresMembershipStore({ pool, schema, migrate: true })
  return {
    store,
    atTime: systemClockAt,
    dispose: async () => {
      await store.close()
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    },
  }
}

function describeVectorsOn(storeName: string, open: () => Promise<VectorStore>): void {
  describe(`sync vectors on ${storeName}`, () => {
    let target: VectorStore | undefined
    beforeAll(async () => {
      target = await open()
    }, 120_000)
    afterAll(async () => {
      await target?.dispose()
    })

    for (const { file, vectors } of files) {
      describe(file, () => {
        vectors.forEach((vector, index) => {
          const title = `${vector.rule} ${vector.name}${needsRemovalTime(vector) ? ' (a removal at a given time)' : ''}`
          it(title, async () => {
            if (target === undefined) throw new Error('the store did not open')
            const orgId = `org-${file.replace(/\.json$/, '')}-${index}-${randomUUID().slice(0, 8)}`
            const outcome = await runSyncVector(target, orgId, vector)
            expect(asCompared(vector.expected, outcome)).toStrictEqual(vector.expected)
          })
        })
      })
    }
  })
}

describe('the sync vector files', () => {
  it('cover every rule of Part 3 with at least two vectors each, under unique names', () => {
    const all = files.flatMap((f) => f.vectors)
    const perRule = new Map<string, number>()
    for (const v of all) perRule.set(v.rule, (perRule.get(v.rule) ?? 0) + 1)
    for (let n = 1; n <= 13; n += 1) {
      expect(perRule.get(`S${n}`) ?? 0, `rule S${n}`).toBeGreaterThanOrEqual(2)
    }
    expect(new Set(all.map((v) => v.name)).size).toBe(all.length)
  })
})

describeVectorsOn('the memory store', memoryVectorStore)
describeVectorsOn('the Postgres store on PGlite', pgliteVectorStore)
const url = databaseUrl()
if (url === undefined) {
  describe('sync vectors on a Postgres server', () => {
    it.skip('needs DATABASE_URL (set it to run against your own server)', () => undefined)
  })
} else {
  describeVectorsOn('a Postgres server', serverVectorStore(url))
}
