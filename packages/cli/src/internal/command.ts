import { parseArgs, type ParseArgsConfig } from 'node:util'
import type * as t from 'io-ts'
import type { CliIo } from './cli-io.js'
import { usage } from './cli-error.js'

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo
  /** Writes lines to standard output. */
  readonly out: (...lines: readonly string[]) => void
  /** Writes lines to standard error. */
  readonly err: (...lines: readonly string[]) => void
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** One `groupsync` sub-command. */
export interface Command {
  readonly name: string
  /** The full `--help` text. */
  readonly help: string
  /** Runs the command on its own arguments; resolves with the exit code. */
  readonly run: (args: readonly string[], ctx: CommandContext) => Promise<number>
}

/** What {@link parseCommand} gives: the options' values, and the positional arguments. */
export type ParsedCommand<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean }>
>

/**
 * Parses a command's arguments with node:util `parseArgs`, strictly (an unknown option, or a
 * positional argument where the command takes none, is an error), and turns its errors into
 * `CLI_USAGE` errors that point to the command's `--help`.
 *
 * @example
 * ```ts
 * const { values } = parseCommand('plan', args, { claims: { type: 'string' } })
 * ```
 */
export function parseCommand<const O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: O,
  allowPositionals = false,
): ParsedCommand<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals })
  } catch (error) {
    throw usage(`${(error as Error).message}.`, command)
  }
}

/** Reads a required string option, or fails with a usage error naming it. */
export function required(command: string, value: string | undefined, option: string): string {
  if (value === undefined || value === '')
    throw usage(`The option --${option} is required.`, command)
  return value
}

/** The values a `t.keyof` codec takes, for {@link oneOf}: the codec stays their one list. */
export const keysOf = <K extends string>(codec: t.KeyofType<Record<K, unknown>>): K[] =>
  Object.keys(codec.keys) as K[]

/** Checks that an option's value is one of the allowed ones. */
export function oneOf<T extends string>(
  command: string,
  value: string | undefined,
  option: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw usage(
    `--${option} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`,
    command,
  )
}

/** Parses a non-negative number option. */
export function numberOption(
  command: string,
  value: string | undefined,
  option: string,
): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw usage(`--${option} must be a non-negative number; got ${JSON.stringify(value)}.`, command)
  }
  return n
}
