import { GroupsyncError } from '@groupsync/core'
import { usage } from './internal/cli-error.js'
import { lines, type CliIo } from './internal/cli-io.js'
import type { Command, CommandContext } from './internal/command.js'
import { EXIT_CODE_HELP, EXIT_CODES, exitCodeOf } from './internal/exit-codes.js'
import { hintFor } from './internal/hints.js'
import { renderTable } from './internal/table.js'

/**
 * The commands by name, each loaded only when it runs (or shows its help): `groupsync audit` never
 * loads the demo's OpenID Provider, and `groupsync plan` never loads a database driver.
 */
interface CommandEntry {
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  readonly load: () => Promise<Command>
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'demo',
    summary:
      'run the whole story on loopback: a real OIDC provider, two logins, the lock, the audit log',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  {
    name: 'plan',
    summary: 'show what a login would change, from JSON files (no store)',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  {
    name: 'sync',
    summary: "sync one user's memberships from a verified ID token, against a store",
    load: async () => (await import('./commands/sync.js')).syncCommand,
  },
  {
    name: 'stale',
    summary: 'list users whose last login sync is older than a time',
    load: async () => (await import('./commands/stale.js')).staleCommand,
  },
  {
    name: 'migrate',
    summary: "create or update groupsync's tables in the store",
    load: async () => (await import('./commands/migrate.js')).migrateCommand,
  },
  {
    name: 'groups',
    summary: "list, create, rename or delete an organisation's groups",
    load: async () => (await import('./commands/groups.js')).groupsCommand,
  },
  {
    name: 'mapping',
    summary: "show or switch an organisation's group mapping (audited)",
    load: async () => (await import('./commands/mapping.js')).mappingCommand,
  },
  {
    name: 'members',
    summary: "list a group's members, or add or remove one by hand (refused while mapping is on)",
    load: async () => (await import('./commands/members.js')).membersCommand,
  },
  {
    name: 'remove-user',
    summary: 'offboard a user: remove all their memberships in an organisation (audited)',
    load: async () => (await import('./commands/remove-user.js')).removeUserCommand,
  },
  {
    name: 'audit',
    summary: "print an organisation's audit log",
    load: async () => (await import('./commands/audit.js')).auditCommand,
  },
]

function mainHelp(): string {
  return [
    'Usage: groupsync <command> [options]',
    '',
    "Maps the groups claim of an OpenID Connect login onto an organisation's groups.",
    '',
    'Commands:',
    ...renderTable(
      ['command', 'what it does'],
      COMMANDS.map((c) => [c.name, c.summary]),
      '  ',
    ).slice(2),
    '',
    'Run `groupsync <command> --help` for the options of a command.',
    '',
    EXIT_CODE_HELP,
  ].join('\n')
}

/**
 * Runs the `groupsync` command line in-process: `argv` without the node and script paths, output
 * through `io`. Resolves with the exit code (see {@link EXIT_CODES}); never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await main(['plan', '--claims', 'c.json', '--org-groups', 'g.json', '--current', 'm.json'], {
 *   stdout: (t) => process.stdout.write(t),
 *   stderr: (t) => process.stderr.write(t),
 * })
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CommandContext = {
    io,
    out: lines(io.stdout),
    err: lines(io.stderr),
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? {},
  }
  const [name, ...args] = argv
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      ctx.out(mainHelp())
      return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok
    }
    const entry = COMMANDS.find((c) => c.name === name)
    if (entry === undefined) throw usage(`Unknown command ${JSON.stringify(name)}.`)
    const command = await entry.load()
    if (args.includes('--help') || args.includes('-h')) {
      ctx.out(command.help, '', EXIT_CODE_HELP)
      return EXIT_CODES.ok
    }
    return await command.run(args, ctx)
  } catch (error) {
    return reportError(error, ctx)
  }
}

/** Prints an error as `error CODE: message` plus what to do, and gives its exit code. */
export function reportError(error: unknown, ctx: CommandContext): number {
  if (error instanceof GroupsyncError) {
    // `instanceof` narrows to GroupsyncError<any>; every groupsync error's code is a string.
    const coded = error as GroupsyncError
    ctx.err(`error ${coded.code}: ${coded.message}`)
    const hint = hintFor(coded.code)
    if (hint !== undefined) ctx.err(`what to do: ${hint}`)
    return exitCodeOf(coded)
  }
  ctx.err(
    `error UNEXPECTED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    'what to do: this is a bug in groupsync; please report it with the command you ran.',
  )
  return EXIT_CODES.unexpected
}
