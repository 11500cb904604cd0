import { computeMembershipDiff, type MembershipDiff, type OrgGroup } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { generateDiffInput, naiveDiff, setLoopDiff } from '../src/index.js'

// The benchmark compares computeMembershipDiff with two baselines; the comparison only means
// something if all three give the same output. The bench checks this on its own input before
// timing; these tests check it on many small inputs.

const byId = (d: MembershipDiff) => ({
  toAdd: d.toAdd.map((g) => g.id),
  toRemove: d.toRemove.map((g) => g.id),
  unchanged: d.unchanged.map((g) => g.id),
  unmatchedClaims: d.unmatchedClaims,
  caseOnlyMatches: d.caseOnlyMatches.map((p) => ({ claim: p.claim, group: p.group.id })),
})

describe('membership-diff benchmark baselines', () => {
  it('give exactly the output of computeMembershipDiff on generated logins', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { claimGroups, orgGroups, current } = generateDiffInput(
        { orgGroups: 300, claimEntries: 100 + seed, current: 50 },
        seed,
      )
      const expected = byId(computeMembershipDiff(claimGroups, orgGroups, current))
      expect(byId(naiveDiff(claimGroups, orgGroups, current))).toEqual(expected)
      expect(byId(setLoopDiff(claimGroups, orgGroups, current))).toEqual(expected)
      expect(byId(setLoopDiff(claimGroups, orgGroups, current, true))).toEqual(expected)
    }
  })

  it('agree on shared names, case-only pairs and foreign ids', () => {
    const groups: OrgGroup[] = [
      { id: 'g3', name: 'dev' },
      { id: 'g2', name: 'DEV' },
      { id: 'g1', name: 'dev' },
      { id: 'g4', name: 'ops' },
    ]
    const claim = ['Dev', 'ops', 'OPS', 'x', 'x']
    const current = ['g2', 'other-org', 'g4']
    const expected = byId(computeMembershipDiff(claim, groups, current))
    expect(expected.caseOnlyMatches.length).toBe(3)
    expect(byId(naiveDiff(claim, groups, current))).toEqual(expected)
    expect(byId(setLoopDiff(claim, groups, current))).toEqual(expected)
  })

  it('(b′) refuses duplicate ids like the library; (b) does not check them', () => {
    const groups = [
      { id: 'g1', name: 'a' },
      { id: 'g1', name: 'b' },
    ]
    expect(() => setLoopDiff([], groups, [], true)).toThrow(/duplicate group id g1/)
    expect(setLoopDiff([], groups, []).toAdd).toEqual([])
  })

  it('generates the same input for the same seed and the asked sizes', () => {
    const sizes = { orgGroups: 1000, claimEntries: 200, current: 100 }
    const a = generateDiffInput(sizes, 7)
    expect(generateDiffInput(sizes, 7)).toEqual(a)
    expect(a.orgGroups.length).toBe(1000)
    expect(a.claimGroups.length).toBe(200)
    expect(a.current.length).toBe(100)
    expect(new Set(a.orgGroups.map((g) => g.id)).size).toBe(1000)
  })
})
