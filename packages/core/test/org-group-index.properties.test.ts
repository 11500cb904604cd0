import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  computeMembershipDiff,
  MembershipInputError,
  type MatchMode,
  type MembershipDiff,
  type OrgGroup,
} from '../src/index.js'
import { indexOrgGroups, isOrgGroupIndex, type OrgGroupIndex } from '../src/org-group-index.js'
import { diffInputArb, nameArb } from './arbitraries.js'

// The index is an optimisation only: docs/rules.md Part 1 says every output given an index is
// identical to the output given the array. These properties are that statement; CI runs each at
// least 1,000 times.
const runs = { numRuns: 1000 }
const matchModeArb = fc.constantFrom<MatchMode>('exact', 'case-insensitive')

/** Org groups whose ids often collide (rule 8), with an extra field to follow object identity. */
const maybeDuplicateGroupsArb = fc.array(
  fc.record({
    id: fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8'),
    name: nameArb,
    extra: fc.nat(),
  }),
  { maxLength: 10 },
)

const claimArb = (groups: readonly OrgGroup[]) =>
  fc.array(fc.oneof(nameArb, fc.constantFrom(...groups.map((g) => g.name), 'x')), {
    maxLength: 12,
  })
const currentArb = (groups: readonly OrgGroup[]) =>
  fc.array(fc.constantFrom(...groups.map((g) => g.id), 'other-org-1', 'other-org-2'), {
    maxLength: 12,
  })

type Outcome = { readonly diff: MembershipDiff } | { readonly error: unknown }

const outcome = (f: () => MembershipDiff): Outcome => {
  try {
    return { diff: f() }
  } catch (error) {
    return { error }
  }
}

/** Same lists, same order, and the very same group objects (rule 7), not just equal ones. */
const expectIdentical = (actual: MembershipDiff, expected: MembershipDiff): void => {
  expect(actual).toStrictEqual(expected)
  for (const list of ['toAdd', 'toRemove', 'unchanged'] as const) {
    actual[list].forEach((g, i) => {
      expect(g).toBe(expected[list][i])
    })
  }
  actual.caseOnlyMatches.forEach((p, i) => {
    expect(p.group).toBe(expected.caseOnlyMatches[i]?.group)
  })
}

const expectSameError = (actual: unknown, expected: unknown): void => {
  expect(expected).toBeInstanceOf(MembershipInputError)
  expect(actual).toBeInstanceOf(MembershipInputError)
  const [a, e] = [actual as MembershipInputError, expected as MembershipInputError]
  expect({ code: a.code, path: a.path, value: a.value, message: a.message }).toEqual({
    code: e.code,
    path: e.path,
    value: e.value,
    message: e.message,
  })
}

describe('indexOrgGroups properties', () => {
  test.prop([diffInputArb, matchModeArb], runs)(
    'the diff given an index is identical to the diff given the array',
    ({ claimGroups, orgGroups, current }, match) => {
      const rich = orgGroups.map((g) => ({ ...g, extra: { tag: g.id } }))
      const fromArray = computeMembershipDiff(claimGroups, rich, current, { match })
      const fromIndex = computeMembershipDiff(claimGroups, indexOrgGroups(rich), current, {
        match,
      })
      expectIdentical(fromIndex, fromArray)
    },
  )

  test.prop(
    [
      maybeDuplicateGroupsArb.chain((groups) =>
        fc.tuple(fc.constant(groups), claimArb(groups), currentArb(groups)),
      ),
      matchModeArb,
    ],
    runs,
  )(
    'with duplicate ids, building the index throws the error the array form throws (rule 8)',
    ([orgGroups, claimGroups, current], match) => {
      const fromArray = outcome(() =>
        computeMembershipDiff(claimGroups, orgGroups, current, { match }),
      )
      const fromIndex = outcome(() =>
        computeMembershipDiff(claimGroups, indexOrgGroups(orgGroups), current, { match }),
      )
      if ('error' in fromArray) {
        expect('error' in fromIndex).toBe(true)
        if ('error' in fromIndex) expectSameError(fromIndex.error, fromArray.error)
        return
      }
      expect('diff' in fromIndex).toBe(true)
      if ('diff' in fromIndex) expectIdentical(fromIndex.diff, fromArray.diff)
    },
  )

  test.prop(
    [
      diffInputArb.chain((input) =>
        fc.tuple(
          fc.constant(input.orgGroups),
          fc.array(fc.tuple(claimArb(input.orgGroups), currentArb(input.orgGroups)), {
            minLength: 1,
            maxLength: 5,
          }),
        ),
      ),
      matchModeArb,
    ],
    runs,
  )(
    'one index serves many logins, each identical to the array form',
    ([orgGroups, logins], match) => {
      const index = indexOrgGroups(orgGroups)
      for (const [claimGroups, current] of logins) {
        expectIdentical(
          computeMembershipDiff(claimGroups, index, current, { match }),
          computeMembershipDiff(claimGroups, orgGroups, current, { match }),
        )
      }
    },
  )
})

describe('indexOrgGroups', () => {
  const groups = [
    { id: 'g1', name: 'dev' },
    { id: 'g2', name: 'Dev' },
    { id: 'g3', name: 'ops' },
  ]

  it('diffs like the array form on the example of rule 10', () => {
    const index = indexOrgGroups(groups)
    const diff = computeMembershipDiff(['DEV', 'ops', 'x'], index, ['g2', 'g3', 'other'])
    expect(diff.toAdd).toEqual([])
    expect(diff.unchanged).toEqual([groups[2]])
    expect(diff.toRemove).toEqual([groups[1]])
    expect(diff.unmatchedClaims).toEqual(['DEV', 'x'])
    expect(diff.caseOnlyMatches).toEqual([
      { claim: 'DEV', group: groups[1] },
      { claim: 'DEV', group: groups[0] },
    ])
  })

  it('keeps the groups it was built from: later changes to the array do not reach it', () => {
    const source = [...groups]
    const index = indexOrgGroups(source)
    source.push({ id: 'g4', name: 'qa' })
    source.shift()
    expect(index.groups).toEqual(groups)
    expect(Object.isFrozen(index.groups)).toBe(true)
    expect(Object.isFrozen(index)).toBe(true)
    expect(computeMembershipDiff(['qa', 'dev'], index, []).toAdd).toEqual([groups[0]])
  })

  it('looks groups up by id', () => {
    const index = indexOrgGroups(groups)
    expect(index.get('g2')).toBe(groups[1])
    expect(index.has('g3')).toBe(true)
    expect(index.get('G2')).toBeUndefined()
    expect(index.has('other')).toBe(false)
  })

  it('refuses duplicate ids when built, naming the first repeated id', () => {
    const dup = [
      { id: 'a', name: 'x' },
      { id: 'b', name: 'y' },
      { id: 'b', name: 'z' },
      { id: 'a', name: 'w' },
    ]
    expect(() => indexOrgGroups(dup)).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_GROUP_ID', path: 'orgGroups', value: 'b' }),
    )
  })

  it('tells an index from an array or a look-alike, which cannot skip the id check', () => {
    const index = indexOrgGroups(groups)
    expect(isOrgGroupIndex(index)).toBe(true)
    expect(isOrgGroupIndex(groups)).toBe(false)
    const lookAlike = { ...index } as OrgGroupIndex
    expect(isOrgGroupIndex(lookAlike)).toBe(false)
  })

  it('keeps rule 8 for the array form', () => {
    expect(() =>
      computeMembershipDiff(
        [],
        [
          { id: 'a', name: 'x' },
          { id: 'a', name: 'y' },
        ],
        [],
      ),
    ).toThrow(expect.objectContaining({ code: 'DUPLICATE_GROUP_ID', value: 'a' }))
  })
})
