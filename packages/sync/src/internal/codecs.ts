import * as t from 'io-ts'

/**
 * A codec of the values a type guard accepts, named for what it accepts ("a whole number ≥ 0"):
 * the reporter puts the name in the message as what was expected.
 */
export const guarded = <A>(name: string, is: (u: unknown) => u is A): t.Type<A, A> =>
  new t.Type<A, A>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity)

/** Longest part of an offending value shown in a message; the whole value is in the error. */
const MAX_SHOWN = 32

/** An offending value as a message shows it: short, and only strings and numbers verbatim. */
export function shown(value: unknown): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value)
    return text
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  if (value === null || value === undefined) return String(value)
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`
}
