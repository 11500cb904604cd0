import { guarded } from '@groupsync/claims'
import * as t from 'io-ts'

/** The claims package's guard codec, used by the sync's codecs too. */
export { guarded }

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

/**
 * The offending value as an error's `value`, only when it is a JSON scalar: an object given in
 * the wrong place (a connection pool as the store) may hold secrets, and stays out of errors.
 */
export const scalarValue = (value: unknown): { readonly value?: unknown } =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) ? { value } : {}

/** A function, named for what it is for. */
export const fn = <F>(name: string): t.Type<F, F> =>
  guarded(name, (u): u is F => typeof u === 'function')

/**
 * A role of an object: each of `members` a function, checked in that order so that the first one
 * missing is the one reported (`/store/withLoginSync`). Other members are not looked at: a store
 * plays several roles, and may be a class instance.
 */
export function role<A>(name: string, members: readonly (keyof A & string)[]): t.Type<A, A> {
  const shape = t.type(Object.fromEntries(members.map((m) => [m, fn(`a function (${m})`)])), name)
  return new t.Type<A, A>(
    name,
    (u): u is A => shape.is(u),
    (u, c) => {
      const checked = shape.validate(u, c)
      return checked._tag === 'Left' ? checked : t.success(u as A)
    },
    t.identity,
  )
}
