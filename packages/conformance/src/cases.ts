import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isLeft } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { Part } from './protocol.js'

/** The vectors the kit carries: `docs/vectors`, copied into `dist/vectors` when it is built. */
const PACKAGED_VECTORS_DIR = fileURLToPath(new URL('./vectors/', import.meta.url))

/**
 * The vectors a run uses unless told otherwise: the kit's own copy (`dist/vectors`, in a built or
 * installed kit), else this repository's `docs/vectors` (from `src/`, as the tests run).
 */
export const DEFAULT_VECTORS_DIR = existsSync(PACKAGED_VECTORS_DIR)
  ? PACKAGED_VECTORS_DIR
  : fileURLToPath(new URL('../../../docs/vectors/', import.meta.url))

/**
 * What a case expects: an output equal to `expected` (for a diff: the five lists, and the slice
 * when the vector gives one), or an error whose `code` and every other member given are equal.
 */
export type Expectation =
  | { readonly kind: 'output'; readonly expected: unknown }
  | { readonly kind: 'error'; readonly expected: Readonly<Record<string, unknown>> }

/** One vector, ready to send: where it comes from, the part it tests, its input and expectation. */
export interface Case {
  /** The vector file, relative to the vectors directory (`diff-rule-07-order.json`, `presets/okta.json`). */
  readonly file: string
  /** The vector's position in its file, from 0. */
  readonly index: number
  readonly name: string
  readonly part: Part
  readonly input: unknown
  readonly expectation: Expectation
}

/** A vector file that does not have the documented shape, with the JSON Pointer of the problem. */
export class VectorFormatError extends Error {
  override readonly name = 'VectorFormatError'
}

/** Codecs whose io-ts context entries are not members of the JSON (see {@link pointerOf}). */
const wrappers = new WeakSet<t.Decoder<unknown, unknown>>()

/**
 * An object codec that refuses members it does not know (`t.exact` would drop them silently, and a
 * misspelt `expectedErorr` would turn a case into one that expects nothing).
 */
function strict<R extends t.Props, O extends t.Props>(name: string, required: R, optional: O) {
  const codec = t.intersection([t.type(required), t.partial(optional)])
  const known = new Set([...Object.keys(required), ...Object.keys(optional)])
  const type = new t.Type<t.TypeOf<typeof codec>, unknown, unknown>(
    name,
    codec.is,
    (input, context) => {
      if (t.UnknownRecord.is(input)) {
        const extra = Object.keys(input).find((key) => !known.has(key))
        if (extra !== undefined) {
          return t.failure(input[extra], t.appendContext(context, extra, t.never, input[extra]))
        }
      }
      return codec.validate(input, context)
    },
    t.identity,
  )
  wrappers.add(type)
  return type
}

const Strings = t.array(t.string)
const ErrorExpectation = t.intersection([t.type({ code: t.string }), t.UnknownRecord])

const DiffFile = strict(
  'DiffFile',
  {
    vectors: t.array(
      strict(
        'DiffVector',
        { name: t.string, rule: t.number, input: t.UnknownRecord },
        {
          expected: strict(
            'DiffExpected',
            { toAdd: Strings, toRemove: Strings, unchanged: Strings, unmatchedClaims: Strings },
            {
              caseOnlyMatches: t.array(strict('Pair', { claim: t.string, group: t.string }, {})),
              slice: Strings,
            },
          ),
          expectedError: ErrorExpectation,
        },
      ),
    ),
  },
  { $schema: t.string, description: t.string },
)

const ClaimsFile = strict(
  'ClaimsFile',
  {
    vectors: t.array(
      strict(
        'ClaimsVector',
        { name: t.string, rule: t.string, input: t.UnknownRecord },
        { expected: t.UnknownRecord, expectedError: ErrorExpectation },
      ),
    ),
  },
  { $schema: t.string, description: t.string },
)

const SyncFile = strict(
  'SyncFile',
  {
    vectors: t.array(
      strict(
        'SyncVector',
        { name: t.string, rule: t.string, input: t.UnknownRecord, expected: t.UnknownRecord },
        {},
      ),
    ),
  },
  { $schema: t.string, description: t.string },
)

const PresetFile = strict(
  'PresetFile',
  {
    preset: t.string,
    claimsOptions: t.UnknownRecord,
    vectors: t.array(
      strict(
        'PresetVector',
        {
          name: t.string,
          input: strict(
            'PresetInput',
            { idToken: t.UnknownRecord },
            { userinfo: t.unknown, options: t.UnknownRecord },
          ),
        },
        { expected: t.UnknownRecord, expectedError: ErrorExpectation },
      ),
    ),
  },
  { $schema: t.string, description: t.string },
)

/** The JSON Pointer of the first problem io-ts found, leaving out the members of intersections. */
function pointerOf(errors: t.Errors): string {
  const context = errors[0]?.context ?? []
  const keys = context
    .slice(1)
    .filter((entry, i) => {
      const parent = context[i]?.type
      // An unknown member is reported under its wrapper as t.never; the wrapper's other entries
      // are its intersection's members.
      return !(
        parent === undefined ||
        parent instanceof t.IntersectionType ||
        parent instanceof t.UnionType ||
        (wrappers.has(parent) && entry.type !== t.never)
      )
    })
    .map((entry) => `/${entry.key.replaceAll('~', '~0').replaceAll('/', '~1')}`)
  return keys.join('')
}

function decode<A>(codec: t.Type<A, unknown>, file: string, dir: string): A {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  } catch (error) {
    throw new VectorFormatError(`${file}: not JSON (${(error as Error).message})`)
  }
  const decoded = codec.decode(json)
  if (isLeft(decoded)) {
    throw new VectorFormatError(
      `${file}: ${pointerOf(decoded.left) || '/'} is not what the vector format allows`,
    )
  }
  return decoded.right
}

function expectation(
  file: string,
  index: number,
  vector: { readonly expected?: unknown; readonly expectedError?: Record<string, unknown> },
): Expectation {
  if ((vector.expected === undefined) === (vector.expectedError === undefined)) {
    throw new VectorFormatError(
      `${file}: /vectors/${index} needs exactly one of "expected" and "expectedError"`,
    )
  }
  return vector.expectedError === undefined
    ? { kind: 'output', expected: vector.expected }
    : { kind: 'error', expected: vector.expectedError }
}

/** Every `.json` file of `dir` whose name matches, sorted by name, schemas left out. */
const filesOf = (dir: string, pattern: RegExp): string[] =>
  readdirSync(dir)
    .filter((file) => pattern.test(file) && !file.endsWith('schema.json'))
    .sort()

/**
 * Reads every vector file of `dir` (`diff-*.json`, `claims-*.json`, `presets/*.json`,
 * `sync-*.json`) into the cases the runner sends, in file order. Throws {@link VectorFormatError} for a file that is not
 * in the documented format, so a broken file never passes as "no vectors".
 */
export function loadCases(dir: string = DEFAULT_VECTORS_DIR): Case[] {
  const cases: Case[] = []
  for (const file of filesOf(dir, /^diff-.*\.json$/)) {
    decode(DiffFile, file, dir).vectors.forEach((vector, index) => {
      cases.push({
        file,
        index,
        name: vector.name,
        part: 'diff',
        input: vector.input,
        expectation: expectation(file, index, vector),
      })
    })
  }
  for (const file of filesOf(dir, /^claims-.*\.json$/)) {
    decode(ClaimsFile, file, dir).vectors.forEach((vector, index) => {
      cases.push({
        file,
        index,
        name: vector.name,
        part: 'claims',
        input: vector.input,
        expectation: expectation(file, index, vector),
      })
    })
  }
  for (const name of filesOf(join(dir, 'presets'), /\.json$/)) {
    const file = `presets/${name}`
    const preset = decode(PresetFile, file, dir)
    preset.vectors.forEach((vector, index) => {
      const { idToken, userinfo, options } = vector.input
      // A preset case is a claim case: the token's claims as already verified, read with the
      // preset's options overridden member by member by the case's own.
      cases.push({
        file,
        index,
        name: vector.name,
        part: 'claims',
        input: {
          idTokenClaims: idToken,
          ...(Object.hasOwn(vector.input, 'userinfo') ? { userinfo } : {}),
          options: { ...preset.claimsOptions, ...options },
        },
        expectation: expectation(file, index, vector),
      })
    })
  }
  for (const file of filesOf(dir, /^sync-.*\.json$/)) {
    // A scenario's outcome is always an output: a denial or an error is its `result`.
    decode(SyncFile, file, dir).vectors.forEach((vector, index) => {
      cases.push({
        file,
        index,
        name: vector.name,
        part: 'sync',
        input: vector.input,
        expectation: { kind: 'output', expected: vector.expected },
      })
    })
  }
  return cases
}
