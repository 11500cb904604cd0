import { describe, expect, it } from 'vitest'
import { computeMembershipDiff, MembershipInputError, type OrgGroup } from '../src/index.js'
import { claimSliceKeys } from '../src/org-group-slice.js'
import { indexOrgGroups } from '../src/org-group-index.js'

// Edges of Part 1 that the properties rarely reach: three groups of one name in an index, the
// order of a claim's slice keys (rule 11), and what the diff's errors say (rule 8, match modes).

const g = (id: string, name: string): OrgGroup => ({ id, name })

const thrown = (run: () => unknown): MembershipInputError => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(MembershipInputError)
    return error as MembershipInputError
  }
  return expect.fail('expected a MembershipInputError')
}

describe('rule 4: every group a claim entry names is matched, however many share the name', () => {
  it('an index with three groups of one name (and three of one lower-cased name) matches all of them', () => {
    const groups = [
      g('a', 'dev'),
      g('b', 'dev'),
      g('c', 'dev'),
      g('d', 'Ops'),
      g('e', 'OPS'),
      g('f', 'oPs'),
    ]
    const index = indexOrgGroups(groups)
    const exact = computeMembershipDiff(['dev'], index, ['b'])
    expect(exact.toAdd.map((x) => x.id)).toEqual(['a', 'c'])
    expect(exact.unchanged.map((x) => x.id)).toEqual(['b'])
    expect(computeMembershipDiff(['dev'], index, ['b'])).toEqual(
      computeMembershipDiff(['dev'], groups, ['b']),
    )
    const ci = computeMembershipDiff(['ops'], index, [], { match: 'case-insensitive' })
    expect(ci.toAdd.map((x) => x.id)).toEqual(['e', 'd', 'f'])
    expect(ci).toEqual(computeMembershipDiff(['ops'], groups, [], { match: 'case-insensitive' }))
    const nearMisses = computeMembershipDiff(['ops'], index, [])
    expect(nearMisses.caseOnlyMatches.map((m) => m.group.id)).toEqual(['e', 'd', 'f'])
  })
})

describe('rule 11: the slice keys of a claim', () => {
  it('are the distinct lower-cased entries in code-unit order', () => {
    expect(claimSliceKeys(['ops', 'Dev', 'b', 'dev', 'OPS', 'a', 'Zed', '_'])).toEqual([
      '_',
      'a',
      'b',
      'dev',
      'ops',
      'zed',
    ])
    expect(claimSliceKeys(['\u00e9', 'z', '\uD83D\uDE00', '\uFF21'])).toEqual([
      'z',
      '\u00e9',
      '\uD83D\uDE00',
      '\uFF41',
    ])
    expect(claimSliceKeys([])).toEqual([])
  })
})

describe('the diff’s errors say what was wrong, with the value', () => {
  it('rule 8: a duplicate id is named in the message', () => {
    const error = thrown(() => indexOrgGroups([g('x-1', 'a'), g('x-1', 'b')]))
    expect(error.code).toBe('DUPLICATE_GROUP_ID')
    expect(error.message).toContain('"x-1"')
    expect(error.message).toMatch(/unique/)
  })

  it('an invalid match mode is named in the message, beside the two valid ones', () => {
    const error = thrown(() =>
      computeMembershipDiff([], [], [], { match: 'fuzzy' as unknown as 'exact' }),
    )
    expect(error).toMatchObject({
      code: 'MATCH_MODE_INVALID',
      path: 'options.match',
      value: 'fuzzy',
    })
    expect(error.message).toContain('"fuzzy"')
    expect(error.message).toContain('"exact"')
    expect(error.message).toContain('"case-insensitive"')
  })
})
