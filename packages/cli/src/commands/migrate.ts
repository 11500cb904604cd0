import { parseArgs } from 'node:util'
import { parseCommand, type Command } from '../internal/command.js'
import { toJson } from '../internal/outcome.js'
import { migrateStore, STORE_HELP, STORE_OPTIONS } from '../internal/open-store.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync migrate [options]

Creates groupsync's schema and applies the migrations it lacks, in one transaction. Safe to run
again (it applies nothing) and from several processes at once.

Options:
  --json       print JSON
  -h, --help   show this help

${STORE_HELP}`

/** `groupsync migrate`: apply the store's SQL migrations. */
export const migrateCommand: Command = {
  name: 'migrate',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseCommand('migrate', () =>
      parseArgs({
        args: [...args],
        options: {
          json: { type: 'boolean' },
          ...STORE_OPTIONS,
        },
        strict: true,
      }),
    )
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
    return EXIT_CODES.ok
  },
}
