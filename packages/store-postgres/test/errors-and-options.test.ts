import { describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, migrate, type SqlClient } from '../src/index.js'
import { commitOutcomeUnknown, isRetryable, mapPgError } from '../src/internal/map-pg-error.js'
import { quoteSchema } from '../src/internal/schema-name.js'

const pgError = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`pg error ${code}`), { code, ...extra })

/** A client that must never be used: the checks under test happen before any SQL. */
const unusedClient: SqlClient = {
  concurrent: true,
  query: () => Promise.reject(new Error('no SQL expected')),
  begin: () => Promise.reject(new Error('no SQL expected')),
}

describe('mapping pg errors to store error codes', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['40001', {}, 'STORE_CONFLICT'],
    ['40P01', {}, 'STORE_CONFLICT'],
    ['23503', {}, 'GROUP_NOT_FOUND'],
    ['22021', {}, 'STORE_INVALID_INPUT'],
    ['22P05', {}, 'STORE_INVALID_INPUT'],
    ['23514', {}, 'STORE_INVALID_INPUT'],
    ['42P01', {}, 'STORE_UNAVAILABLE'],
    ['3F000', {}, 'STORE_UNAVAILABLE'],
    ['57P01', {}, 'STORE_UNAVAILABLE'],
    ['08006', {}, 'STORE_UNAVAILABLE'],
    ['53300', {}, 'STORE_UNAVAILABLE'],
    ['55P03', {}, 'STORE_TIMEOUT'],
    ['57014', {}, 'STORE_TIMEOUT'],
    ['25P03', {}, 'STORE_TIMEOUT'],
  ]
  for (const [state, extra, code] of cases) {
    it(`SQLSTATE ${state} becomes ${code}, with the pg error as cause`, () => {
      const cause = pgError(state, extra)
      const mapped = mapPgError(cause, 'test')
      expect(mapped).toMatchObject({ _tag: 'StoreError', code })
      expect(mapped.cause).toBe(cause)
    })
  }

  it('a unique violation of a group change is GROUP_NAME_TAKEN, whatever the constraint (an application names its own); elsewhere it is STORE_INVALID_INPUT', () => {
    for (const state of ['23505', '23P01']) {
      for (const action of ['createGroup', 'renameGroup']) {
        expect(
          mapPgError(pgError(state, { constraint: 'teams_org_id_display_name_key' }), action),
        ).toMatchObject({ code: 'GROUP_NAME_TAKEN', value: state })
      }
      expect(mapPgError(pgError(state), 'withLoginSync')).toMatchObject({
        code: 'STORE_INVALID_INPUT',
      })
    }
  })

  it('an error without a SQLSTATE (a dropped socket) is STORE_UNAVAILABLE', () => {
    const cause = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: 'ECONNRESET',
    })
    expect(mapPgError(cause, 'test')).toMatchObject({ code: 'STORE_UNAVAILABLE', cause })
  })

  it('a failed COMMIT may have committed when no answer came back, not when the server refused it', () => {
    const reset = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: 'ECONNRESET',
    })
    expect(commitOutcomeUnknown(reset)).toBe(true)
    expect(commitOutcomeUnknown(new Error('socket hang up'))).toBe(true)
    expect(commitOutcomeUnknown(pgError('57P01'))).toBe(true)
    expect(commitOutcomeUnknown(pgError('08006'))).toBe(true)
    // The server answered COMMIT with an error: it rolled back.
    expect(commitOutcomeUnknown(pgError('40001'))).toBe(false)
    expect(commitOutcomeUnknown(pgError('23505'))).toBe(false)
    // Our own time limits end the transaction before it commits.
    expect(commitOutcomeUnknown(pgError('25P03'))).toBe(false)
    expect(commitOutcomeUnknown(pgError('57014'))).toBe(false)
  })

  it('only serialisation failures and deadlocks are retryable', () => {
    expect(isRetryable(pgError('40001'))).toBe(true)
    expect(isRetryable(pgError('40P01'))).toBe(true)
    expect(isRetryable(pgError('23505'))).toBe(false)
    expect(isRetryable(new Error('no code'))).toBe(false)
  })
})

describe('schema names and options', () => {
  it('accepts plain lower-case identifiers and quotes them', () => {
    expect(quoteSchema('groupsync')).toBe('"groupsync"')
    expect(quoteSchema('_tenant_42')).toBe('"_tenant_42"')
    expect(quoteSchema('a'.repeat(63))).toBe(`"${'a'.repeat(63)}"`)
  })

  const bad = ['', 'GroupSync', 'a"b', 'a;drop', 'pg_catalog', '1abc', 'a'.repeat(64), 'a b', 'é']
  for (const schema of bad) {
    it(`refuses the schema ${JSON.stringify(schema)} before sending any SQL`, async () => {
      await expect(
        createPostgresMembershipStore({ client: unusedClient, schema }),
      ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/schema' })
      await expect(migrate(unusedClient, { schema })).rejects.toMatchObject({
        code: 'STORE_INVALID_INPUT',
      })
    })
  }

  it('refuses two places to keep data, or maxAttempts below 1', async () => {
    await expect(
      createPostgresMembershipStore({ client: unusedClient, dataDir: '/tmp/x' }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '' })
    await expect(
      createPostgresMembershipStore({ client: unusedClient, maxAttempts: 0 }),
    ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/maxAttempts' })
  })

  it('refuses timeouts that are not whole, non-negative milliseconds', async () => {
    for (const [timeouts, path] of [
      [{ lockMs: -1 }, '/timeouts/lockMs'],
      [{ callMs: 1.5 }, '/timeouts/callMs'],
      [{ statementMs: 2 ** 31 }, '/timeouts/statementMs'],
    ] as const) {
      await expect(
        createPostgresMembershipStore({ client: unusedClient, timeouts }),
      ).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT', path })
    }
    const store = await createPostgresMembershipStore({
      client: unusedClient,
      timeouts: { lockMs: 0, callMs: 0 },
    })
    await store.close()
  })

  it("every call, reads included, takes the caller's signal: an aborted one is STORE_TIMEOUT", async () => {
    const store = await createPostgresMembershipStore({ client: unusedClient })
    const options = { signal: AbortSignal.abort(new Error('caller gave up')) }
    const calls: Promise<unknown>[] = [
      store.getOrgSettings('org', options),
      store.readLastSync('org', 'alice', options),
      store.listGroups('org', options),
      store.listUserMemberships('org', 'alice', options),
      store.listAuditEvents('org', {}, options),
      store.withLoginSync('org', 'alice', [], () => ({ changes: null, result: 1 }), options),
      store.removeUser('org', 'alice', options),
      store.updateOrgSettings('org', () => null, options),
    ]
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({ _tag: 'StoreError', code: 'STORE_TIMEOUT' })
    }
    await store.close()
  })

  it('a database that cannot be reached gives STORE_UNAVAILABLE', async () => {
    const store = await createPostgresMembershipStore({ client: unusedClient })
    await expect(store.listGroups('org')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    await expect(store.createGroup('org', 'g')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    })
  })
})
