import { test as fcTest, fc } from '@fast-check/vitest'
import { isLeft } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { describe, expect, it } from 'vitest'
import { decodeWith, guarded, strictObject, type DecodeFailure } from '../src/index.js'
import { decodeFailure } from '../src/io-ts-report.js'

// The reporter every package decodes its configuration with: which one failure of an io-ts
// decode is reported, and where.

const Count = guarded(
  'a whole number ≥ 0',
  (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0,
)
const Guard = strictObject(
  t.readonly(t.partial({ maxRemovals: Count, maxRemovalPercent: Count })),
  'a guard',
)
const Policy = strictObject(
  t.readonly(
    t.partial({
      absent: t.keyof({ empty: null, keep: null }, 'empty or keep'),
      guard: Guard,
      names: t.readonlyArray(t.string, 'a list of strings'),
      alias: t.union([t.string, t.readonlyArray(t.string)], 'a name or a list of names'),
    }),
  ),
  'a policy',
)
const WithRequired = strictObject(
  t.intersection([t.type({ id: t.string }), t.partial({ label: t.string })]),
  'an object with an id',
)

/** The failure a decode reports, or undefined when it decodes. */
function failureOf<A>(codec: t.Decoder<unknown, A>, input: unknown): DecodeFailure | undefined {
  const decoded = codec.decode(input)
  return isLeft(decoded) ? decodeFailure(decoded.left) : undefined
}

describe('decodeFailure', () => {
  it('names an unknown field before any invalid value, at any depth', () => {
    expect(failureOf(Policy, { absent: 'x', guard: { maxRemoval: 1 } })).toEqual({
      kind: 'unknown-key',
      path: ['guard', 'maxRemoval'],
      value: 1,
      known: ['maxRemovals', 'maxRemovalPercent'],
    })
    expect(failureOf(Policy, { absent: 'x', removalMod: 'y' })).toMatchObject({
      kind: 'unknown-key',
      path: ['removalMod'],
    })
  })

  it('of several unknown fields, names the least by code units (JSON members have no order)', () => {
    expect(failureOf(Policy, { zeta: 1, 10: 1, 9: 1, '-a': 1, Beta: 1 })?.path).toEqual(['-a'])
    // Own names only: a name every object inherits is unknown like any other.
    expect(failureOf(Policy, JSON.parse('{"__proto__": 1}'))?.path).toEqual(['__proto__'])
    expect(failureOf(Policy, { constructor: 1 })?.path).toEqual(['constructor'])
  })

  it('otherwise names the first invalid value in the codec’s own order', () => {
    expect(failureOf(Policy, { names: [1], absent: 'x' })).toEqual({
      kind: 'invalid',
      path: ['absent'],
      value: 'x',
      expected: 'empty or keep',
    })
    expect(failureOf(Policy, { guard: { maxRemovalPercent: -1, maxRemovals: 1.5 } })).toEqual({
      kind: 'invalid',
      path: ['guard', 'maxRemovals'],
      value: 1.5,
      expected: 'a whole number ≥ 0',
    })
  })

  it('names an element of an array by its index, and the array when it is not one', () => {
    expect(failureOf(Policy, { names: ['a', 'b', 3, null] })?.path).toEqual(['names', '2'])
    expect(failureOf(Policy, { names: 'a' })).toMatchObject({
      path: ['names'],
      expected: 'a list of strings',
    })
  })

  it('reports a union as a whole, not by the member that failed first', () => {
    expect(failureOf(Policy, { alias: [1] })).toEqual({
      kind: 'invalid',
      path: ['alias'],
      value: [1],
      expected: 'a name or a list of names',
    })
  })

  it('adds no place for an intersection’s members, nor for readonly and strict wrappers', () => {
    expect(failureOf(WithRequired, { label: 'x' })).toMatchObject({
      kind: 'invalid',
      path: ['id'],
      value: undefined,
    })
    expect(failureOf(WithRequired, { id: 'a', extra: 1 })).toMatchObject({
      kind: 'unknown-key',
      path: ['extra'],
      known: ['id', 'label'],
    })
  })

  it('names the input itself, with no path, when it is not an object', () => {
    for (const input of [null, [], 'policy', 3]) {
      expect(failureOf(Policy, input)).toEqual({
        kind: 'invalid',
        path: [],
        value: input,
        expected: 'a policy',
      })
    }
  })
})

describe('strictObject', () => {
  it('refuses what t.partial would ignore and t.exact would strip, and decodes the rest as is', () => {
    expect(t.partial({ a: t.string }).decode({ a: 'x', b: 1 })._tag).toBe('Right')
    expect(strictObject(t.partial({ a: t.string })).decode({ a: 'x', b: 1 })._tag).toBe('Left')
    expect(Guard.decode({ maxRemovals: 2 })).toEqual({ _tag: 'Right', right: { maxRemovals: 2 } })
  })

  fcTest.prop([fc.dictionary(fc.string({ maxLength: 4 }), fc.nat())], { numRuns: 500 })(
    'is and decode agree: a value is the type exactly when it decodes',
    (input) => Guard.is(input) === (Guard.decode(input)._tag === 'Right'),
  )
})

describe('decodeWith', () => {
  it('turns the one failure into the caller’s own error, and passes a decoded value through', () => {
    const decode = decodeWith(Guard, (failure) => `${failure.kind} at ${failure.path.join('.')}`)
    expect(decode({ maxRemovals: -1 })).toEqual({ _tag: 'Left', left: 'invalid at maxRemovals' })
    expect(decode({ max: 1 })).toEqual({ _tag: 'Left', left: 'unknown-key at max' })
    expect(decode({})).toEqual({ _tag: 'Right', right: {} })
  })
})

describe('guarded', () => {
  it('decodes what its guard accepts and names what it expects', () => {
    expect(Count.decode(3)).toEqual({ _tag: 'Right', right: 3 })
    expect(failureOf(Count, -1)).toEqual({
      kind: 'invalid',
      path: [],
      value: -1,
      expected: 'a whole number ≥ 0',
    })
    expect(Count.encode(3)).toBe(3)
  })
})
