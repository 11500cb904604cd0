import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import { isRight } from 'fp-ts/lib/Either.js'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DEFAULT_VECTORS_DIR, loadCases, type Case } from '../src/cases.js'
import { judge } from '../src/compare.js'
import { SyncInputCodec } from '../src/ports/sync-input.js'
import {
  answerSyncOn,
  memoryVectorStore,
  type VectorStore,
} from '../src/ports/typescript-sync-answers.js'

// The scenario vectors of Part 3 (docs/vectors/sync-*.json), every one on every store: the memory
// store, the Postgres store on PGlite, and a Postgres server when DATABASE_URL is set (CI sets
// it; a CI run without it fails here rather than skipping). Each case is answered by the
// TypeScript port's own code (answerSyncOn) and judged exactly as the runner judges a port's
// answer (judge). One store per kind, a fresh org per vector.

const cases = loadCases().filter((c) => c.part === 'sync')

/** The sync vector files as written: each vector's name and rule, read apart from loadCases. */
const written = readdirSync(DEFAULT_VECTORS_DIR)
  .sort()
  .filter((file) => /^sync-.*\.json$/.test(file) && file !== 'sync-schema.json')
  .flatMap((file) => {
    const json = JSON.parse(readFileSync(join(DEFAULT_VECTORS_DIR, file), 'utf8')) as {
      readonly vectors: readonly { readonly name: string; readonly rule: string }[]
    }
    return json.vectors
  })

/** The server to run on: DATABASE_URL; in CI (which always sets it) its absence is an error. */
const serverUrl = ((): string | undefined => {
  const url = process.env['DATABASE_URL']
  if (url !== undefined && url !== '') return url
  if (process.env['CI'] !== undefined) {
    throw new Error('CI is set but DATABASE_URL is not: the Postgres server vectors cannot run')
  }
  return undefined
})()

/**
 * The Postgres store takes a removal's time from the system clock (core's `defineMembershipStore`
 * default), so a removal runs with only `Date` faked at that time; timers stay real, so the
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

/** The Postgres store on embedded, in-memory PGlite. */
async function onPGlite(): Promise<VectorStore> {
  const store = await createPostgresMembershipStore()
  return { store, atTime: systemClockAt, dispose: () => store.close() }
}

/** The Postgres store on the server, in a schema of its own that `dispose` drops. */
async function onServer(url: string): Promise<VectorStore> {
  const schema = `gs_vectors_${randomUUID().replaceAll('-', '')}`
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  const store = await createPostgresMembershipStore({ pool, schema, migrate: true })
  const dropAll = async (): Promise<void> => {
    await store.close()
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  }
  return { store, atTime: systemClockAt, dispose: dropAll }
}

/** Whether a case seeds a removal, the one step that needs the store's clock set. */
const seedsARemoval = (input: unknown): boolean => {
  const decoded = SyncInputCodec.decode(input)
  return (
    isRight(decoded) && 'state' in decoded.right && (decoded.right.state.removals ?? []).length > 0
  )
}

/** How many vector tests each store registered and how many of them passed. */
const registered = new Map<string, number>()
const passed = new Map<string, number>()
const bump = (counts: Map<string, number>, storeName: string): void => {
  counts.set(storeName, (counts.get(storeName) ?? 0) + 1)
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

    for (const file of [...new Set(cases.map((c) => c.file))]) {
      describe(file, () => {
        for (const testCase of cases.filter((c) => c.file === file)) {
          const { rule } = written.find((v) => v.name === testCase.name) ?? { rule: '?' }
          const removal = seedsARemoval(testCase.input) ? ' (a removal at a given time)' : ''
          bump(registered, storeName)
          it(`${rule} ${testCase.name}${removal}`, async () => {
            if (target === undefined) throw new Error('the store did not open')
            const orgId = `org-${file.replace(/\.json$/, '')}-${testCase.index}-${randomUUID().slice(0, 8)}`
            expect(await judgedOn(target, orgId, testCase)).toBeUndefined()
            bump(passed, storeName)
          })
        }
      })
    }
  })
}

/** The runner's verdict on the port's answer to `testCase` on `target`: undefined when it conforms. */
async function judgedOn(target: VectorStore, orgId: string, testCase: Case) {
  const answer = await answerSyncOn(target, orgId, testCase.input)
  return judge(testCase, { id: `${testCase.file}#${testCase.index}`, ...answer })
}

/** Each store the vectors run on, by name: the server only when there is one. */
const stores: readonly (readonly [name: string, open: () => Promise<VectorStore>])[] = [
  ['the memory store', () => Promise.resolve(memoryVectorStore())],
  ['the Postgres store on PGlite', onPGlite],
  ...(serverUrl === undefined ? [] : [['a Postgres server', () => onServer(serverUrl)] as const]),
]

describe('the sync vector files', () => {
  it('cover every rule of Part 3 with at least two vectors each, under unique names', () => {
    const perRule = new Map<string, number>()
    for (const v of written) perRule.set(v.rule, (perRule.get(v.rule) ?? 0) + 1)
    for (let n = 1; n <= 13; n += 1) {
      expect(perRule.get(`S${n}`) ?? 0, `rule S${n}`).toBeGreaterThanOrEqual(2)
    }
    expect(new Set(written.map((v) => v.name)).size).toBe(written.length)
    expect(cases.map((c) => c.name)).toEqual(written.map((v) => v.name))
  })
})

for (const [storeName, open] of stores) describeVectorsOn(storeName, open)
if (serverUrl === undefined) {
  describe('sync vectors on a Postgres server', () => {
    it.skip('needs DATABASE_URL (set it to run against your own server)', () => undefined)
  })
}

describe('every sync vector ran on every store', () => {
  it.each(stores.map(([storeName]) => storeName))('%s', (storeName) => {
    expect(registered.get(storeName), 'vector tests registered').toBe(written.length)
    expect(passed.get(storeName), 'vector tests passed').toBe(written.length)
  })
})
