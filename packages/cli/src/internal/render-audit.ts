import type { AuditEvent, JsonValue } from '@groupsync/core'

/** A detail value as plain text: strings as they are, anything else as JSON. */
const asText = (value: JsonValue | undefined): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null)

/** A short, human account of an event's detail. */
function describeDetail(event: AuditEvent): string {
  const detail = event.detail ?? {}
  switch (event.type) {
    case 'sync.denied':
      return `${asText(detail['code'])} (claim ${asText(detail['claimState'])})`
    case 'settings.changed': {
      const before = (detail['before'] ?? {}) as Readonly<Record<string, JsonValue>>
      const after = (detail['after'] ?? {}) as Readonly<Record<string, JsonValue>>
      const changed = Object.keys(after).filter((k) => before[k] !== after[k])
      return changed.map((k) => `${k}: ${asText(before[k])} → ${asText(after[k])}`).join(', ')
    }
    case 'user.removed': {
      const n = detail['memberships']
      return typeof n === 'number' ? `${n} membership(s) removed` : ''
    }
    default:
      return event.claimDigest === undefined
        ? ''
        : `claim sha256 ${event.claimDigest.slice(0, 12)}…`
  }
}

/** An audit event as a table row: seq, type, user, group, by, detail. */
export const auditRow = (e: AuditEvent): string[] => [
  String(e.seq),
  e.type,
  e.userId ?? '',
  e.groupName ?? '',
  e.actor ?? e.source ?? '',
  describeDetail(e),
]

/** The header of {@link auditRow}. */
export const AUDIT_HEADER = ['seq', 'event', 'user', 'group', 'by', 'detail'] as const
