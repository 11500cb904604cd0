import { StoreError } from './errors.js'
import { MATCH_MODES } from './org-group.js'
import type {
  AuditEventInput,
  AuditEventType,
  AuditQuery,
  GroupChangeOptions,
  IdKind,
  MembershipSource,
  OrgSettings,
  StoreLimits,
  UserSyncChanges,
  UserSyncSnapshot,
} from './ports/membership-store.port.js'

// The input rules every MembershipStore enforces, in one place so that all stores accept and
// reject exactly the same values (the contract suite checks that they do). Each check throws a
// StoreError with code STORE_INVALID_INPUT before a store writes anything.

/**
 * The longest org, user or group id a store accepts, in UTF-16 code units: OpenID Connect caps
 * `sub` at 255 ASCII characters, and three such ids fit together in one Postgres index entry.
 */
export const MAX_STORE_ID_LENGTH = 255

/**
 * The limits of a store that states none: text ids, and names of up to 4 KiB, which hold any
 * name of the 1,024 characters a claim entry may have by default (rule C7).
 */
export const DEFAULT_STORE_LIMITS: StoreLimits = {
  maxNameBytes: 4_096,
  ids: { org: 'text', user: 'text', group: 'text' },
}

/** The earliest time a store accepts (`0001-01-01T00:00:00.000Z`): Postgres and ISO 8601 agree. */
export const MIN_STORE_TIME = Date.parse('0001-01-01T00:00:00.000Z')

/** The latest time a store accepts (`9999-12-31T23:59:59.999Z`). */
export const MAX_STORE_TIME = Date.parse('9999-12-31T23:59:59.999Z')

/** The event types a caller may append; `group.*` events are the store's own (see below). */
const AUDIT_EVENT_TYPES: ReadonlySet<string> = new Set<AuditEventType>([
  'membership.added',
  'membership.removed',
  'sync.denied',
  'settings.changed',
])
/**
 * Written only by a store, in the transaction of the group change they record: a caller who
 * could append them could make the log say a group exists, or is gone, when it is not.
 */
const STORE_WRITTEN_TYPES: ReadonlySet<string> = new Set<AuditEventType>([
  'group.created',
  'group.renamed',
  'group.deleted',
  'user.removed',
])
const MATCH_MODE_SET: ReadonlySet<string> = new Set(MATCH_MODES)
const MAX_JSON_DEPTH = 64
const LONE_SURROGATE = /\p{Cs}/u

const invalid = (path: string, message: string, value?: unknown): StoreError =>
  new StoreError('STORE_INVALID_INPUT', `${path}: ${message}`, {
    path,
    ...(value === undefined ? {} : { value }),
  })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Why a string cannot be stored, or undefined if it can. */
const unstorable = (value: string): string | undefined => {
  if (value.includes('\u0000')) {
    return 'holds a NUL character (U+0000), which Postgres text cannot store; remove it'
  }
  if (LONE_SURROGATE.test(value)) {
    return 'holds a lone UTF-16 surrogate, which is not valid Unicode text; fix the encoding'
  }
  return undefined
}

/** Whether a string can be stored: no NUL character, no lone UTF-16 surrogate. */
export const isStorableText = (value: string): boolean => unstorable(value) === undefined

/**
 * Checks the claim entries handed to a login's unit of work: an array of strings (any strings: an
 * entry no group can be named is simply matched by none).
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertClaimGroups(
  value: unknown,
  path: string,
): asserts value is readonly string[] {
  if (!Array.isArray(value)) throw invalid(path, 'must be an array of strings')
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') throw invalid(`${path}/${i}`, 'must be a string')
  })
}

/**
 * Checks a name, digest or other free text a store keeps: any length, but no NUL character and no
 * lone UTF-16 surrogate.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 * @example
 * ```ts
 * assertStoreText('Admins\u0000', 'name') // throws STORE_INVALID_INPUT
 * ```
 */
export function assertStoreText(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string') throw invalid(path, 'must be a string')
  const why = unstorable(value)
  if (why !== undefined) throw invalid(path, why)
}

/**
 * Checks an org, user or group id: storable text of 1 to {@link MAX_STORE_ID_LENGTH} code units.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertStoreId(value: unknown, path: string): asserts value is string {
  assertStoreText(value, path)
  if (value.length === 0) throw invalid(path, 'must not be empty')
  if (value.length > MAX_STORE_ID_LENGTH) {
    throw invalid(path, `must be at most ${MAX_STORE_ID_LENGTH} UTF-16 code units long`)
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** The bounds of an integer kind: -2^(bits-1) to 2^(bits-1) - 1. */
const HALF: Readonly<Record<'integer' | 'bigint', bigint>> = {
  integer: 2n ** 31n,
  bigint: 2n ** 63n,
}

/** The canonical form of `id` as an id of `kind`, or undefined when it is not one. */
const canonicalId = (id: string, kind: IdKind): string | undefined => {
  if (kind === 'text') return id
  if (kind === 'uuid') return UUID.test(id) ? id.toLowerCase() : undefined
  // Leading zeros are fine (Postgres reads them); the length bounds BigInt's work.
  if (!/^[+-]?0*[0-9]{1,19}$/.test(id)) return undefined
  const n = BigInt(id)
  return n >= -HALF[kind] && n < HALF[kind] ? n.toString() : undefined
}

const KIND_WORDS: Record<IdKind, string> = {
  text: 'text',
  uuid: 'a UUID (8-4-4-4-12 hex digits)',
  integer: 'a whole number within 32 bits',
  bigint: 'a whole number within 64 bits',
}

/**
 * An org or user id in the canonical form of the store's `kind` of id (a UUID in lower case, a
 * number without sign or leading zeros).
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`, naming the kind the store's tables hold
 */
export function storeId(value: unknown, path: string, kind: IdKind): string {
  assertStoreId(value, path)
  const id = canonicalId(value, kind)
  if (id === undefined) {
    throw invalid(
      path,
      `must be ${KIND_WORDS[kind]}: the store's tables hold that kind of id. Pass the id as the application stores it.`,
      value,
    )
  }
  return id
}

/**
 * A group id in the canonical form of the store's kind of group id; an id of another kind names
 * no group the store can have.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` for text no store keeps, `GROUP_NOT_FOUND` for
 * an id of another kind
 */
export function storeGroupId(orgId: string, value: unknown, path: string, kind: IdKind): string {
  assertStoreId(value, path)
  const id = canonicalId(value, kind)
  if (id === undefined) throw groupNotFound(orgId, value)
  return id
}

/** The length of a string in UTF-8 bytes (a lone surrogate counts 3, as WTF-8 writes it). */
export const utf8Length = (value: string): number => {
  let bytes = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c < 0xdc00 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i += 1
    } else bytes += 3
  }
  return bytes
}

/**
 * Checks a group name: storable text of at most `maxBytes` UTF-8 bytes.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`, stating the limit and the name's length
 */
export function assertGroupName(
  value: unknown,
  path: string,
  maxBytes: number,
): asserts value is string {
  assertStoreText(value, path)
  const bytes = utf8Length(value)
  if (bytes > maxBytes) {
    throw invalid(
      path,
      `is ${bytes} bytes long (UTF-8); this store keeps names of at most ${maxBytes} bytes. Shorten it.`,
    )
  }
}

/**
 * Checks a time a store keeps or compares with: a valid `Date` from year 1 to year 9999.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertStoreDate(value: unknown, path: string): asserts value is Date {
  if (!(value instanceof Date)) throw invalid(path, 'must be a Date')
  const t = value.getTime()
  if (Number.isNaN(t)) throw invalid(path, 'is an invalid Date')
  if (t < MIN_STORE_TIME || t > MAX_STORE_TIME) {
    throw invalid(path, 'must lie between the years 1 and 9999', value.toISOString())
  }
}

/**
 * Checks a membership source: `sync` or `manual`.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertMembershipSource(
  value: unknown,
  path: string,
): asserts value is MembershipSource {
  if (value !== 'sync' && value !== 'manual') {
    throw invalid(path, "must be 'sync' or 'manual'", typeof value === 'string' ? value : undefined)
  }
}

/**
 * Checks an org's settings before a store keeps them.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertOrgSettings(
  value: unknown,
  path = '/settings',
): asserts value is OrgSettings {
  if (!isRecord(value)) throw invalid(path, 'must be an object')
  if (typeof value.manageGroupMemberships !== 'boolean') {
    throw invalid(`${path}/manageGroupMemberships`, 'must be a boolean')
  }
  if (typeof value.matchMode !== 'string' || !MATCH_MODE_SET.has(value.matchMode)) {
    throw invalid(`${path}/matchMode`, "must be 'exact' or 'case-insensitive'")
  }
}

const assertJson = (value: unknown, path: string, depth: number): void => {
  if (depth > MAX_JSON_DEPTH) throw invalid(path, `nests deeper than ${MAX_JSON_DEPTH} levels`)
  if (value === null || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(path, 'must be a finite number (JSON has no NaN)')
    return
  }
  if (typeof value === 'string') {
    assertStoreText(value, path)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertJson(v, `${path}/${i}`, depth + 1)
    })
    return
  }
  if (isRecord(value)) {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw invalid(path, 'must be a plain object')
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`
      assertStoreText(k, at)
      assertJson(v, at, depth + 1)
    }
    return
  }
  throw invalid(path, 'must be a JSON value')
}

const OPTIONAL_AUDIT_TEXT = ['groupName', 'claimDigest', 'actor'] as const
const OPTIONAL_AUDIT_IDS = ['userId', 'groupId'] as const

/**
 * Checks audit events before a store appends them: known types, storable text, JSON detail, and
 * every event in the organisation `orgId` that the operation writes to.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertAuditEvents(
  orgId: string,
  events: unknown,
  path = '/audit',
): asserts events is readonly AuditEventInput[] {
  if (!Array.isArray(events)) throw invalid(path, 'must be an array')
  events.forEach((event: unknown, i) => {
    const at = `${path}/${i}`
    if (!isRecord(event)) throw invalid(at, 'must be an object')
    if (typeof event.type === 'string' && STORE_WRITTEN_TYPES.has(event.type)) {
      throw invalid(
        `${at}/type`,
        'is written by the store itself (a group change or a user removal)',
        event.type,
      )
    }
    if (typeof event.type !== 'string' || !AUDIT_EVENT_TYPES.has(event.type)) {
      throw invalid(`${at}/type`, 'is not a known audit event type')
    }
    if (event.orgId !== orgId) {
      throw invalid(`${at}/orgId`, 'must be the organisation the operation writes to')
    }
    for (const key of OPTIONAL_AUDIT_IDS) {
      if (event[key] !== undefined) assertStoreId(event[key], `${at}/${key}`)
    }
    for (const key of OPTIONAL_AUDIT_TEXT) {
      if (event[key] !== undefined) assertStoreText(event[key], `${at}/${key}`)
    }
    if (event.source !== undefined) assertMembershipSource(event.source, `${at}/source`)
    if (event.detail !== undefined) {
      if (!isRecord(event.detail)) throw invalid(`${at}/detail`, 'must be an object')
      assertJson(event.detail, `${at}/detail`, 0)
    }
  })
}

/**
 * Checks a query of audit events: `userId` an id, `afterSeq` and `limit` non-negative integers.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertAuditQuery(
  query: unknown,
  path = '/query',
): asserts query is AuditQuery | undefined {
  if (query === undefined) return
  if (!isRecord(query)) throw invalid(path, 'must be an object')
  if (query.userId !== undefined) assertStoreId(query.userId, `${path}/userId`)
  for (const key of ['afterSeq', 'limit'] as const) {
    const v = query[key]
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 0)) {
      throw invalid(`${path}/${key}`, 'must be a non-negative integer')
    }
  }
}

/**
 * What {@link assertUserSyncChanges} checks a unit of work's changes against: the organisation and
 * the ids of its groups, taken from the snapshot before `decide` ran (decide may change the
 * snapshot object it is given, so the store keeps its own set of ids).
 */
export interface UserSyncScope {
  readonly orgId: string
  readonly groupIds: ReadonlySet<string>
}

/**
 * The scope of a snapshot: its organisation and a private set of its group ids. Costs one Set of
 * the org's group ids, not a copy of the snapshot.
 */
export const userSyncScope = (snapshot: UserSyncSnapshot): UserSyncScope => ({
  orgId: snapshot.orgId,
  groupIds: new Set(snapshot.groups.map((g) => g.id)),
})

/**
 * Checks what the decide step of `withUserSync` returned, against the scope of the snapshot it
 * saw: every group id to add or remove belongs to the organisation, no group is named twice or
 * both added and removed, sources and audit events are valid, and `syncedAt` (and `tokenIssuedAt`,
 * which needs it) are storable times.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 * @example
 * ```ts
 * const scope = userSyncScope(snapshot)
 * const { changes } = await decide(snapshot)
 * assertUserSyncChanges(scope, changes)
 * ```
 */
export function assertUserSyncChanges(
  scope: UserSyncScope,
  changes: unknown,
  path = '/changes',
): asserts changes is UserSyncChanges | null {
  if (changes === null) return
  if (!isRecord(changes)) throw invalid(path, 'must be an object or null')
  const { add, remove, audit, syncedAt, tokenIssuedAt } = changes
  if (!Array.isArray(add)) throw invalid(`${path}/add`, 'must be an array')
  if (!Array.isArray(remove)) throw invalid(`${path}/remove`, 'must be an array')
  const seen = new Set<string>()
  const checkGroupId = (id: unknown, at: string): void => {
    assertStoreId(id, at)
    if (!scope.groupIds.has(id)) {
      throw invalid(at, "is not a group of this organisation's slice (the snapshot's groups)", id)
    }
    if (seen.has(id)) throw invalid(at, 'names a group already added or removed in this change', id)
    seen.add(id)
  }
  add.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) throw invalid(`${path}/add/${i}`, 'must be an object')
    checkGroupId(entry.groupId, `${path}/add/${i}/groupId`)
    assertMembershipSource(entry.source, `${path}/add/${i}/source`)
  })
  remove.forEach((id: unknown, i) => {
    checkGroupId(id, `${path}/remove/${i}`)
  })
  assertAuditEvents(scope.orgId, audit, `${path}/audit`)
  if (syncedAt !== undefined) assertStoreDate(syncedAt, `${path}/syncedAt`)
  if (tokenIssuedAt !== undefined) {
    if (syncedAt === undefined) throw invalid(`${path}/tokenIssuedAt`, 'needs syncedAt beside it')
    assertStoreDate(tokenIssuedAt, `${path}/tokenIssuedAt`)
  }
}

/**
 * The `GROUP_NOT_FOUND` error every store and the admin service raise for an unknown group id, in
 * one place so its code, path and message are the same wherever it comes from.
 *
 * @example
 * ```ts
 * if (group === undefined) throw groupNotFound(orgId, groupId)
 * ```
 */
export const groupNotFound = (orgId: string, groupId: string): StoreError =>
  new StoreError(
    'GROUP_NOT_FOUND',
    `Organisation ${JSON.stringify(orgId)} has no group ${JSON.stringify(groupId)}; list its groups to find the id.`,
    { path: '/groupId', value: groupId },
  )

/**
 * Checks the per-call options of a store write: `signal` an `AbortSignal`, `actor` storable text.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT`
 */
export function assertGroupChangeOptions(
  options: unknown,
  path = '/options',
): asserts options is GroupChangeOptions | undefined {
  if (options === undefined) return
  if (!isRecord(options)) throw invalid(path, 'must be an object')
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalid(`${path}/signal`, 'must be an AbortSignal')
  }
  if (options.actor !== undefined) assertStoreText(options.actor, `${path}/actor`)
}

/**
 * The `STORE_TIMEOUT` error of a call that ran out of time (the caller's signal, or a store's own
 * timeout): nothing was written, so the call can simply be made again.
 *
 * @example
 * ```ts
 * if (signal?.aborted) throw storeTimeout('withUserSync', signal.reason)
 * ```
 */
export const storeTimeout = (action: string, cause?: unknown): StoreError =>
  new StoreError(
    'STORE_TIMEOUT',
    `${action}: ran out of time or was aborted before committing; nothing was written, retry it.`,
    cause === undefined ? {} : { cause },
  )
