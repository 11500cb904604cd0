import { createMembershipAdmin } from '@groupsync/sync'
import { usage } from '../internal/cli-error.js'
import { required, type Command } from '../internal/command.js'
import { orThrow } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { printList } from '../internal/table.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync stale --org ORG (--older-than DURATION | --before TIME) [options]

Lists the users whose last login sync is older than a time: changes made at the identity
provider reach a user only at their next login, so these users may still hold old groups.

Options:
  --org ORG              the organisation
  --older-than DURATION  e.g. 30d, 12h, 90m (days, hours, minutes before now)
  --before TIME          an ISO 8601 time, e.g. 2026-01-31T00:00:00Z
  --json                 print JSON
  -h, --help             show this help

${STORE_HELP}`

const UNITS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 }

/** The cut-off time from `--older-than` or `--before`. */
export function cutoff(olderThan: string | undefined, before: string | undefined, now: Date): Date {
  if ((olderThan === undefined) === (before === undefined)) {
    throw usage('Give exactly one of --older-than and --before.', 'stale')
  }
  if (before !== undefined) {
    const time = new Date(before)
    if (Number.isNaN(time.getTime())) {
      throw usage(`--before must be an ISO 8601 time; got ${JSON.stringify(before)}.`, 'stale')
    }
    return time
  }
  const match = /^(\d+)([dhm])$/.exec(olderThan ?? '')
  const unit = UNITS[match?.[2] ?? '']
  if (match === null || unit === undefined) {
    throw usage(
      `--older-than must look like 30d, 12h or 90m; got ${JSON.stringify(olderThan)}.`,
      'stale',
    )
  }
  return new Date(now.getTime() - Number(match[1]) * unit)
}

/** `groupsync stale`: users not synced since a time. */
export const staleCommand: Command = {
  name: 'stale',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseStoreCommand('stale', args, {
      org: { type: 'string' },
      'older-than': { type: 'string' },
      before: { type: 'string' },
    })
    const orgId = required('stale', values.org, 'org')
    const olderThan = cutoff(values['older-than'], values.before, new Date())
    const stale = await withStore(values, ctx, async (store) =>
      orThrow(await createMembershipAdmin({ store }).listStaleMembers(orgId, olderThan)()),
    )
    const before = olderThan.toISOString()
    printList(ctx, values.json, stale, {
      none: `No user of ${orgId} was last synced before ${before}.`,
      intro: [`${stale.length} user(s) of ${orgId} last synced before ${before}:`, ''],
      header: ['user', 'last synced'],
      row: (s) => [s.userId, s.lastSyncedAt.toISOString()],
    })
    return EXIT_CODES.ok
  },
}
