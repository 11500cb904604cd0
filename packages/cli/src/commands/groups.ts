import { createMembershipAdmin } from '@groupsync/sync'
import { usage } from '../internal/cli-error.js'
import { required, type Command } from '../internal/command.js'
import { orThrow } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { printList } from '../internal/table.js'
import { groupByName } from '../internal/group-by-name.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync groups <list | create NAME… | rename NAME NEW | delete NAME> --org ORG [options]

Lists and changes an organisation's groups. Creating, renaming and deleting groups stays allowed
while mapping is on: the lock covers memberships, not groups.

Options:
  --org ORG    the organisation
  --json       print JSON (list)
  -h, --help   show this help

${STORE_HELP}`

/** `groupsync groups`: list, create, rename and delete an org's groups. */
export const groupsCommand: Command = {
  name: 'groups',
  help: HELP,
  run: async (args, ctx) => {
    const { values, positionals } = parseStoreCommand(
      'groups',
      args,
      { org: { type: 'string' } },
      true,
    )
    const orgId = required('groups', values.org, 'org')
    const [action, ...names] = positionals
    return withStore(values, ctx, async (store) => {
      const admin = createMembershipAdmin({ store })
      switch (action) {
        case 'list':
        case undefined: {
          const groups = orThrow(await admin.listGroups(orgId)())
          printList(ctx, values.json, groups, {
            none: `${orgId} has no groups.`,
            header: ['group', 'id'],
            row: (g) => [g.name, g.id],
          })
          return EXIT_CODES.ok
        }
        case 'create':
          if (names.length === 0) throw usage('Name the group(s) to create.', 'groups')
          for (const name of names) {
            const group = orThrow(await admin.createGroup(orgId, name)())
            ctx.out(`created ${JSON.stringify(group.name)} (${group.id})`)
          }
          return EXIT_CODES.ok
        case 'rename': {
          const [from, to] = names
          if (from === undefined || to === undefined || names.length !== 2) {
            throw usage('Give the group name and the new name.', 'groups')
          }
          const group = await groupByName(admin, orgId, from)
          orThrow(await admin.renameGroup(orgId, group.id, to)())
          ctx.out(`renamed ${JSON.stringify(from)} to ${JSON.stringify(to)}`)
          return EXIT_CODES.ok
        }
        case 'delete':
          if (names.length === 0) throw usage('Name the group(s) to delete.', 'groups')
          for (const name of names) {
            const group = await groupByName(admin, orgId, name)
            orThrow(await admin.deleteGroup(orgId, group.id)())
            ctx.out(`deleted ${JSON.stringify(name)} and its memberships`)
          }
          return EXIT_CODES.ok
        default:
          throw usage(`Unknown action ${JSON.stringify(action)}.`, 'groups')
      }
    })
  },
}
