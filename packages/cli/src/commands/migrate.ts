import { usage } from '../internal/cli-error.js'
import { type Command } from '../internal/command.js'
import { toJson } from '../internal/outcome.js'
import { migrateStore, STORE_HELP, parseStoreCommand } from '../internal/open-store.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync migrate [--tables FILE [--app-indexes]] [--enforce-lock] [options]

Creates groupsync's schema and applies the migrations it lacks, in one transaction. Safe to run
again (it applies nothing) and from several processes at once. With --tables, the schema gets
only groupsync's own tables (settings, last syncs, sources, removals, the audit log): the
application's tables are read, and changed only as the two options below ask. A schema keeps the
layout it was first migrated with (with or without --tables).

Options:
  --app-indexes    (with --tables) also create two indexes on the application's tables that keep
                   a login's cost flat as they grow: the groups by folded name and organisation,
                   the memberships by user and group. They are built inside the migration's
                   transaction, not CONCURRENTLY: writes to those tables wait until they are built
  --enforce-lock   also add a trigger on the memberships table that refuses an insert, delete or
                   move of a membership while its organisation's mapping is on, unless groupsync
                   makes it: for applications whose own code writes memberships
  --json           print JSON
  -h, --help       show this help

${STORE_HELP}`

/** `groupsync migrate`: apply the store's SQL migrations. */
export const migrateCommand: Command = {
  name: 'migrate',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseStoreCommand('migrate', args, {
      'app-indexes': { type: 'boolean' },
      'enforce-lock': { type: 'boolean' },
    })
    if (values['app-indexes'] === true && values.tables === undefined) {
      throw usage(
        "--app-indexes is for an application's own tables: give --tables FILE.",
        'migrate',
      )
    }
    const result = await migrateStore(values, ctx)
    if (values.json === true) ctx.out(toJson(result))
    else if (result.applied.length === 0) {
      ctx.out(`Schema ${result.schema} in ${result.where} is up to date.`)
    } else {
      ctx.out(
        `Applied ${result.applied.length} migration(s) to schema ${result.schema} in ${result.where}:`,
        ...result.applied.map((name) => `  ${name}`),
      )
    }
    if (values.json !== true && values['app-indexes'] === true) {
      ctx.out("The login's indexes on the application's tables are in place.")
    }
    if (values.json !== true && values['enforce-lock'] === true) {
      ctx.out('The trigger enforcing the manual-change lock on the memberships table is in place.')
    }
    return EXIT_CODES.ok
  },
}
