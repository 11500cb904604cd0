import { readdirSync, readFileSync } from 'node:fs'
import * as t from 'io-ts'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import { describe, expect, it } from 'vitest'
import { extractGroupsClaim, parseClaimPath, type GroupsClaimOptions } from '../src/index.js'
import { expectError, expectRight } from './helpers.js'

// Runs the language-neutral conformance vectors of docs/vectors/claims-*.json (format: the
// "Claim vector format" section of docs/rules.md, Part 2). Their expected values were written
// from the rules, independently of the implementation.

const vectorsDir = new URL('../../../docs/vectors/', import.meta.url)

const ExpectedError = t.intersection([
  t.type({ code: t.string }),
  t.partial({ path: t.string, index: t.number, value: t.string, source: t.string }),
])
const Outcome = t.union([
  t.type({ expected: t.UnknownRecord }),
  t.type({ expectedError: ExpectedError }),
])
const Vector = t.intersection([
  t.type({
    name: t.string,
    rule: t.string,
    input: t.union([
      t.type({ path: t.string }),
      t.intersection([
        // Any JSON value: rule C9's vectors pass options that are not an object on purpose.
        t.type({ idTokenClaims: t.unknown, options: t.unknown }),
        t.partial({ userinfo: t.unknown }),
      ]),
    ]),
  }),
  Outcome,
])
const VectorFile = t.type({ description: t.string, vectors: t.array(Vector) })
type Vector = t.TypeOf<typeof Vector>

/** A vector file that does not have the documented shape fails loudly, naming the bad field. */
function load(file: string): readonly Vector[] {
  const decoded = VectorFile.decode(JSON.parse(readFileSync(new URL(file, vectorsDir), 'utf8')))
  if (decoded._tag === 'Left') {
    throw new Error(`${file}: ${PathReporter.report(decoded).join('; ')}`)
  }
  return decoded.right.vectors
}

function run(vector: Vector): void {
  const { input } = vector
  const result =
    'path' in input
      ? parseClaimPath(input.path)
      : extractGroupsClaim(
          'userinfo' in input
            ? {
                idTokenClaims: input.idTokenClaims as Record<string, unknown>,
                userinfo: input.userinfo,
              }
            : { idTokenClaims: input.idTokenClaims as Record<string, unknown> },
          input.options as GroupsClaimOptions,
        )
  if ('expected' in vector) {
    const actual = expectRight<unknown>(result)
    expect('path' in input ? { segments: actual } : actual).toEqual(vector.expected)
  } else {
    const error = expectError(result)
    const { code, ...fields } = vector.expectedError
    expect(error.code).toBe(code)
    for (const [field, value] of Object.entries(fields)) {
      expect(error[field as keyof typeof error], field).toEqual(value)
    }
  }
}

const files = readdirSync(vectorsDir)
  .filter((file) => /^claims-.*\.json$/.test(file) && file !== 'claims-schema.json')
  .sort()
const all = files.flatMap((file) => load(file).map((vector) => ({ file, vector })))

describe('claim conformance vectors (docs/vectors/claims-*.json)', () => {
  it('there are vectors for every rule with vectors, and their names are unique', () => {
    expect(all.length).toBeGreaterThanOrEqual(60)
    const rules = new Set(all.map(({ vector }) => vector.rule))
    const byNumber = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1))
    expect([...rules].sort(byNumber)).toEqual([
      'C2',
      'C3',
      'C4',
      'C5',
      'C6',
      'C7',
      'C9',
      'C10',
      'C11',
      'C12',
      'C13',
      'C14',
    ])
    // Each rule added with the claim-value mapping has at least two vectors.
    for (const rule of ['C10', 'C11', 'C12', 'C13', 'C14']) {
      expect(all.filter(({ vector }) => vector.rule === rule).length, rule).toBeGreaterThanOrEqual(
        2,
      )
    }
    expect(new Set(all.map(({ vector }) => vector.name)).size).toBe(all.length)
  })

  describe.each(files)('%s', (file) => {
    it.each(
      all
        .filter((entry) => entry.file === file)
        .map(({ vector }) => [vector.name, vector] as const),
    )('%s', (_name, vector) => {
      run(vector)
    })
  })
})
