import { describe, expect, it } from 'vitest'
import { computeMembershipDiff, type MatchMode, type OrgGroup } from '../src/index.js'
import { indexOrgGroups } from '../src/org-group-index.js'

// Rule 7 and rule 1 through the validated org index: the same lists, in the same order, as the
// array gives, in both match modes (docs/rules.md Part 1, "an optimisation, not a rule").

const groups: OrgGroup[] = [
  { id: 'g4', name: 'sales' },
  { id: 'g3', name: 'Dev' },
  { id: 'g2', name: 'dev' },
  { id: 'g1', name: 'ops' },
  { id: 'g5', name: 'OPS' },
]

const both = (claims: string[], current: string[], match: MatchMode) => {
  const fromArray = computeMembershipDiff(claims, groups, current, { match })
  const fromIndex = computeMembershipDiff(claims, indexOrgGroups(groups), current, { match })
  expect(fromIndex).toStrictEqual(fromArray)
  return fromIndex
}

const names = (list: readonly OrgGroup[]) => list.map((g) => `${g.name}:${g.id}`)

describe('the diff given an index', () => {
  it('lists adds, removals and stays sorted by name then id, whatever the claim order', () => {
    const diff = both(['sales', 'ops', 'dev', 'zzz', 'aaa'], ['g4', 'g5', 'g3'], 'exact')
    expect(names(diff.toAdd)).toEqual(['dev:g2', 'ops:g1'])
    expect(names(diff.toRemove)).toEqual(['Dev:g3', 'OPS:g5'])
    expect(names(diff.unchanged)).toEqual(['sales:g4'])
    expect(diff.unmatchedClaims).toEqual(['aaa', 'zzz'])
  })

  it('in case-insensitive mode matches every case variant once, however many entries name it', () => {
    const diff = both(['DEV', 'dev', 'Ops'], ['g1'], 'case-insensitive')
    expect(names(diff.toAdd)).toEqual(['Dev:g3', 'OPS:g5', 'dev:g2'])
    expect(names(diff.unchanged)).toEqual(['ops:g1'])
    expect(diff.toRemove).toEqual([])
    expect(diff.unmatchedClaims).toEqual([])
    expect(diff.caseOnlyMatches).toEqual([])
  })

  it('in case-insensitive mode removes what no entry names in any case', () => {
    const diff = both(['dev'], ['g1', 'g3'], 'case-insensitive')
    expect(names(diff.toRemove)).toEqual(['ops:g1'])
    expect(names(diff.unchanged)).toEqual(['Dev:g3'])
  })

  it('in exact mode reports case-only near misses, but not for a group some entry names exactly', () => {
    const diff = both(['DEV', 'dev', 'Sales'], [], 'exact')
    expect(diff.caseOnlyMatches.map((m) => `${m.claim}->${m.group.name}:${m.group.id}`)).toEqual([
      'DEV->Dev:g3',
      'Sales->sales:g4',
    ])
    expect(diff.unmatchedClaims).toEqual(['DEV', 'Sales'])
  })

  it('keeps the unchanged sorted too, and finds a lower-case name no other case shares', () => {
    const diff = both(['SALES', 'ops', 'dev'], ['g1', 'g4', 'g2'], 'case-insensitive')
    expect(names(diff.unchanged)).toEqual(['dev:g2', 'ops:g1', 'sales:g4'])
    expect(diff.unmatchedClaims).toEqual([])
  })

  it('gives every group of a shared name (rule 4), in both modes', () => {
    const shared: OrgGroup[] = [
      { id: 'b', name: 'ops' },
      { id: 'a', name: 'ops' },
      { id: 'c', name: 'Ops' },
    ]
    for (const match of ['exact', 'case-insensitive'] as const) {
      const fromIndex = computeMembershipDiff(['ops'], indexOrgGroups(shared), [], { match })
      expect(fromIndex).toStrictEqual(computeMembershipDiff(['ops'], shared, [], { match }))
      expect(names(fromIndex.toAdd)).toEqual(
        match === 'exact' ? ['ops:a', 'ops:b'] : ['Ops:c', 'ops:a', 'ops:b'],
      )
    }
  })
})
