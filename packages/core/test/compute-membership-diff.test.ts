import { describe, expect, it } from 'vitest'
import { computeMembershipDiff, GroupsyncError, MembershipInputError } from '../src/index.js'

const dev = { id: 'g1', name: 'dev' }
const sales = { id: 'g2', name: 'sales' }
const admins = { id: 'g3', name: 'Admins' }

describe('computeMembershipDiff examples', () => {
  it('adds the named groups, removes the unnamed ones and reports unknown names', () => {
    const diff = computeMembershipDiff(['dev', 'ops'], [dev, sales], ['g2'])
    expect(diff).toEqual({
      toAdd: [dev],
      toRemove: [sales],
      unchanged: [],
      unmatchedClaims: ['ops'],
      caseOnlyMatches: [],
    })
  })

  it('leaves memberships of other organisations alone', () => {
    const diff = computeMembershipDiff([], [dev], ['g1', 'other-org-group'])
    expect(diff.toRemove).toEqual([dev])
    expect(diff.unchanged).toEqual([])
  })

  it('does not trim, normalise or fold case in exact mode, and explains case-only misses', () => {
    const diff = computeMembershipDiff(['admins', ' dev', 'd\u0065\u0301v'], [admins, dev], [])
    expect(diff.toAdd).toEqual([])
    expect(diff.unmatchedClaims).toEqual([' dev', 'admins', 'de\u0301v'])
    expect(diff.caseOnlyMatches).toEqual([{ claim: 'admins', group: admins }])
  })

  it('folds case with toLowerCase in case-insensitive mode and reports no near misses', () => {
    const diff = computeMembershipDiff(['ADMINS'], [admins], [], { match: 'case-insensitive' })
    expect(diff.toAdd).toEqual([admins])
    expect(diff.unmatchedClaims).toEqual([])
    expect(diff.caseOnlyMatches).toEqual([])
  })

  it('sorts by code units, not by locale: upper case before lower case, emoji last', () => {
    const groups = [
      { id: 'a', name: 'é' },
      { id: 'b', name: 'z' },
      { id: 'c', name: 'Z' },
      { id: 'd', name: '😀' },
      { id: 'e', name: 'z' },
    ]
    const diff = computeMembershipDiff(['z', 'é', 'Z', '😀'], groups, [])
    expect(diff.toAdd.map((g) => g.id)).toEqual(['c', 'b', 'e', 'a', 'd'])
  })

  it('throws DUPLICATE_GROUP_ID for two groups with one id', () => {
    const call = () => computeMembershipDiff([], [dev, { id: 'g1', name: 'other' }], [])
    expect(call).toThrow(MembershipInputError)
    try {
      call()
    } catch (error) {
      expect(error).toBeInstanceOf(GroupsyncError)
      expect((error as MembershipInputError).code).toBe('DUPLICATE_GROUP_ID')
      expect((error as MembershipInputError).value).toBe('g1')
      expect((error as MembershipInputError).path).toBe('orgGroups')
    }
  })
})
