import type { Case } from './cases.js'
import { asJson, type Response } from './protocol.js'

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const pointer = (at: string, key: string | number): string =>
  `${at}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`

const show = (value: unknown): string => (value === undefined ? 'absent' : asJson(value, 120))

/**
 * The first place where `actual` differs from `expected` as JSON values — strings by code units,
 * lists in order, objects member by member with no member missing or extra — as a sentence that
 * names its JSON Pointer; `undefined` when they are equal.
 *
 * @example
 * ```ts
 * firstDifference({ toAdd: ['c', 'b'] }, { toAdd: ['b', 'c'] })
 * // 'at /toAdd/0: expected "c", got "b"'
 * ```
 */
export function firstDifference(expected: unknown, actual: unknown, at = ''): string | undefined {
  const here = (): string => `at ${at || '/'}: expected ${show(expected)}, got ${show(actual)}`
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return here()
    const shared = Math.min(expected.length, actual.length)
    for (let i = 0; i < shared; i += 1) {
      const difference = firstDifference(expected[i], actual[i], pointer(at, i))
      if (difference !== undefined) return difference
    }
    if (expected.length !== actual.length) {
      return `at ${at || '/'}: expected ${expected.length} elements, got ${actual.length}: ${show(actual)}`
    }
    return undefined
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return here()
    for (const key of Object.keys(expected)) {
      const difference = Object.hasOwn(actual, key)
        ? firstDifference(expected[key], actual[key], pointer(at, key))
        : `at ${pointer(at, key)}: expected ${show(expected[key])}, got absent`
      if (difference !== undefined) return difference
    }
    const extra = Object.keys(actual).find((key) => !Object.hasOwn(expected, key))
    return extra === undefined
      ? undefined
      : `at ${pointer(at, extra)}: expected absent, got ${show(actual[extra])}`
  }
  return expected === actual ? undefined : here()
}

/** `value` without its `message`, which is free text: the rules fix every other member. */
const withoutMessage = (value: unknown): unknown => {
  if (!isRecord(value) || !Object.hasOwn(value, 'message')) return value
  const { message: _message, ...rest } = value
  return rest
}

/**
 * A scenario's output as the sync vector format compares it with `expected`: every member, with
 * the free-text `message` of a denied or failed result left out. Anything not shaped like an
 * output is left as it is, to differ.
 */
function asComparedForSync(output: unknown): unknown {
  if (!isRecord(output) || !isRecord(output['result'])) return output
  const status = output['result']['status']
  return status === 'denied' || status === 'error'
    ? { ...output, result: withoutMessage(output['result']) }
    : output
}

const isStrings = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

/**
 * Why a well-formed response does not conform to the case, `undefined` when it does.
 *
 * - A diff's output is its five lists with every group as its id (`caseOnlyMatches` as
 *   `{claim, group}` pairs) and `slice`, the ids of rule 11's slice; the slice is compared when
 *   the vector gives one, and must be a list of ids in any case.
 * - A claim case's output is the whole state (or `{segments}` for a path), member by member.
 * - A sync case's output is its `result`, and for a case on a store `memberships`, `events`,
 *   `lastSync` and `settings`, all compared exactly: every member of a result and of an event,
 *   no member missing or extra.
 * - An error must have exactly the members the vector gives; only a `message` (free text) may be
 *   added.
 */
export function judge(testCase: Case, response: Response): string | undefined {
  const { expectation } = testCase
  if ('error' in response) {
    const { error } = response
    if (expectation.kind === 'output') {
      return `expected an output, got the error ${error.code}: ${asJson(error)}`
    }
    const { code } = expectation.expected
    if (error.code !== code) {
      return `expected the error ${String(code)}, got the error ${error.code}: ${asJson(error)}`
    }
    return firstDifference(expectation.expected, withoutMessage(error), '/error')
  }
  const { output } = response
  if (expectation.kind === 'error') {
    return `expected the error ${String(expectation.expected['code'])}, got an output: ${asJson(output)}`
  }
  if (testCase.part === 'sync') {
    return firstDifference(expectation.expected, asComparedForSync(output))
  }
  if (testCase.part !== 'diff') return firstDifference(expectation.expected, output)
  if (!isRecord(output) || !isStrings(output['slice'])) {
    return `a diff's output is an object of toAdd, toRemove, unchanged, unmatchedClaims, caseOnlyMatches and slice (a list of ids); got ${asJson(output)}`
  }
  const expected = expectation.expected as Readonly<Record<string, unknown>>
  return firstDifference(
    {
      toAdd: expected['toAdd'],
      toRemove: expected['toRemove'],
      unchanged: expected['unchanged'],
      unmatchedClaims: expected['unmatchedClaims'],
      // Absent in a vector means none (docs/rules.md, Vector format).
      caseOnlyMatches: expected['caseOnlyMatches'] ?? [],
      slice: expected['slice'] ?? output['slice'],
    },
    output,
  )
}
