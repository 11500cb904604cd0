import { describe, expect, it } from 'vitest'
import { defineMembershipStore } from '../src/index.js'
import type { GroupChangeOptions } from '../src/ports/membership-store.port.js'
import {
  AT,
  lastCall,
  OPERATIONS,
  recordingAdapter,
  refusal,
  VALID,
  type Args,
} from './define-store.fixture.js'

// The validation layer's promises about every call, operation by operation: each input is checked
// before the adapter sees anything, and a refusal names the field it refuses; an error says which
// operation failed; the adapter gets the caller's signal (and, for a group change, the actor).

/** A value each kind of input refuses. */
const BAD: Readonly<Record<keyof Args, unknown>> = {
  orgId: '',
  userId: '',
  groupId: '',
  name: 'a\u0000',
  olderThan: new Date(Number.NaN),
  options: 5,
}

describe('every operation checks its input before the adapter sees it, naming the field', () => {
  for (const op of OPERATIONS) {
    it(`${op.name}: ${op.inputs.join(', ')}`, async () => {
      for (const input of op.inputs) {
        const { calls, adapter } = recordingAdapter()
        const store = defineMembershipStore(adapter)
        const error = await refusal(op.call(store, { ...VALID, [input]: BAD[input] }))
        expect(error.code).toBe('STORE_INVALID_INPUT')
        expect(error.path).toBe(`/${input}`)
        // The message starts with the field and goes on to say what is wrong with it.
        expect(error.message).toMatch(new RegExp(`^/${input}: \\S.{6,}`))
        expect(calls).toEqual([])
      }
    })
  }
})

describe('every operation checks its options: an AbortSignal and a storable actor', () => {
  for (const op of OPERATIONS) {
    it(op.name, async () => {
      const cases: readonly [unknown, string][] = [
        [5, '/options'],
        [{ signal: 'soon' }, '/options/signal'],
        [{ actor: 'x\u0000' }, '/options/actor'],
      ]
      for (const [options, path] of cases) {
        const { calls, adapter } = recordingAdapter()
        const store = defineMembershipStore(adapter)
        const error = await refusal(
          op.call(store, { ...VALID, options: options as GroupChangeOptions }),
        )
        expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path })
        expect(error.message).toMatch(new RegExp(`^${path}: \\S.{6,}`))
        expect(calls).toEqual([])
      }
    })
  }
})

describe('an error says which operation failed', () => {
  it('a closed store refuses every operation by name, and tells the caller to create a new one', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    await store.close()
    for (const op of OPERATIONS) {
      const error = await refusal(op.call(store, VALID))
      expect(error.code).toBe('STORE_UNAVAILABLE')
      expect(error.message).toMatch(new RegExp(`^${op.name}: .*closed.*new one`))
    }
    expect(calls).toEqual([])
  })

  it('a call whose signal has already aborted times out by name, before the adapter runs', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    const reason = new Error('deadline')
    for (const op of OPERATIONS) {
      const error = await refusal(
        op.call(store, { ...VALID, options: { signal: AbortSignal.abort(reason) } }),
      )
      expect(error.code).toBe('STORE_TIMEOUT')
      expect(error.message).toMatch(new RegExp(`^${op.name}: `))
      expect(error.cause).toBe(reason)
    }
    expect(calls).toEqual([])
  })
})

describe('the adapter runs with the caller’s signal', () => {
  for (const op of OPERATIONS) {
    it(op.name, async () => {
      const { data, calls, adapter } = recordingAdapter()
      // Answers under which every operation succeeds.
      data.renamed = data.groups[0] ?? null
      data.deleted = true
      data.members = []
      const store = defineMembershipStore(adapter, { now: () => AT })
      const signal = new AbortController().signal
      await op.call(store, { ...VALID, options: { signal } })
      expect(calls).toHaveLength(1)
      expect(lastCall(calls).signal).toBe(signal)
    })
  }
})

describe('a group change hands the adapter its actor', () => {
  it('createGroup, renameGroup and deleteGroup, with the actor or without one', async () => {
    const { data, calls, adapter } = recordingAdapter()
    data.renamed = data.groups[0] ?? null
    data.deleted = true
    const store = defineMembershipStore(adapter)
    const admin: GroupChangeOptions = { actor: 'admin@acme' }
    await store.createGroup('o', 'new', admin)
    await store.renameGroup('o', 'g1', 'dev2', admin)
    await store.deleteGroup('o', 'g1', admin)
    await store.createGroup('o', 'new')
    expect(calls.map((c) => [c.method, lastCall([c])])).toEqual([
      ['createGroup', { signal: undefined, actor: 'admin@acme' }],
      ['renameGroup', { signal: undefined, actor: 'admin@acme' }],
      ['deleteGroup', { signal: undefined, actor: 'admin@acme' }],
      ['createGroup', { signal: undefined, actor: undefined }],
    ])
  })
})
