import { DEFAULT_ORG_SETTINGS } from '@groupsync/core'
import { createMembershipAdmin } from '@groupsync/sync'
import { usage } from '../internal/cli-error.js'
import { keysOf, oneOf, required, type Command } from '../internal/command.js'
import { MatchModeCodec } from '../internal/input-codecs.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync mapping <show | on | off> --org ORG [options]

Shows or changes an organisation's group mapping. With mapping on, every login sets the user's
memberships from the groups claim and manual membership changes are refused. Every change is
written to the audit log (settings.changed). \`show\` says when the organisation has never been
configured (no settings stored: is its id right?).

Options:
  --org ORG          the organisation
  --match-mode MODE  also set how claim entries match group names: exact or case-insensitive
  --actor NAME       who is acting, for the audit log
  --json             print JSON
  -h, --help         show this help

${STORE_HELP}`

/** `groupsync mapping`: show or switch an org's mapping setting and match mode. */
export const mappingCommand: Command = {
  name: 'mapping',
  help: HELP,
  run: async (args, ctx) => {
    const { values, positionals } = parseStoreCommand(
      'mapping',
      args,
      { org: { type: 'string' }, 'match-mode': { type: 'string' }, actor: { type: 'string' } },
      true,
    )
    const orgId = required('mapping', values.org, 'org')
    const matchMode = oneOf('mapping', values['match-mode'], 'match-mode', keysOf(MatchModeCodec))
    const [action = 'show', ...rest] = positionals
    if (rest.length > 0) throw usage(`Unexpected argument ${JSON.stringify(rest[0])}.`, 'mapping')
    if (action !== 'show' && action !== 'on' && action !== 'off') {
      throw usage(`Unknown action ${JSON.stringify(action)}.`, 'mapping')
    }
    const actor = values.actor === undefined ? {} : { actor: values.actor }
    return withStore(values, ctx, async (store) => {
      const admin = createMembershipAdmin({ store })
      if (matchMode !== undefined) orThrow(await admin.setMatchMode(orgId, matchMode, actor)())
      if (action !== 'show') {
        orThrow(await admin.setManageGroupMemberships(orgId, action === 'on', actor)())
      }
      // An org that never stored settings is told apart from one with mapping off: a typo in
      // its id shows. The settings in force for it are the defaults.
      const stored = orThrow(await admin.getSettings(orgId)())
      const settings = stored ?? DEFAULT_ORG_SETTINGS
      const state = `mapping ${settings.manageGroupMemberships ? 'on' : 'off'}, match mode ${settings.matchMode}`
      if (values.json === true) ctx.out(toJson({ configured: stored !== null, ...settings }))
      else if (stored === null) {
        ctx.out(
          `${orgId}: never configured (no settings stored; is the org id right?): ${state} (the defaults)`,
        )
      } else ctx.out(`${orgId}: ${state}`)
      return EXIT_CODES.ok
    })
  },
}
