import { fc, test } from '@fast-check/vitest'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  PgStatementBatch,
  wireText,
  type PgConnectionLike,
  type PreparedNames,
} from '../src/internal/pg-batch.js'

// What a batch writes to a node-postgres connection and how it reads the answer, through a fake
// connection. That the server runs it is the real-server tests'.

/** node-postgres' own conversion of a parameter to the text it sends. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => unknown
}

/** A fake connection: the messages written, in order. */
const fakeConnection = () => {
  const messages: string[] = []
  const connection: PgConnectionLike = {
    stream: { cork: () => messages.push('cork'), uncork: () => messages.push('uncork') },
    parse: ({ text, name }) => messages.push(`parse ${name ?? ''}: ${text}`),
    bind: ({ statement, values }) =>
      messages.push(`bind ${statement ?? ''}: ${JSON.stringify(values)}`),
    describe: () => messages.push('describe'),
    execute: () => messages.push('execute'),
    close: ({ name }) => messages.push(`close ${name}`),
    sync: () => messages.push('sync'),
  }
  return { connection, messages }
}

const parsers = (oid: number) => (oid === 16 ? (v: string) => v === 't' : (v: string) => v)
const names = (): PreparedNames => ({ known: new Set(), unsure: new Set() })

/** The server's answer to one statement that returns `rows` of one column `c`. */
const answer = (batch: PgStatementBatch, rows: readonly (string | null)[], oid = 25) => {
  batch.handleRowDescription({ fields: [{ name: 'c', dataTypeID: oid }] })
  for (const value of rows) batch.handleDataRow({ fields: [value] })
  batch.handleCommandComplete()
}

/** A batch of two statements without parameters. */
const twoSelects = () =>
  new PgStatementBatch(
    [
      { text: 'SELECT 1', params: [] },
      { text: 'SELECT 2', params: [] },
    ],
    parsers,
    names(),
  )

const scalar = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
)

describe('wireText', () => {
  test.prop([fc.oneof(scalar, fc.array(scalar), fc.array(fc.array(scalar)))], { numRuns: 1000 })(
    'sends what node-postgres sends for the values the store passes: text, numbers, booleans, null and arrays of them',
    (value) => {
      expect(wireText(value)).toEqual(prepareValue(value) ?? null)
    },
  )

  it('quotes every array element and escapes quotes and backslashes in it', () => {
    expect(wireText(['a', 'b"c', 'd\\e', null, 'NULL', ''])).toBe(
      '{"a","b\\"c","d\\\\e",NULL,"NULL",""}',
    )
  })
})

describe('PgStatementBatch', () => {
  it('writes every statement, then one Sync, corked; and resolves with each statement’s rows', async () => {
    const { connection, messages } = fakeConnection()
    const batch = new PgStatementBatch(
      [
        { text: 'SELECT $1', params: ['x'] },
        { text: 'SELECT $1, $2', params: [['a', null], true] },
      ],
      parsers,
      names(),
    )
    expect(batch.submit(connection)).toBeNull()
    expect(messages).toEqual([
      'cork',
      'parse : SELECT $1',
      'bind : ["x"]',
      'describe',
      'execute',
      'parse : SELECT $1, $2',
      'bind : ["{\\"a\\",NULL}","true"]',
      'describe',
      'execute',
      'sync',
      'uncork',
    ])
    answer(batch, ['x'])
    answer(batch, ['t', 'f', null], 16)
    batch.handleReadyForQuery()
    expect(await batch.done).toEqual([
      { rows: [{ c: 'x' }] },
      { rows: [{ c: true }, { c: false }, { c: null }] },
    ])
  })

  it('rejects with the first failure and ignores the rest of the answer', async () => {
    const { connection } = fakeConnection()
    const batch = twoSelects()
    batch.submit(connection)
    answer(batch, ['1'])
    const failure = Object.assign(new Error('lock timeout'), { code: '55P03' })
    batch.handleError(failure)
    batch.handleError(new Error('a second error'))
    batch.handleReadyForQuery()
    await expect(batch.done).rejects.toBe(failure)
  })

  it('rejects when the answer holds fewer results than statements', async () => {
    const { connection } = fakeConnection()
    const batch = twoSelects()
    batch.submit(connection)
    answer(batch, ['1'])
    batch.handleReadyForQuery()
    await expect(batch.done).rejects.toThrow('a batch of 2 statements got 1 results')
  })

  it('returns (does not throw) an error for a value it cannot send, and writes nothing', () => {
    const { connection, messages } = fakeConnection()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const batch = new PgStatementBatch([{ text: 'SELECT $1', params: [cyclic] }], parsers, names())
    expect(batch.submit(connection)).toBeInstanceOf(Error)
    expect(messages).toEqual([])
  })

  it('parses a named statement once per connection; after a failed batch, closes it before parsing it again', async () => {
    const prepared = names()
    const run = (ok: boolean) => {
      const { connection, messages } = fakeConnection()
      const batch = new PgStatementBatch(
        [
          { text: 'SELECT $1', params: ['a'], name: 's1' },
          { text: 'SELECT $1', params: ['b'], name: 's1' },
        ],
        parsers,
        prepared,
      )
      batch.submit(connection)
      if (ok) {
        answer(batch, ['a'])
        answer(batch, ['b'])
      } else batch.handleError(new Error('connection lost'))
      batch.handleReadyForQuery()
      return { messages: messages.filter((m) => /^(parse|close|bind)/.test(m)), done: batch.done }
    }
    const failed = run(false)
    await expect(failed.done).rejects.toThrow('connection lost')
    // The same name twice in one batch is parsed once.
    expect(failed.messages).toEqual(['parse s1: SELECT $1', 'bind s1: ["a"]', 'bind s1: ["b"]'])
    // It may exist on the server now, or not: close, then parse.
    const retried = run(true)
    expect(retried.messages).toEqual([
      'close s1',
      'parse s1: SELECT $1',
      'bind s1: ["a"]',
      'bind s1: ["b"]',
    ])
    await retried.done
    // Known now: only bound.
    expect(run(true).messages).toEqual(['bind s1: ["a"]', 'bind s1: ["b"]'])
  })
})
