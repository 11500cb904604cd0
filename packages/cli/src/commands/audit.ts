import { parseArgs } from 'node:util'
import type { AuditEvent, JsonValue } from '@groupsync/core'
import { createMembershipAdmin } from '@groupsync/sync'
import { numberOption, parseCommand, required, type Command } from '../internal/command.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, STORE_OPTIONS, withStore } from '../internal/open-store.js'
import { renderTable } from '../internal/table.js'

const HELP = `Usage: groupsync audit --org ORG [--user USER] [options]

Prints an organisation's audit log: memberships added and removed (by the sync or by hand),
syncs denied by policy, and settings changes.

Options:
  --org ORG     the organisation
  --user USER   only this user's events
  --limit N     at most N events
  --json        print JSON
  -h, --help    show this help

${STORE_HELP}`

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

/** `groupsync audit`: an org's audit log. */
export const auditCommand: Command = {
  name: 'audit',
  summary: "print an organisation's audit log",
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseCommand('audit', () =>
      parseArgs({
        args: [...args],
        options: {
          org: { type: 'string' },
          user: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
          ...STORE_OPTIONS,
        },
        strict: true,
      }),
    )
    const orgId = required('audit', values.org, 'org')
    const limit = numberOption('audit', values.limit, 'limit')
    const query = {
      ...(values.user === undefined ? {} : { userId: values.user }),
      ...(limit === undefined ? {} : { limit }),
    }
    const events = await withStore(values, ctx, async (store) =>
      orThrow(await createMembershipAdmin({ store }).listAuditEvents(orgId, query)()),
    )
    if (values.json === true) ctx.out(toJson(events))
    else if (events.length === 0) ctx.out(`${orgId} has no audit events.`)
    else ctx.out(...renderTable(AUDIT_HEADER, auditRows(events)))
    return 0
  },
}
