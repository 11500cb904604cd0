import { STORE_ERROR_CODES, type GroupsyncError } from '@groupsync/core'
import { DENIAL_CODES } from '@groupsync/sync'

/**
 * The exit codes of `groupsync` by name: the one list of the numbers, stable for scripts.
 * {@link EXIT_CODE_TABLE} says what each means; the README and `--help` print that table.
 *
 * @example
 * ```sh
 * groupsync sync … ; [ $? -eq 4 ] && echo "refused by the org's policy"
 * ```
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  invalidInput: 3,
  refused: 4,
  store: 5,
  missingDependency: 6,
} as const

/** The name of an exit code in {@link EXIT_CODES}. */
export type ExitCodeName = keyof typeof EXIT_CODES

/** One row of {@link EXIT_CODE_TABLE}. */
export interface ExitCodeDescription {
  /** Its name in {@link EXIT_CODES}. */
  readonly name: ExitCodeName
  /** The number the process exits with. */
  readonly exitCode: number
  /** What it means, in the words of `--help` and the README. */
  readonly meaning: string
  /** The error codes that end a command with it (none listed for `invalidInput`: every other). */
  readonly errorCodes: readonly string[]
}

/** What each exit code means and which error codes lead to it, from the packages' code lists. */
const DESCRIPTIONS: Readonly<Record<ExitCodeName, Omit<ExitCodeDescription, 'name' | 'exitCode'>>> =
  {
    ok: { meaning: 'done', errorCodes: [] },
    unexpected: {
      meaning: 'unexpected failure (a bug: the stack is printed)',
      errorCodes: ['SYNC_FAILED'],
    },
    usage: {
      meaning: 'usage error: unknown command or option, a missing or invalid value',
      errorCodes: ['CLI_USAGE'],
    },
    invalidInput: {
      meaning:
        'invalid input: an unreadable file, bad JSON or JSON of the wrong shape, an ID token, claim or policy refused',
      errorCodes: [],
    },
    refused: {
      meaning:
        "refused by policy: a sync denied by the org's policy, a manual change refused by the lock",
      errorCodes: [...DENIAL_CODES, 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED'],
    },
    store: {
      meaning:
        'store failure: unreachable, not migrated for these tables, a conflict, no such group, a name taken',
      errorCodes: [...STORE_ERROR_CODES, 'CLI_STORE_NOT_READY'],
    },
    missingDependency: {
      meaning:
        "a package the command needs is not installed (the demo's provider, the embedded store)",
      errorCodes: ['CLI_DEPENDENCY_MISSING', 'STORE_DEPENDENCY_MISSING'],
    },
  }

/**
 * Every exit code of `groupsync` in order, with what it means and the error codes that end a
 * command with it. An error code in no row is an input the command was given that is invalid
 * (`invalidInput`): a file, an ID token, a claim, a policy.
 */
export const EXIT_CODE_TABLE: readonly ExitCodeDescription[] = (
  Object.keys(EXIT_CODES) as ExitCodeName[]
).map((name) => ({ name, exitCode: EXIT_CODES[name], ...DESCRIPTIONS[name] }))

const byErrorCode: ReadonlyMap<string, number> = new Map(
  EXIT_CODE_TABLE.flatMap((row) => row.errorCodes.map((code) => [code, row.exitCode] as const)),
)

/** The exit code for a groupsync error, by its code. */
export const exitCodeOf = (error: GroupsyncError): number =>
  byErrorCode.get(error.code) ?? EXIT_CODES.invalidInput

/** The exit codes as `--help` prints them. */
export const EXIT_CODE_HELP = [
  'Exit codes:',
  ...EXIT_CODE_TABLE.map((row) => `  ${row.exitCode}  ${row.meaning}`),
].join('\n')
