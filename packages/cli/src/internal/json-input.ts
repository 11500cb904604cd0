import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { decodeWith, formatJsonPointer, type DecodeFailure } from '@groupsync/claims'
import type { Either } from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { CliError } from './cli-error.js'

/**
 * An input of a command: what a message calls it, and the option it comes from, which is the
 * first name of the JSON Pointer of an error about it (`/org-groups/0/id`), as if the command's
 * options were an object whose file options hold their file's JSON.
 */
export interface CliInput {
  readonly label: string
  readonly option: string
}

/** Reads a text file named on the command line (an ID token, a JSON file), trimmed. */
export async function readTextFile(path: string, cwd: string, input: CliInput): Promise<string> {
  try {
    return (await readFile(resolve(cwd, path), 'utf8')).trim()
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `Cannot read ${input.label} from ${JSON.stringify(path)}: ${(error as Error).message}. Check the path.`,
      { path: formatJsonPointer([input.option]), cause: error },
    )
  }
}

/** Parses the text of a JSON input; `source` names it in the error (a file, a URL). */
export function parseJson(text: string, source: string, input: CliInput): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `${capitalised(input.label)} in ${JSON.stringify(source)} is not valid JSON (${(error as Error).message}); fix it.`,
      { path: formatJsonPointer([input.option]), cause: error },
    )
  }
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** An offending value as a message shows it: short, and only scalars verbatim. */
function shown(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value)
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value)
  }
  if (value === undefined) return 'missing'
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** io-ts's names of its own codecs, as a message says them. */
const PLAIN_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
}

/**
 * The CLI's error for a JSON input that is not what its codec takes: `CLI_INPUT_INVALID`, with
 * `path` the JSON Pointer of the offending place under its option (`/org-groups/0/id`), the
 * source named in the message, and the offending value in `value`.
 */
const wrongShapeError =
  (source: string, input: CliInput) =>
  (failure: DecodeFailure): CliError => {
    const at = formatJsonPointer(failure.path)
    const where = at === '' ? '' : ` at ${at}`
    const label = capitalised(input.label)
    const message =
      failure.kind === 'unknown-key'
        ? `${label} in ${JSON.stringify(source)} has an unknown field${where}; the fields there are ${failure.known.join(', ')}.`
        : `${label} in ${JSON.stringify(source)}${where} is ${shown(failure.value)}; it must be ${PLAIN_NAMES[failure.expected] ?? failure.expected}. Fix it.`
    return new CliError('CLI_INPUT_INVALID', message, {
      path: formatJsonPointer([input.option, ...failure.path]),
      value: failure.value,
    })
  }

/**
 * Decodes a JSON value with its codec through the claims package's reporter, or throws the CLI's
 * coded error naming the source and the place (see {@link wrongShapeError}) for `main` to report.
 */
export function decodeJson<A>(
  codec: t.Decoder<unknown, A>,
  value: unknown,
  source: string,
  input: CliInput,
): A {
  const decoded: Either<CliError, A> = decodeWith(codec, wrongShapeError(source, input))(value)
  if (decoded._tag === 'Left') throw decoded.left
  return decoded.right
}

/**
 * Reads a JSON file named on the command line and decodes it with its codec: an unreadable file,
 * text that is not JSON and JSON of the wrong shape are each `CLI_INPUT_INVALID`.
 *
 * @example
 * ```ts
 * const groups = await readJsonFile(OrgGroupsFileCodec, 'groups.json', ctx.cwd, {
 *   label: 'the org groups (--org-groups)',
 *   option: 'org-groups',
 * })
 * ```
 */
export async function readJsonFile<A>(
  codec: t.Decoder<unknown, A>,
  path: string,
  cwd: string,
  input: CliInput,
): Promise<A> {
  const text = await readTextFile(path, cwd, input)
  return decodeJson(codec, parseJson(text, path, input), path, input)
}
