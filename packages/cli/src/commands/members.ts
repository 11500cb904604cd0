import { createMembershipAdmin } from '@groupsync/sync'
import { usage } from '../internal/cli-error.js'
import { required, type Command } from '../internal/command.js'
import { groupByName } from '../internal/group-by-name.js'
import { orThrow } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { printList } from '../internal/table.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync members <list | add | remove> --org ORG --group NAME [--user USER] [options]

Lists a group's members, or adds or removes one by hand. While mapping is on for the
organisation, adding and removing are refused (MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED, exit 4):
change the group at the identity provider instead.

Options:
  --org ORG      the organisation
  --group NAME   the group, by name
  --user USER    the user (add, remove)
  --actor NAME   who is acting, for the audit log (add, remove)
  --json         print JSON (list)
  -h, --help     show this help

${STORE_HELP}`

/** `groupsync members`: list, add and remove members by hand, behind the manual-change lock. */
export const membersCommand: Command = {
  name: 'members',
  help: HELP,
  run: async (args, ctx) => {
    const { values, positionals } = parseStoreCommand(
      'members',
      args,
      {
        org: { type: 'string' },
        group: { type: 'string' },
        user: { type: 'string' },
        actor: { type: 'string' },
      },
      true,
    )
    const orgId = required('members', values.org, 'org')
    const groupName = required('members', values.group, 'group')
    const [action = 'list', ...rest] = positionals
    if (rest.length > 0) throw usage(`Unexpected argument ${JSON.stringify(rest[0])}.`, 'members')
    return withStore(values, ctx, async (store) => {
      const admin = createMembershipAdmin({ store })
      const group = await groupByName(admin, orgId, groupName)
      if (action === 'list') {
        const members = await store.listMembers(orgId, group.id)
        printList(ctx, values.json, members, {
          none: `${JSON.stringify(groupName)} has no members.`,
          header: ['user', 'source', 'since'],
          row: (m) => [m.userId, m.source, m.createdAt?.toISOString() ?? ''],
        })
        return EXIT_CODES.ok
      }
      if (action !== 'add' && action !== 'remove') {
        throw usage(`Unknown action ${JSON.stringify(action)}.`, 'members')
      }
      const userId = required('members', values.user, 'user')
      const options = values.actor === undefined ? {} : { actor: values.actor }
      const changed =
        action === 'add'
          ? orThrow(await admin.addMember(orgId, group.id, userId, options)())
          : orThrow(await admin.removeMember(orgId, group.id, userId, options)())
      const verb = action === 'add' ? 'added to' : 'removed from'
      ctx.out(
        changed
          ? `${userId} ${verb} ${JSON.stringify(groupName)}`
          : `${userId} was ${action === 'add' ? 'already' : 'not'} a member of ${JSON.stringify(groupName)}; nothing changed`,
      )
      return EXIT_CODES.ok
    })
  },
}
