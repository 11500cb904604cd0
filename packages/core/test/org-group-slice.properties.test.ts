import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import {
  compareCodeUnits,
  computeMembershipDiff,
  orgGroupSlice,
  sliceKey,
  type MatchMode,
  type MembershipDiff,
  type OrgGroup,
} from '../src/index.js'
import { claimSliceKeys } from '../src/org-group-slice.js'
import { diffInputArb } from './arbitraries.js'

// Rule 11 of docs/rules.md: the slice of an organisation's groups for a login holds every group
// that can change the diff. These properties are the rule's executable statement; each runs at
// least 1,000 generated cases, in both match modes, with shared names, names equal up to case and
// current ids of other organisations (diffInputArb).
const runs = { numRuns: 1000 }
const matchModeArb = fc.constantFrom<MatchMode>('exact', 'case-insensitive')

/** Same lists in the same order, holding the very same group objects (rule 7). */
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

/** The org's groups with a random subset of the groups outside the slice, in a random order. */
const supersetArb = fc.tuple(diffInputArb, matchModeArb).chain(([input, match]) => {
  const slice = new Set(orgGroupSlice(input.claimGroups, input.orgGroups, input.current))
  const others = input.orgGroups.filter((g) => !slice.has(g))
  return fc.record({
    input: fc.constant(input),
    match: fc.constant(match),
    superset: fc
      .subarray(others)
      .chain((extra) =>
        fc.shuffledSubarray([...slice, ...extra], { minLength: slice.size + extra.length }),
      ),
  })
})

describe('rule 11: the slice of the org a login reads', () => {
  test.prop([diffInputArb, matchModeArb], runs)(
    'the diff over the slice equals the diff over the whole organisation, every list in order',
    ({ claimGroups, orgGroups, current }, match) => {
      const slice = orgGroupSlice(claimGroups, orgGroups, current)
      expectIdentical(
        computeMembershipDiff(claimGroups, slice, current, { match }),
        computeMembershipDiff(claimGroups, orgGroups, current, { match }),
      )
    },
  )

  test.prop([supersetArb], runs)(
    'any list of org groups that holds the slice, in any order, gives the same diff',
    ({ input: { claimGroups, orgGroups, current }, match, superset }) => {
      expectIdentical(
        computeMembershipDiff(claimGroups, superset, current, { match }),
        computeMembershipDiff(claimGroups, orgGroups, current, { match }),
      )
    },
  )

  test.prop([diffInputArb], runs)(
    'a group is in the slice exactly when its key is a claim key or the user is a member',
    ({ claimGroups, orgGroups, current }) => {
      const keys = claimSliceKeys(claimGroups)
      const slice = new Set<OrgGroup>(orgGroupSlice(claimGroups, orgGroups, current))
      for (const g of orgGroups) {
        const named = claimGroups.some((c) => c.toLowerCase() === g.name.toLowerCase())
        expect(slice.has(g)).toBe(named || current.includes(g.id))
        expect(keys.includes(sliceKey(g.name))).toBe(named)
      }
      // The keys: each entry lower-cased, once, in code-unit order.
      expect(keys).toEqual(
        [...new Set(claimGroups.map((c) => c.toLowerCase()))].sort(compareCodeUnits),
      )
      // The slice keeps the order of orgGroups.
      expect(orgGroupSlice(claimGroups, orgGroups, current)).toEqual(
        orgGroups.filter((g) => slice.has(g)),
      )
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'every group the diff lists or reports is in the slice',
    ({ claimGroups, orgGroups, current }, match) => {
      // The direct reading of the rule: what the diff decides on, it finds in the slice.
      const slice = orgGroupSlice(claimGroups, orgGroups, current)
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const decided = new Set<OrgGroup>([
        ...diff.toAdd,
        ...diff.toRemove,
        ...diff.unchanged,
        ...diff.caseOnlyMatches.map((p) => p.group),
      ])
      for (const g of decided) expect(slice).toContain(g)
    },
  )
})
