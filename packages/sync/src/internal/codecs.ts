/** The claims package's guard codec, used by the sync's codecs too. */
export { guarded } from '@groupsync/claims'

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
