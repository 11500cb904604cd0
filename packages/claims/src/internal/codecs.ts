import { compareCodeUnits } from '@groupsync/core'
import * as t from 'io-ts'
import { guarded } from '../io-ts-report.js'
import { isJsonObject } from './json.js'

/** Any string. */
export const Text = guarded('a string', (u): u is string => typeof u === 'string')

/** A string with at least one code unit. */
export const NonEmptyText = guarded(
  'a non-empty string',
  (u): u is string => typeof u === 'string' && u !== '',
)

/** `true` or `false`. */
export const Flag = guarded('true or false', (u): u is boolean => typeof u === 'boolean')

/**
 * A whole number from 0 to 2^53 − 1, however the JSON spelt it (`2.0` is 2): rule C9's limits. A
 * larger one cannot be told from its neighbours in a double, and no limit needs one.
 */
export const Count = guarded(
  'a whole number from 0 to 2^53 − 1',
  (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0,
)

/**
 * A JSON object whose every member is of `member`, checked in code-unit order of the names: JSON
 * members have no order (RFC 8259), and io-ts's `t.record` would meet them in JavaScript's
 * (integer-like names first), so the first failure reported would differ between ports.
 */
export function recordByName<A>(
  member: t.Type<A, A>,
  name: string,
): t.Type<Readonly<Record<string, A>>, Readonly<Record<string, A>>> {
  type Table = Readonly<Record<string, A>>
  return new t.Type<Table, Table>(
    name,
    (u): u is Table => isJsonObject(u) && Object.values(u).every((value) => member.is(value)),
    (u, c) => {
      if (!isJsonObject(u)) return t.failure(u, c)
      const errors: t.ValidationError[] = []
      for (const key of Object.keys(u).sort(compareCodeUnits)) {
        const checked = member.validate(u[key], t.appendContext(c, key, member, u[key]))
        if (checked._tag === 'Left') errors.push(...checked.left)
      }
      // The members are checked, not converted: the object is its own decoded value.
      return errors.length === 0 ? t.success(u as Table) : t.failures(errors)
    },
    t.identity,
  )
}
