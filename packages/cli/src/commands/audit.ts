import { createMembershipAdmin } from '@groupsync/sync'
import { numberOption, required, type Command } from '../internal/command.js'
import { orThrow } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { AUDIT_HEADER, auditRow } from '../internal/render-audit.js'
import { printList } from '../internal/table.js'
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
    const { values } = parseStoreCommand('audit', args, {
      org: { type: 'string' },
      user: { type: 'string' },
      limit: { type: 'string' },
    })
    const orgId = required('audit', values.org, 'org')
    const limit = numberOption('audit', values.limit, 'limit')
    const query = {
      ...(values.user === undefined ? {} : { userId: values.user }),
      ...(limit === undefined ? {} : { limit }),
    }
    const events = await withStore(values, ctx, async (store) =>
      orThrow(await createMembershipAdmin({ store }).listAuditEvents(orgId, query)()),
    )
    printList(ctx, values.json, events, {
      none: `${orgId} has no audit events.`,
      header: AUDIT_HEADER,
      row: auditRow,
    })
    return EXIT_CODES.ok
  },
}
