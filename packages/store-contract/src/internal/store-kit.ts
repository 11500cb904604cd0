import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { IdKind, StoreLimits } from '@groupsync/core'
import { expect } from 'vitest'

// What the suite learns from a store's `limits` — the kind of each id and the longest name — and
// what it makes from them: ids of those kinds from readable labels, names at the limit. Text ids
// stay readable ('alice'); a uuid or integer id is derived from a hash of its label, so the same
// label names the same user in every test and run. Hostile strings are ids only where ids are text.

/** Ids of the kinds a store's tables hold, made from labels. */
export interface StoreKit {
  readonly limits: StoreLimits
  /** A new organisation id, unique across tests, runs and processes sharing one database. */
  readonly newOrg: (label: string) => string
  /** The id of the user a label names: the label itself when user ids are text. */
  readonly user: (label: string) => string
  /** A group id of the store's kind that no group has. */
  readonly missingGroup: string
}

const hex = (label: string): string => createHash('sha256').update(label).digest('hex')

/** The id a label names in a kind: the label, or a UUID (version 8) or number from its hash. */
export const idOfKind = (kind: IdKind, label: string): string => {
  if (kind === 'text') return label
  const h = hex(label)
  // 30 or 52 bits of the hash: a positive number within the kind's width.
  if (kind === 'integer')
    return BigInt(`0x${h.slice(0, 8)}`)
      .toString()
      .slice(0, 9)
  if (kind === 'bigint') return BigInt(`0x${h.slice(0, 13)}`).toString()
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** The extreme ids of a kind, every store of that kind keeps: the longest text, the edges. */
export const extremeIds = (kind: IdKind): readonly string[] =>
  kind === 'text'
    ? ['u'.repeat(255)]
    : kind === 'integer'
      ? ['2147483647', '-2147483648', '0']
      : kind === 'bigint'
        ? ['9223372036854775807', '-9223372036854775808', '0']
        : ['ffffffff-ffff-ffff-ffff-ffffffffffff', '00000000-0000-0000-0000-000000000000']

let orgCounter = 0

const freshOrg = (kind: IdKind, label: string): string => {
  if (kind === 'uuid') return randomUUID()
  // 30 or 62 random bits: positive, within the kind's width, unlikely to be picked again by a run
  // sharing the database.
  if (kind === 'integer') return String(randomBytes(4).readUInt32BE() >>> 2)
  if (kind === 'bigint') return BigInt.asUintN(62, randomBytes(8).readBigUInt64BE()).toString()
  orgCounter += 1
  return `org:${label}:${orgCounter}:${randomUUID()}`
}

/** The kit of a store's limits. */
export const storeKit = (limits: StoreLimits): StoreKit => ({
  limits,
  newOrg: (label) => freshOrg(limits.ids.org, label),
  user: (label) => idOfKind(limits.ids.user, label),
  missingGroup:
    limits.ids.group === 'integer'
      ? '2147483647'
      : limits.ids.group === 'bigint'
        ? '9223372036854775807'
        : idOfKind(limits.ids.group, 'no-such-group'),
})

/** The length of a string in UTF-8 bytes, counted apart from core's own count. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * A name of exactly `bytes` UTF-8 bytes from a fixed seed, mostly multi-byte characters (2, 3 and
 * 4 bytes, an emoji a surrogate pair) among quotes, wildcards and whitespace: a store that counts
 * characters or code units instead of bytes keeps names it must refuse.
 */
export const nameOfBytes = (bytes: number, seed = 7): string => {
  const alphabet = ['漢', 'é', '😀', 'a', 'X', '0', ' ', "'", '"', '%', '_', '\\', 'ß', '\t', 'Σ']
  let x = seed
  let out = ''
  let size = 0
  for (;;) {
    x = (x * 48271) % 2147483647
    const c = alphabet[x % alphabet.length] ?? 'a'
    // At least one ASCII letter ends it, so that its twin can differ in the last code unit.
    if (size + utf8Bytes(c) > bytes - 1) break
    out += c
    size += utf8Bytes(c)
  }
  return out + 'z'.repeat(bytes - size)
}

/** The names a store keeps: those within its `maxNameBytes` (hostile names are short, but not every limit is long). */
export const withinLimit = (limits: StoreLimits, names: readonly string[]): string[] =>
  names.filter((n) => utf8Bytes(n) <= limits.maxNameBytes)

/** Names at a store's limit: one of exactly `maxNameBytes`, and a twin that differs in its last byte. */
export const namesAtLimit = (limits: StoreLimits) => {
  const atLimit = nameOfBytes(limits.maxNameBytes)
  return { atLimit, twin: `${atLimit.slice(0, -1)}!` }
}

/** Whether a store keeps creation times, per table: learned from the first row seen. */
export interface Times {
  groups?: boolean
  memberships?: boolean
}

const storeTimes = new WeakMap<object, Times>()

/** Makes the stores of one run of the suite share what was learned about their times. */
export const shareTimes = (store: object, times: Times): void => {
  storeTimes.set(store, times)
}

/**
 * Checks the creation times of rows a store returned: each a valid Date, or null when the table
 * keeps none — and the same for every row of that table the suite sees. A store may not mix.
 */
export const expectTimes = (
  store: object,
  table: 'groups' | 'memberships',
  rows: readonly { readonly createdAt: Date | null }[],
): void => {
  const times = storeTimes.get(store) ?? {}
  for (const { createdAt } of rows) {
    const kept = createdAt !== null
    if (kept) expect(Number.isNaN(createdAt.getTime()), `a ${table} creation time`).toBe(false)
    times[table] ??= kept
    expect(
      kept,
      times[table]
        ? `every ${table} row has a creation time, as the first one seen had`
        : `no ${table} row has a creation time (createdAt null), as the first one seen had none`,
    ).toBe(times[table])
  }
}
