/**
 * The line protocol between the runner and a port (docs/rules.md, "The conformance runner"): one
 * JSON request per line on the port's standard input, one JSON response per line on its standard
 * output, in the same order.
 */

/**
 * What a request asks: `diff` is Part 1 (`computeMembershipDiff` and the rule 11 slice), `claims`
 * is Part 2 (a claim path to parse, or the claim to read from verified claims), `sync` is Part 3
 * (a scenario: a store's state, then a login or an admin operation, and what it did).
 */
export type Part = 'diff' | 'claims' | 'sync'

/** Every part, in the order the runner sends them. */
export const PARTS: readonly Part[] = ['diff', 'claims', 'sync']

/** One request line: the vector's input, unchanged, under an id the response must repeat. */
export interface Request {
  readonly id: string
  readonly part: Part
  readonly input: unknown
}

/** A well-formed response line: either an output or an error, for the request of that id. */
export type Response =
  | { readonly id: string; readonly output: unknown }
  | { readonly id: string; readonly error: Readonly<Record<string, unknown>> & { code: string } }

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads one response line for the request `id`: the response, or why it is malformed (not JSON,
 * not an object, another id, neither or both of `output` and `error`, an error without a code).
 */
export function parseResponse(line: string, id: string): Response | { readonly malformed: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { malformed: `not JSON: ${excerpt(line)}` }
  }
  if (!isRecord(value)) return { malformed: `not a JSON object: ${excerpt(line)}` }
  if (value['id'] !== id) {
    return {
      malformed: `the answer is for id ${json(value['id'])}, not ${JSON.stringify(id)}: ${excerpt(line)}`,
    }
  }
  const hasOutput = Object.hasOwn(value, 'output')
  const hasError = Object.hasOwn(value, 'error')
  if (hasOutput === hasError) {
    return { malformed: `exactly one of "output" and "error" is needed: ${excerpt(line)}` }
  }
  if (hasOutput) return { id, output: value['output'] }
  const error = value['error']
  if (!isRecord(error) || typeof error['code'] !== 'string') {
    return { malformed: `"error" must be an object with a string "code": ${excerpt(line)}` }
  }
  return { id, error: { ...error, code: error['code'] } }
}

/** JSON text of any value; `undefined`, which JSON cannot write, as its name. */
const json = (value: unknown): string => (value === undefined ? 'undefined' : JSON.stringify(value))

const cut = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}…` : text

/** A line as the port wrote it, cut to a readable length. */
export const excerpt = (line: string, max = 160): string => cut(line, max)

/**
 * A value as JSON with every character outside printable ASCII escaped — so that `"\u00e9"` and
 * `"e\u0301"` look different — cut to a readable length.
 */
export const asJson = (value: unknown, max = 160): string =>
  cut(
    json(value).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
    max,
  )
