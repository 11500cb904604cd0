import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  computeMembershipDiff,
  MembershipInputError,
  orgGroupSlice,
  type MembershipDiff,
  type OrgGroup,
} from '../src/index.js'
import type { MembershipDiffOptions } from '../src/compute-membership-diff.js'

// Runs the language-neutral conformance vectors of docs/vectors/diff-*.json (format: the "Vector
// format" section of docs/rules.md). Their expected values were written by hand from the rules, so
// they check the implementation independently of the property tests' oracle.

const vectorsDir = new URL('../../../docs/vectors/', import.meta.url)

interface ExpectedOutcome extends ExpectedDiff {
  /** Rule 11: the slice's ids, in the order of orgGroups. */
  readonly slice?: readonly string[]
}

interface ExpectedDiff {
  readonly toAdd: readonly string[]
  readonly toRemove: readonly string[]
  readonly unchanged: readonly string[]
  readonly unmatchedClaims: readonly string[]
  readonly caseOnlyMatches: readonly { readonly claim: string; readonly group: string }[]
}

interface Vector {
  readonly name: string
  readonly rule: number
  readonly input: {
    readonly claimGroups: readonly string[]
    readonly orgGroups: readonly OrgGroup[]
    readonly current: readonly string[]
    readonly options: MembershipDiffOptions
  }
  readonly outcome:
    | { readonly kind: 'diff'; readonly expected: ExpectedOutcome }
    | {
        readonly kind: 'error'
        readonly code: string
        readonly path: string
        /** A repeated id, or the invalid match mode as given (any JSON value). */
        readonly value: unknown
      }
}

/** A vector file that does not have the documented shape fails loudly, naming the bad path. */
class VectorFormatError extends Error {}

type Json = Record<string, unknown>

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)

function object(x: unknown, path: string): Json {
  if (!isObject(x)) throw new VectorFormatError(`${path}: expected an object`)
  return x
}

function string(x: unknown, path: string): string {
  if (typeof x !== 'string') throw new VectorFormatError(`${path}: expected a string`)
  return x
}

function array(x: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(x)) throw new VectorFormatError(`${path}: expected an array`)
  return x
}

const strings = (x: unknown, path: string): string[] =>
  array(x, path).map((s, i) => string(s, `${path}[${i}]`))

function orgGroup(x: unknown, path: string): OrgGroup {
  const g = object(x, path)
  string(g.id, `${path}.id`)
  string(g.name, `${path}.name`)
  return g as Json & OrgGroup
}

function options(x: unknown, path: string): MembershipDiffOptions {
  const o = object(x, path)
  const unknown = Object.keys(o).find((key) => key !== 'match')
  if (unknown !== undefined) throw new VectorFormatError(`${path}.${unknown}: unknown option`)
  // Any JSON value, null included, is passed on as given: rule 8's vectors hold invalid modes
  // that the diff must refuse with MATCH_MODE_INVALID.
  return Object.hasOwn(o, 'match') ? ({ match: o.match } as MembershipDiffOptions) : {}
}

function expectedDiff(x: unknown, path: string): ExpectedOutcome {
  const e = object(x, path)
  return {
    ...(e.slice === undefined ? {} : { slice: strings(e.slice, `${path}.slice`) }),
    toAdd: strings(e.toAdd, `${path}.toAdd`),
    toRemove: strings(e.toRemove, `${path}.toRemove`),
    unchanged: strings(e.unchanged, `${path}.unchanged`),
    unmatchedClaims: strings(e.unmatchedClaims, `${path}.unmatchedClaims`),
    // Absent means none (docs/rules.md, Vector format).
    caseOnlyMatches: array(e.caseOnlyMatches ?? [], `${path}.caseOnlyMatches`).map((p, i) => {
      const pair = object(p, `${path}.caseOnlyMatches[${i}]`)
      return {
        claim: string(pair.claim, `${path}.caseOnlyMatches[${i}].claim`),
        group: string(pair.group, `${path}.caseOnlyMatches[${i}].group`),
      }
    }),
  }
}

function vector(x: unknown, path: string): Vector {
  const v = object(x, path)
  const input = object(v.input, `${path}.input`)
  const rule = v.rule
  if (typeof rule !== 'number' || !Number.isInteger(rule) || rule < 1 || rule > 11) {
    throw new VectorFormatError(`${path}.rule: expected an integer from 1 to 11`)
  }
  let outcome: Vector['outcome']
  if (v.expected !== undefined && v.expectedError === undefined) {
    outcome = { kind: 'diff', expected: expectedDiff(v.expected, `${path}.expected`) }
  } else if (v.expectedError !== undefined && v.expected === undefined) {
    const e = object(v.expectedError, `${path}.expectedError`)
    if (!Object.hasOwn(e, 'value')) {
      throw new VectorFormatError(`${path}.expectedError.value: missing`)
    }
    outcome = {
      kind: 'error',
      code: string(e.code, `${path}.expectedError.code`),
      path: string(e.path, `${path}.expectedError.path`),
      value: e.value,
    }
  } else {
    throw new VectorFormatError(`${path}: expected exactly one of "expected" and "expectedError"`)
  }
  return {
    name: string(v.name, `${path}.name`),
    rule,
    input: {
      claimGroups: strings(input.claimGroups, `${path}.input.claimGroups`),
      orgGroups: array(input.orgGroups, `${path}.input.orgGroups`).map((g, i) =>
        orgGroup(g, `${path}.input.orgGroups[${i}]`),
      ),
      current: strings(input.current, `${path}.input.current`),
      options: options(input.options, `${path}.input.options`),
    },
    outcome,
  }
}

const files = readdirSync(vectorsDir)
  .filter((f) => /^diff-.*\.json$/.test(f))
  .sort()

const vectorsByFile = files.map((file) => {
  const parsed: unknown = JSON.parse(readFileSync(fileURLToPath(new URL(file, vectorsDir)), 'utf8'))
  const list = array(object(parsed, file).vectors, `${file}.vectors`)
  return { file, vectors: list.map((v, i) => vector(v, `${file}.vectors[${i}]`)) }
})
const allVectors = vectorsByFile.flatMap((f) => f.vectors)

/** The diff with every group written as its id, as the vectors write it. */
function byId(diff: MembershipDiff): ExpectedDiff {
  const ids = (groups: readonly OrgGroup[]) => groups.map((g) => g.id)
  return {
    toAdd: ids(diff.toAdd),
    toRemove: ids(diff.toRemove),
    unchanged: ids(diff.unchanged),
    unmatchedClaims: diff.unmatchedClaims,
    caseOnlyMatches: diff.caseOnlyMatches.map((p) => ({ claim: p.claim, group: p.group.id })),
  }
}

describe('conformance vectors (docs/vectors/diff-*.json)', () => {
  it('has at least 40 vectors, at least 2 for each rule 1-10 and 4 for rule 11, with unique names', () => {
    expect(allVectors.length).toBeGreaterThanOrEqual(40)
    for (let rule = 1; rule <= 10; rule++) {
      expect(allVectors.filter((v) => v.rule === rule).length).toBeGreaterThanOrEqual(2)
    }
    expect(
      allVectors.filter(
        (v) => v.rule === 11 && v.outcome.kind === 'diff' && v.outcome.expected.slice !== undefined,
      ).length,
    ).toBeGreaterThanOrEqual(4)
    expect(new Set(allVectors.map((v) => v.name)).size).toBe(allVectors.length)
  })

  for (const { file, vectors } of vectorsByFile) {
    describe(file, () => {
      for (const v of vectors) {
        const { claimGroups, orgGroups, current, options: opts } = v.input
        const run = () => computeMembershipDiff(claimGroups, orgGroups, current, opts)

        if (v.outcome.kind === 'error') {
          const { code, path, value } = v.outcome
          it(v.name, () => {
            let caught: unknown
            try {
              run()
            } catch (error) {
              caught = error
            }
            expect(caught).toBeInstanceOf(MembershipInputError)
            expect((caught as MembershipInputError).code).toBe(code)
            expect((caught as MembershipInputError).path).toBe(path)
            expect((caught as MembershipInputError).value).toEqual(value)
          })
        } else {
          const { expected } = v.outcome
          it(v.name, () => {
            const diff = run()
            const { slice, ...lists } = expected
            // toEqual on arrays checks the exact order of every list (rule 7).
            expect(byId(diff)).toEqual(lists)
            // Rule 11, on every vector: the diff over the slice is the diff over the org.
            const sliced = orgGroupSlice(claimGroups, orgGroups, current)
            if (slice !== undefined) expect(sliced.map((g) => g.id)).toEqual(slice)
            expect(byId(computeMembershipDiff(claimGroups, sliced, current, opts))).toEqual(lists)
            // The lists hold the caller's own objects, extra fields and all (rule 7).
            const passed = new Set<OrgGroup>(orgGroups)
            const handedBack = [
              ...diff.toAdd,
              ...diff.toRemove,
              ...diff.unchanged,
              ...diff.caseOnlyMatches.map((p) => p.group),
            ]
            for (const g of handedBack) expect(passed.has(g)).toBe(true)
          })
        }
      }
    })
  }
})
