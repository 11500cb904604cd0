import * as t from 'io-ts'
import { guarded } from '../io-ts-report.js'

/** True for a JSON object (not null, not an array). */
export const isJsonObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  t.UnknownRecord.is(value)

/** The codec of a JSON object whose members are not looked at (a claims object, a userinfo). */
export const JsonObject = guarded('an object', isJsonObject)

/** The JSON type of a value, as the errors of Part 2 name it in `value`. */
export const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

/** Longest part of a configured name quoted in a message; the whole name is in the error's path. */
const MAX_QUOTED = 32

/** A name as a message quotes it: as JSON, cut short when long. */
export const quoted = (name: string): string =>
  JSON.stringify(name.length > MAX_QUOTED ? `${name.slice(0, MAX_QUOTED)}…` : name)
