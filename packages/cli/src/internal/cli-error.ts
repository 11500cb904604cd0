import { GroupsyncError } from '@groupsync/core'

/** The codes of the CLI's own errors, once; {@link CliErrorCode} derives from them. */
export const CLI_ERROR_CODES = [
  'CLI_USAGE',
  'CLI_INPUT_INVALID',
  'CLI_DEPENDENCY_MISSING',
  'CLI_STORE_NOT_READY',
] as const

/** A code of a {@link CliError}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number]

/**
 * A command line the CLI cannot run (`CLI_USAGE`), an input file it cannot read or that is not
 * the JSON it takes (`CLI_INPUT_INVALID`, with `path` the JSON Pointer of the place: its option,
 * then the place in the option's file, as in `/org-groups/0/id`), or an
 * optional package a command needs that is not installed (`CLI_DEPENDENCY_MISSING`, the package's
 * name in `value`), or a store schema that does not hold the tables the command was told to use
 * (`CLI_STORE_NOT_READY`, the schema in `value`).
 */
export class CliError extends GroupsyncError<CliErrorCode> {
  /** Tells a CliError from the other groupsync errors in a union. */
  readonly _tag = 'CliError'
}

/** Makes a `CLI_USAGE` error whose message ends with where to find help. */
export const usage = (message: string, command?: string): CliError =>
  new CliError(
    'CLI_USAGE',
    `${message} Run \`groupsync ${command === undefined ? '' : `${command} `}--help\` for the usage.`,
  )
