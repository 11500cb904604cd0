import { createMembershipAdmin } from '@groupsync/sync'
import { required, type Command } from '../internal/command.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync remove-user --org ORG --user USER [options]

Offboards a user from an organisation: removes every membership they hold, whether the login
sync or an admin added it, and their last-sync record, in one transaction. The audit log gets a
membership.removed event for each membership and one user.removed event. Allowed while mapping
is on: this is the user's departure, not a manual change. A login with a token issued before
the removal does not bring the memberships back; a later login does, so remove the user at the
identity provider too.

Safe to run again: for a user with nothing in the organisation it writes nothing and exits 0.

Options:
  --org ORG      the organisation
  --user USER    the user to remove
  --actor NAME   who is acting, for the audit log
  --json         print JSON: { "removed", "memberships", "orgId", "userId" }
  -h, --help     show this help

${STORE_HELP}`

const memberships = (n: number): string => `${n} membership${n === 1 ? '' : 's'}`

/** `groupsync remove-user`: offboard a user, removing all their memberships in an org (audited). */
export const removeUserCommand: Command = {
  name: 'remove-user',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseStoreCommand('remove-user', args, {
      org: { type: 'string' },
      user: { type: 'string' },
      actor: { type: 'string' },
    })
    const orgId = required('remove-user', values.org, 'org')
    const userId = required('remove-user', values.user, 'user')
    const options = values.actor === undefined ? {} : { actor: values.actor }
    const removal = await withStore(values, ctx, async (store) =>
      orThrow(await createMembershipAdmin({ store }).removeUser(orgId, userId, options)()),
    )
    if (values.json === true) {
      ctx.out(toJson({ removed: removal.removed, memberships: removal.memberships, orgId, userId }))
    } else if (!removal.removed) {
      ctx.out(`${userId} has no memberships and no last sync in ${orgId}; nothing changed.`)
    } else if (removal.memberships === 0) {
      ctx.out(
        `${userId} removed from ${orgId}: no memberships to remove; their last sync forgotten.`,
      )
    } else {
      ctx.out(`${userId} removed from ${orgId}: ${memberships(removal.memberships)} removed.`)
    }
    return EXIT_CODES.ok
  },
}
