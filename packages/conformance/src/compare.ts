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

/** The members of `actual` that `keys` names (those it has). */
const pick = (actual: Readonly<Record<string, unknown>>, keys: readonly string[]) =>
  Object.fromEntries(
    keys.filter((key) => Object.hasOwn(actual, key)).map((key) => [key, actual[key]]),
  )

/**
 * A scenario's output as the sync vector format compares it with `expected`: a denial's or an
 * error's `result` by `status`, `code` and the members the vector gives; each event by the
 * members the vector gives (`detail` member by member); `settings` only when the vector gives
 * it; everything else as it is. Anything not shaped like an output is left as it is, to differ.
 */
function asComparedForSync(expected: Readonly<Record<string, unknown>>, output: unknown): unknown {
  if (!isRecord(output)) return output
  const compared: Record<string, unknown> = { ...output }
  const wanted = expected['result']
  const result = output['result']
  if (isRecord(wanted) && isRecord(result)) {
    const status = wanted['status']
    if (status === 'denied' || status === 'error') {
      compared['result'] = pick(result, Object.keys(wanted))
    }
  }
  const wantedEvents = expected['events']
  const events = output['events']
  if (
    Array.isArray(wantedEvents) &&
    Array.isArray(events) &&
    events.length === wantedEvents.length
  ) {
    compared['events'] = events.map((event: unknown, i) => {
      const want: unknown = wantedEvents[i]
      if (!isRecord(event) || !isRecord(want)) return event
      const shown = pick(event, Object.keys(want))
      const detail = event['detail']
      const wantDetail = want['detail']
      return isRecord(detail) && isRecord(wantDetail)
        ? { ...shown, detail: pick(detail, Object.keys(wantDetail)) }
        : shown
    })
  }
  if (!Object.hasOwn(expected, 'settings')) delete compared['settings']
  return compared
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
 *   `lastSync` and `settings`; a failure's result and each event are compared by the members the
 *   vector gives, `settings` when it gives it, the rest exactly.
 * - An error must have the expected `code` and every other member the vector gives.
 */
export function judge(testCase: Case, response: Response): string | undefined {
  const { expectation } = testCase
  if ('error' in response) {
    const { error } = response
    if (expectation.kind === 'output') {
      return `expected an output, got the error ${error.code}: ${asJson(error)}`
    }
    const { code, ...fields } = expectation.expected
    if (error.code !== code) {
      return `expected the error ${String(code)}, got the error ${error.code}: ${asJson(error)}`
    }
    for (const [field, value] of Object.entries(fields)) {
      const difference = Object.hasOwn(error, field)
        ? firstDifference(value, error[field], `/error/${field}`)
        : `at /error/${field}: expected ${show(value)}, got absent`
      if (difference !== undefined) return difference
    }
    return undefined
  }
  const { output } = response
  if (expectation.kind === 'error') {
    return `expected the error ${String(expectation.expected['code'])}, got an output: ${asJson(output)}`
  }
  if (testCase.part === 'sync') {
    const expected = expectation.expected as Readonly<Record<string, unknown>>
    return firstDifference(expected, asComparedForSync(expected, output))
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
