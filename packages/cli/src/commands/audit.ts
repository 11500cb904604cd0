import { parseArgs } from 'node:util'
import { createMembershipAdmin } from '@groupsync/sync'
import { numberOption, parseCommand, required, type Command } from '../internal/command.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, STORE_OPTIONS, withStore } from '../internal/open-store.js'
import { AUDIT_HEADER, auditRows } from '../internal/render-audit.js'
import { renderTable } from '../internal/table.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync audit --org ORG [--user USER] [options]

Prints an organisation's audit log: memberships added and removed (by the sync or by hand),
syncs denied by policy, settings changes, group changes and users removed (remove-user).

Options:
  --org ORG     the organisation
  --user USER   only this user's events
  --limit N     at most N events
  --json        print JSON
  -h, --help    show this help

${STORE_HELP}`

/** `groupsync audit`: an org's audit log. */
export const auditCommand: Command = {
  name: 'audit',
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
    return EXIT_CODES.ok
  },
}
