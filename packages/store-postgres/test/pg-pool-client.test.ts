import { describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPgPool, type PgPoolLike } from '../src/index.js'
import type { PgPoolClientLike } from '../src/pg-pool-client.js'

// What fromPgPool hands node-postgres, seen through a fake pool whose answers the test releases
// one at a time: plain texts by default, named queries with preparedStatements on; BEGIN with the
// first statement; in pipeline mode every statement sent before the answers of those before it,
// otherwise one after the other. That the server then runs them is the real-server tests'.

type Query = string | { readonly name: string; readonly text: string; readonly values?: unknown[] }

interface Pending {
  readonly text: string
  readonly answer: (command?: string) => void
  readonly fail: (error: Error) => void
}

const fakePool = (options: { pipeline?: boolean } = {}) => {
  const sent: [Query, unknown[]?][] = []
  const pending: Pending[] = []
  let onError: ((e: Error) => void) | undefined
  const released: unknown[] = []
  const query = (text: Query, values?: unknown[]) => {
    sent.push(values === undefined ? [text] : [text, values])
    return new Promise<{ rows: unknown[]; command?: string }>((resolve, reject) => {
      pending.push({
        text: typeof text === 'string' ? text : text.text,
        answer: (command) => {
          resolve({ rows: [], ...(command === undefined ? {} : { command }) })
        },
        fail: reject,
      })
    })
  }
  const client: PgPoolClientLike = {
    query,
    ...(options.pipeline === true && { pipeline: true }),
    release: (e) => released.push(e),
    on: (_event, listener) => {
      onError = listener
    },
    removeListener: () => undefined,
  }
  const pool: PgPoolLike = { connect: () => Promise.resolve(client), query }
  /** Answers the oldest statement still waiting (with a command tag when given). */
  const answerNext = async (command?: string) => {
    await new Promise((r) => setImmediate(r))
    pending.shift()?.answer(command)
    await new Promise((r) => setImmediate(r))
  }
  return {
    pool,
    sent,
    pending,
    released,
    answerNext,
    breakConnection: (e: Error) => onError?.(e),
    texts: () => sent.map(([q]) => (typeof q === 'string' ? q : q.text)),
  }
}

const READ = 'SELECT 1 FROM t WHERE a = $1'
const OTHER = 'SELECT 2 FROM t WHERE a = $1'
const LIMITS = { lockTimeoutMs: 1, statementTimeoutMs: 2, idleInTransactionTimeoutMs: 3 }

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r))

describe('fromPgPool', () => {
  it('in pipeline mode sends BEGIN with the first statement and every statement issued together before any answer, COMMIT included: one round trip', async () => {
    const fake = fakePool({ pipeline: true })
    const tx = await fromPgPool(fake.pool).begin(LIMITS)
    expect(fake.sent).toEqual([])
    const a = tx.query(READ, ['x'])
    const b = tx.query(OTHER, ['y'])
    const committed = tx.commit()
    await settle()
    expect(fake.texts()).toEqual([
      'BEGIN; SET LOCAL lock_timeout = 1; SET LOCAL statement_timeout = 2; SET LOCAL idle_in_transaction_session_timeout = 3',
      READ,
      OTHER,
      'COMMIT',
    ])
    for (let i = 0; i < 3; i++) await fake.answerNext()
    await fake.answerNext('COMMIT')
    await expect(Promise.all([a, b, committed])).resolves.toEqual([
      { rows: [] },
      { rows: [] },
      undefined,
    ])
    expect(fake.released).toEqual([undefined])
  })

  it('without pipeline mode sends each statement only once the one before it was answered, in the order issued', async () => {
    const fake = fakePool()
    const tx = await fromPgPool(fake.pool).begin()
    const a = tx.query(READ, ['x'])
    const committed = tx.commit()
    await settle()
    expect(fake.texts()).toEqual(['BEGIN'])
    await fake.answerNext()
    expect(fake.texts()).toEqual(['BEGIN', READ])
    await fake.answerNext()
    expect(fake.texts()).toEqual(['BEGIN', READ, 'COMMIT'])
    await fake.answerNext('COMMIT')
    await expect(a).resolves.toEqual({ rows: [] })
    await expect(committed).resolves.toBeUndefined()
  })

  it('a COMMIT the server answers with ROLLBACK (a statement before it failed) rejects with 25P02: nothing was committed', async () => {
    const fake = fakePool({ pipeline: true })
    const tx = await fromPgPool(fake.pool).begin()
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => e,
      )
    const write = outcome(tx.query(READ, ['x']))
    const committed = outcome(tx.commit())
    await settle()
    await fake.answerNext()
    fake.pending.shift()?.fail(Object.assign(new Error('boom'), { code: '23505' }))
    await fake.answerNext('ROLLBACK')
    expect(await write).toMatchObject({ code: '23505' })
    expect(await committed).toMatchObject({ code: '25P02' })
  })

  it('a COMMIT on a connection that had broken is not sent and rejects with STORE_UNAVAILABLE; the connection is destroyed', async () => {
    const fake = fakePool({ pipeline: true })
    const tx = await fromPgPool(fake.pool).begin()
    void tx.query(READ, ['x']).catch(() => undefined)
    const gone = new Error('connection terminated')
    fake.breakConnection(gone)
    await expect(tx.commit()).rejects.toMatchObject({
      _tag: 'StoreError',
      code: 'STORE_UNAVAILABLE',
    })
    expect(fake.texts()).not.toContain('COMMIT')
    expect(fake.released).toEqual([gone])
  })

  it('an unused transaction sends nothing, BEGIN included', async () => {
    const fake = fakePool()
    const client = fromPgPool(fake.pool)
    await (await client.begin(LIMITS)).commit()
    await (await client.begin(LIMITS)).rollback()
    expect(fake.sent).toEqual([])
  })

  it('by default sends every statement as text with its values: nothing is prepared by name', async () => {
    const fake = fakePool({ pipeline: true })
    const client = fromPgPool(fake.pool)
    const outside = client.query(READ, ['x'])
    await fake.answerNext()
    await outside
    expect(fake.sent).toEqual([[READ, ['x']]])
  })

  it('with preparedStatements, sends a statement with parameters as a named query, one name per text, the same in every client; BEGIN (with custom plans), COMMIT and scripts stay plain', async () => {
    const fake = fakePool({ pipeline: true })
    const client = fromPgPool(fake.pool, { preparedStatements: true })
    void client.query(READ, ['x'])
    const tx = await client.begin(LIMITS)
    void tx.query(READ, ['y'])
    void tx.query(OTHER, [])
    void tx.execScript('CREATE TABLE t (a text); CREATE INDEX ON t (a)')
    void fromPgPool(fake.pool, { preparedStatements: true }).query(READ, ['z'])
    await settle()
    const named = fake.sent.filter(([q]) => typeof q !== 'string').map(([q]) => q) as {
      name: string
      text: string
      values?: unknown[]
    }[]
    expect(named.map((q) => [q.text, q.values])).toEqual([
      [READ, ['x']],
      [READ, ['y']],
      [OTHER, []],
      [READ, ['z']],
    ])
    const names = named.map((q) => q.name)
    for (const name of names) expect(name).toMatch(/^groupsync_[0-9a-f]{16}$/)
    expect(new Set([names[0], names[1], names[3]]).size).toBe(1)
    expect(names[2]).not.toBe(names[0])
    const plain = fake.sent.filter(([q]) => typeof q === 'string').map(([q]) => q)
    expect(plain[0]).toMatch(
      /^BEGIN; SET LOCAL lock_timeout = 1;.*; SET LOCAL plan_cache_mode = force_custom_plan$/,
    )
    expect(plain[1]).toBe('CREATE TABLE t (a text); CREATE INDEX ON t (a)')
  })

  it('the store passes preparedStatements to its pool, and refuses it without a pool or when not a boolean', async () => {
    const fake = fakePool()
    const store = await createPostgresMembershipStore({ pool: fake.pool, preparedStatements: true })
    const settings = store.getOrgSettings('org')
    await fake.answerNext()
    // No settings row: an org that never stored settings has none.
    expect(await settings).toBeNull()
    expect(fake.sent[0]?.[0]).toMatchObject({
      name: expect.stringMatching(/^groupsync_/) as unknown,
    })
    await store.close()
    await expect(
      createPostgresMembershipStore({ dataDir: '/tmp/x', preparedStatements: true }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/preparedStatements' })
    await expect(
      createPostgresMembershipStore({
        pool: fake.pool,
        preparedStatements: 'yes' as unknown as boolean,
      }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/preparedStatements' })
  })
})
