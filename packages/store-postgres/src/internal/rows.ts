import type {
  AuditEvent,
  AuditEventInput,
  JsonValue,
  MatchMode,
  Membership,
  MembershipSource,
  OrgSettings,
  StoredGroup,
} from '@groupsync/core'
import { AUDIT_COLUMNS } from './sql-fragments.js'

// Rows come back from two drivers that parse types differently, so the statements return text,
// JSON text or booleans, and the parsing lives here, the same for both.

/** A text column as a string; numbers (and bigints) as their decimal text. */
export const text = (value: unknown): string => {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString()
  throw new TypeError(`expected a text column, got ${typeof value}`)
}

/** A text or numeric column as a number (bigint and numeric arrive as text). */
export const num = (value: unknown): number => Number(value)

/** A text column that may be null, as a string or undefined. */
const optional = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : text(value)

/** A JSON-text column holding an array (json_agg gives null for no rows). */
export const jsonRows = (value: unknown): readonly (readonly unknown[])[] =>
  value === null || value === undefined ? [] : (JSON.parse(text(value)) as unknown[][])

/** A JSON-text column holding one value (a name as a JSON string), parsed. */
export const jsonValue = (value: unknown): unknown => JSON.parse(text(value))

export const groupFromJson = (
  orgId: string,
  [id, name, created]: readonly unknown[],
): StoredGroup => ({
  orgId,
  id: text(id),
  name: text(name),
  createdAt: optionalTime(created),
})

export const membership = (
  orgId: string,
  groupId: unknown,
  userId: unknown,
  source: unknown,
  createdMs: unknown,
): Membership => ({
  orgId,
  groupId: text(groupId),
  userId: text(userId),
  source: text(source) as MembershipSource,
  createdAt: optionalTime(createdMs),
})

/** Settings from a JSON-text column [manage, match mode], or null when the org has none. */
export const settingsFromJson = (value: unknown): OrgSettings | null => {
  if (value === null || value === undefined) return null
  const [manage, matchMode] = JSON.parse(text(value)) as [unknown, unknown]
  return { manageGroupMemberships: manage === true, matchMode: text(matchMode) as MatchMode }
}

/** A time from a column of epoch milliseconds (text or JSON number), or null. */
export const optionalTime = (value: unknown): Date | null =>
  value === null || value === undefined ? null : new Date(num(value))

type AuditColumn = (typeof AUDIT_COLUMNS)[number]

/** An audit event as the parallel text arrays the write statements take, one array per column. */
export const auditArrays = (events: readonly AuditEventInput[]): (string | null)[][] => {
  const value = (e: AuditEventInput, column: AuditColumn): string | null => {
    switch (column) {
      case 'type':
        return e.type
      case 'user_id':
        return e.userId ?? null
      case 'group_id':
        return e.groupId ?? null
      case 'group_name':
        return e.groupName ?? null
      case 'source':
        return e.source ?? null
      case 'claim_digest':
        return e.claimDigest ?? null
      case 'actor':
        return e.actor ?? null
      case 'detail':
        return e.detail === undefined ? null : JSON.stringify(e.detail)
    }
  }
  return AUDIT_COLUMNS.map((column) => events.map((e) => value(e, column)))
}

/**
 * An audit event from a row of `listAuditEvents` (a JSON array: seq, the audit columns in
 * {@link AUDIT_COLUMNS} order, at ms), with only the fields that were set.
 */
export const auditEventFromRow = (orgId: string, row: Record<string, unknown>): AuditEvent => {
  const [seq, type, ...rest] = JSON.parse(text(row.event)) as unknown[]
  const at = rest.pop()
  const column = (name: AuditColumn): unknown => rest[AUDIT_COLUMNS.indexOf(name) - 1]
  const userId = optional(column('user_id'))
  const groupId = optional(column('group_id'))
  const groupName = optional(column('group_name'))
  const source = optional(column('source')) as MembershipSource | undefined
  const claimDigest = optional(column('claim_digest'))
  const actor = optional(column('actor'))
  const detail = column('detail')
  return {
    type: text(type) as AuditEvent['type'],
    orgId,
    ...(userId !== undefined && { userId }),
    ...(groupId !== undefined && { groupId }),
    ...(groupName !== undefined && { groupName }),
    ...(source !== undefined && { source }),
    ...(claimDigest !== undefined && { claimDigest }),
    ...(actor !== undefined && { actor }),
    ...(detail !== null &&
      detail !== undefined && { detail: detail as { readonly [key: string]: JsonValue } }),
    seq: num(seq),
    at: new Date(num(at)),
  }
}
