import { describe, expect, it } from 'vitest'
import {
  createPostgresMembershipStore,
  fromPgPool,
  type PgNamedQueryLike,
  type PgPoolClientLike,
  type PgPoolLike,
} from '../src/index.js'

// What fromPgPool hands node-postgres, seen through a fake pool: plain texts by default, named
// queries with preparedStatements on. That the server then runs them is the real-server tests'.

type Sent = readonly [text: string | PgNamedQueryLike, values?: unknown[]]

const fakePool = () => {
  const sent: Sent[] = []
  const query = (text: string | PgNamedQueryLike, values?: unknown[]) => {
    sent.push(values === undefined ? [text] : [text, values])
    return Promise.resolve({ rows: [] })
  }
  const client: PgPoolClientLike = {
    query,
    release: () => undefined,
    on: () => undefined,
    removeListener: () => undefined,
  }
  const pool: PgPoolLike = { connect: () => Promise.resolve(client), query }
  return { pool, sent }
}

/**
 * A fake node-postgres pool: its clients have `getTypeParser` and run a submittable (a batch) by
 * calling its `submit` with a connection that records the statements, then answering each one
 * with no rows.
 */
const fakeNodePostgresPool = () => {
  const sent: (readonly [string, ...unknown[]])[] = []
  let batch: string[] = []
  const connection = {
    parse: ({ text }: { text: string }) => batch.push(text),
    bind: () => undefined,
    describe: () => undefined,
    execute: () => undefined,
    close: () => undefined,
    sync: () => undefined,
  }
  interface Submittable {
    submit(c: typeof connection): Error | null
    handleCommandComplete(): void
    handleReadyForQuery(): void
  }
  const query = (text: string | PgNamedQueryLike | Submittable, values?: unknown[]) => {
    if (typeof text === 'object' && 'submit' in text) {
      batch = []
      text.submit(connection)
      sent.push(['batch', ...batch])
      for (let i = 0; i < batch.length; i++) text.handleCommandComplete()
      text.handleReadyForQuery()
      return text
    }
    const plain = typeof text === 'string' ? text : text.text
    sent.push(values === undefined ? [plain] : [plain, values])
    return Promise.resolve({ rows: [] })
  }
  const client = {
    query,
    getTypeParser: () => (value: string) => value,
    release: () => undefined,
    on: () => undefined,
    removeListener: () => undefined,
  } as unknown as PgPoolClientLike
  const pool = { connect: () => Promise.resolve(client), query } as unknown as PgPoolLike
  return { pool, sent }
}

const READ = 'SELECT 1 FROM t WHERE a = $1'
const OTHER = 'SELECT 2 FROM t WHERE a = $1'

describe('fromPgPool', () => {
  it('by default sends every statement as text with its values: nothing is prepared by name', async () => {
    const { pool, sent } = fakePool()
    const client = fromPgPool(pool)
    await client.query(READ, ['x'])
    const tx = await client.begin()
    await tx.query(READ, ['y'])
    await tx.commit()
    expect(sent).toEqual([[READ, ['x']], ['BEGIN'], [READ, ['y']], ['COMMIT']])
  })

  it('with preparedStatements, a transaction plans each statement for its values (no generic plan)', async () => {
    const { pool, sent } = fakePool()
    const tx = await fromPgPool(pool, { preparedStatements: true }).begin()
    await tx.commit()
    expect(sent[0]).toEqual(['BEGIN; SET LOCAL plan_cache_mode = force_custom_plan'])
  })

  it('with preparedStatements, sends a statement with parameters as a named query, one name per text, the same in every client; BEGIN, COMMIT and scripts stay plain', async () => {
    const { pool, sent } = fakePool()
    const client = fromPgPool(pool, { preparedStatements: true })
    await client.query(READ, ['x'])
    const tx = await client.begin({
      lockTimeoutMs: 1,
      statementTimeoutMs: 2,
      idleInTransactionTimeoutMs: 3,
    })
    await tx.query(READ, ['y'])
    await tx.query(OTHER, [])
    await tx.execScript('CREATE TABLE t (a text); CREATE INDEX ON t (a)')
    await tx.rollback()
    // Another client on the same pool (another store) names the same text the same way.
    await fromPgPool(pool, { preparedStatements: true }).query(READ, ['z'])
    const named = sent.filter((s): s is readonly [PgNamedQueryLike] => typeof s[0] !== 'string')
    expect(named.map(([q]) => [q.text, q.values])).toEqual([
      [READ, ['x']],
      [READ, ['y']],
      [OTHER, []],
      [READ, ['z']],
    ])
    const names = named.map(([q]) => q.name)
    for (const name of names) expect(name).toMatch(/^groupsync_[0-9a-f]{16}$/)
    expect(new Set([names[0], names[1], names[3]]).size).toBe(1)
    expect(names[2]).not.toBe(names[0])
    const plain = sent.filter((s) => typeof s[0] === 'string').map((s) => s[0] as string)
    expect(plain[0]).toMatch(
      /^BEGIN; SET LOCAL lock_timeout = 1;.*; SET LOCAL plan_cache_mode = force_custom_plan$/,
    )
    expect(plain.slice(1)).toEqual(['CREATE TABLE t (a text); CREATE INDEX ON t (a)', 'ROLLBACK'])
  })

  it('with a node-postgres client, BEGIN waits for the first batch and goes with it in one round trip; before a lone statement it goes alone; an unused transaction sends nothing', async () => {
    const { pool, sent } = fakeNodePostgresPool()
    const client = fromPgPool(pool)
    const limits = { lockTimeoutMs: 1, statementTimeoutMs: 2, idleInTransactionTimeoutMs: 3 }
    const tx = await client.begin(limits)
    expect(sent).toEqual([])
    expect(
      await tx.batch?.([
        { text: READ, params: ['x'] },
        { text: OTHER, params: ['y'] },
      ]),
    ).toEqual([{ rows: [] }, { rows: [] }])
    await tx.query(OTHER, ['z'])
    await tx.commit()
    expect(sent).toEqual([
      [
        'batch',
        'BEGIN',
        'SELECT set_config($1, $2, true), set_config($3, $4, true), set_config($5, $6, true)',
        READ,
        OTHER,
      ],
      [OTHER, ['z']],
      ['COMMIT'],
    ])
    sent.length = 0
    const lone = await client.begin(limits)
    await lone.query(READ, ['x'])
    await lone.batch?.([{ text: OTHER, params: [] }])
    await lone.rollback()
    expect(sent.map((s) => s[0])).toEqual([
      expect.stringMatching(/^BEGIN; SET LOCAL lock_timeout = 1;/) as unknown,
      READ,
      'batch',
      'ROLLBACK',
    ])
    expect(sent[2]).toEqual(['batch', OTHER])
    sent.length = 0
    await (await client.begin(limits)).commit()
    await (await client.begin(limits)).rollback()
    expect(sent).toEqual([])
  })

  it('with batchStatements false, or a client that is not node-postgres, a transaction has no batch and sends BEGIN at once', async () => {
    for (const { pool, sent } of [fakeNodePostgresPool(), fakePool()]) {
      const tx = await fromPgPool(pool, { batchStatements: false }).begin()
      expect(tx.batch).toBeUndefined()
      expect(sent).toEqual([['BEGIN']])
      await tx.commit()
    }
    expect((await fromPgPool(fakePool().pool).begin()).batch).toBeUndefined()
  })

  it('the store passes preparedStatements to its pool, and refuses it without a pool or when not a boolean', async () => {
    const { pool, sent } = fakePool()
    const store = await createPostgresMembershipStore({ pool, preparedStatements: true })
    expect(await store.getOrgSettings('org')).toEqual({
      manageGroupMemberships: false,
      matchMode: 'exact',
    })
    expect(sent).toHaveLength(1)
    expect(sent[0]?.[0]).toMatchObject({ name: expect.stringMatching(/^groupsync_/) as unknown })
    await store.close()
    await expect(
      createPostgresMembershipStore({ dataDir: '/tmp/x', preparedStatements: true }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: 'options' })
    await expect(
      createPostgresMembershipStore({ pool, preparedStatements: 'yes' as unknown as boolean }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: 'options' })
  })

  it('the store passes batchStatements to its pool, and refuses false without a pool or a value that is not a boolean', async () => {
    for (const batchStatements of [true, false]) {
      const { pool, sent } = fakeNodePostgresPool()
      const store = await createPostgresMembershipStore({ pool, batchStatements })
      await store.addManualMember('org', 'g', 'alice').catch(() => undefined)
      await store.close()
      expect(sent[0]?.[0]).toMatch(batchStatements ? /^batch$/ : /^BEGIN; /)
    }
    await expect(
      createPostgresMembershipStore({ dataDir: '/tmp/x', batchStatements: false }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: 'options' })
    await expect(
      createPostgresMembershipStore({
        pool: fakePool().pool,
        batchStatements: 1 as unknown as boolean,
      }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: 'options' })
  })
})
