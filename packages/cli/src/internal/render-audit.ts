import type { AuditEvent, JsonValue } from '@groupsync/core'

/** A detail value as plain text: strings as they are, anything else as JSON. */
const text = (value: JsonValue | undefined): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null)

/** A short, human account of an event's detail. */
function describe(event: AuditEvent): string {
  const d = event.detail ?? {}
  switch (event.type) {
    case 'sync.denied':
      return `${text(d['code'])} (claim ${text(d['claimState'])})`
    case 'settings.changed': {
      const before = (d['before'] ?? {}) as Readonly<Record<string, JsonValue>>
      const after = (d['after'] ?? {}) as Readonly<Record<string, JsonValue>>
      const changed = Object.keys(after).filter((k) => before[k] !== after[k])
      return changed.map((k) => `${k}: ${text(before[k])} → ${text(after[k])}`).join(', ')
    }
    case 'user.removed': {
      const n = d['memberships']
      return typeof n === 'number' ? `${n} membership(s) removed` : ''
    }
    default:
      return event.claimDigest === undefined
        ? ''
        : `claim sha256 ${event.claimDigest.slice(0, 12)}…`
  }
}

/** The audit log as table rows: seq, type, user, group, by, detail. */
export function auditRows(events: readonly AuditEvent[]): string[][] {
  return events.map((e) => [
    String(e.seq),
    e.type,
    e.userId ?? '',
    e.groupName ?? '',
    e.actor ?? e.source ?? '',
    describe(e),
  ])
}

/** The header of {@link auditRows}. */
export const AUDIT_HEADER = ['seq', 'event', 'user', 'group', 'by', 'detail'] as const
