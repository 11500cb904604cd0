import { GroupsyncError } from '@groupsync/core'
import { DENIAL_CODES } from '@groupsync/sync'

/** Codes of the CLI's own errors. */
export type CliErrorCode = 'CLI_USAGE' | 'CLI_INPUT_INVALID' | 'CLI_DEPENDENCY_MISSING'

/**
 * A command line the CLI cannot run (`CLI_USAGE`), an input file it cannot read
 * (`CLI_INPUT_INVALID`), or an optional package a command needs that is not installed
 * (`CLI_DEPENDENCY_MISSING`, the package's name in `value`).
 */
export class CliError extends GroupsyncError<CliErrorCode> {
  readonly _tag = 'CliError'
}

/** Makes a `CLI_USAGE` error whose message ends with where to find help. */
export const usage = (message: string, command?: string): CliError =>
  new CliError(
    'CLI_USAGE',
    `${message} Run \`groupsync ${command === undefined ? '' : `${command} `}--help\` for the usage.`,
  )

/**
 * The exit codes of `groupsync`, documented in its README and `--help`.
 *
 * @example
 * ```sh
 * groupsync sync … ; [ $? -eq 4 ] && echo "refused by the org's policy"
 * ```
 */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** An unexpected failure (a bug): the message and stack are printed. */
  unexpected: 1,
  /** The command line is wrong: unknown command or option, a missing or invalid value. */
  usage: 2,
  /** An input is invalid: a file unreadable or not the expected JSON, an ID token or claim refused. */
  invalidInput: 3,
  /** Refused by policy: a sync denied by the org's policy, a manual change refused by the lock. */
  refused: 4,
  /** The store failed: unreachable, a conflict, or a group that does not exist. */
  store: 5,
  /** A package the command needs is not installed (the demo's provider, the embedded store). */
  missingDependency: 6,
} as const

const REFUSED: ReadonlySet<string> = new Set([
  ...DENIAL_CODES,
  'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
])

const STORE = new Set([
  'STORE_UNAVAILABLE',
  'STORE_CONFLICT',
  'STORE_INVALID_INPUT',
  'STORE_TIMEOUT',
  'STORE_OUTCOME_UNKNOWN',
  'GROUP_NOT_FOUND',
  'GROUP_NAME_TAKEN',
])

const MISSING_DEPENDENCY = new Set(['CLI_DEPENDENCY_MISSING', 'STORE_DEPENDENCY_MISSING'])

/** The exit code for a groupsync error, by its code. */
export function exitCodeOf(error: GroupsyncError): number {
  if (error.code === 'CLI_USAGE') return EXIT_CODES.usage
  if (MISSING_DEPENDENCY.has(error.code)) return EXIT_CODES.missingDependency
  if (REFUSED.has(error.code)) return EXIT_CODES.refused
  if (STORE.has(error.code)) return EXIT_CODES.store
  if (error.code === 'SYNC_FAILED') return EXIT_CODES.unexpected
  return EXIT_CODES.invalidInput
}
