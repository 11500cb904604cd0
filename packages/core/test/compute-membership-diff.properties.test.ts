import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import {
  compareCodeUnits,
  compareGroups,
  computeMembershipDiff,
  MembershipInputError,
  type MembershipDiff,
  type OrgGroup,
} from '../src/index.js'
import { diffInputArb, nameArb, orgGroupsArb } from './arbitraries.js'
import { naiveDiff } from './naive-oracle.js'

// Each rule of docs/rules.md Part 1 has a property here, named `rule N: …`; CI runs each at least
// 1,000 times.
const runs = { numRuns: 1000 }

const ids = (groups: readonly OrgGroup[]) => groups.map((g) => g.id)
const sortedIds = (groups: readonly OrgGroup[]) => ids(groups).sort(compareCodeUnits)
const matchModeArb = fc.constantFrom('exact' as const, 'case-insensitive' as const)
const isSortedBy = <T>(xs: readonly T[], cmp: (a: T, b: T) => number) =>
  xs.every((x, i) => i === 0 || cmp(xs[i - 1]!, x) < 0)

describe('computeMembershipDiff properties', () => {
  test.prop([diffInputArb], runs)(
    'rule 1: in exact mode a group matches exactly when some claim entry is code-unit equal to its name',
    ({ claimGroups, orgGroups, current }) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current)
      const matched = new Set(ids([...diff.toAdd, ...diff.unchanged]))
      for (const g of orgGroups) {
        expect(matched.has(g.id)).toBe(claimGroups.some((c) => c === g.name))
      }
    },
  )

  test.prop([diffInputArb], runs)(
    'rule 1: in case-insensitive mode a group matches exactly when some entry is equal after toLowerCase',
    ({ claimGroups, orgGroups, current }) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, {
        match: 'case-insensitive',
      })
      const matched = new Set(ids([...diff.toAdd, ...diff.unchanged]))
      for (const g of orgGroups) {
        const expected = claimGroups.some((c) => c.toLowerCase() === g.name.toLowerCase())
        expect(matched.has(g.id)).toBe(expected)
      }
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 2: toAdd, toRemove and unchanged equal the naive oracle',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const oracle = naiveDiff(claimGroups, orgGroups, current, match)
      expect(sortedIds(diff.toAdd)).toEqual(sortedIds(oracle.toAdd))
      expect(sortedIds(diff.toRemove)).toEqual(sortedIds(oracle.toRemove))
      expect(sortedIds(diff.unchanged)).toEqual(sortedIds(oracle.unchanged))
    },
  )

  test.prop(
    [
      diffInputArb,
      fc.array(
        fc.string().map((s) => `foreign:${s}`),
        { maxLength: 5 },
      ),
      matchModeArb,
    ],
    runs,
  )(
    'rule 3: ids in current that are not org groups are never touched and change nothing',
    ({ claimGroups, orgGroups, current }, foreign, match) => {
      const base = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const withForeign = computeMembershipDiff(claimGroups, orgGroups, [...foreign, ...current], {
        match,
      })
      expect(withForeign).toEqual(base)
      const listed = new Set(ids([...base.toAdd, ...base.toRemove, ...base.unchanged]))
      for (const id of foreign) expect(listed.has(id)).toBe(false)
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 4: org groups sharing a matching name all match',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const key = (name: string) => (match === 'exact' ? name : name.toLowerCase())
      const matched = new Set(ids([...diff.toAdd, ...diff.unchanged]))
      for (const a of orgGroups) {
        for (const b of orgGroups) {
          if (key(a.name) === key(b.name)) expect(matched.has(a.id)).toBe(matched.has(b.id))
        }
      }
    },
  )

  test.prop([diffInputArb, matchModeArb, fc.nat(), fc.nat()], runs)(
    'rule 5: duplicate claim entries and duplicate current ids count once',
    ({ claimGroups, orgGroups, current }, match, i, j) => {
      const base = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const dupClaims =
        claimGroups.length === 0 ? [] : [...claimGroups, claimGroups[i % claimGroups.length]!]
      const dupCurrent = current.length === 0 ? [] : [current[j % current.length]!, ...current]
      const duplicated = computeMembershipDiff(
        [...dupClaims, ...claimGroups],
        orgGroups,
        [...dupCurrent, ...current],
        { match },
      )
      expect(duplicated).toEqual(base)
      expect(new Set(duplicated.unmatchedClaims).size).toBe(duplicated.unmatchedClaims.length)
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 6: unmatchedClaims are the distinct entries that match no org group (naive oracle)',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const oracle = naiveDiff(claimGroups, orgGroups, current, match)
      expect(diff.unmatchedClaims).toEqual([...oracle.unmatchedClaims].sort(compareCodeUnits))
    },
  )

  test.prop([diffInputArb, matchModeArb, fc.infiniteStream(fc.nat())], runs)(
    'rule 7: output is sorted by code units, independent of input order, and holds the caller objects',
    ({ claimGroups, orgGroups, current }, match, randomness) => {
      // Extra fields must survive: the diff hands back the caller's own objects.
      const rich = orgGroups.map((g) => ({ ...g, extra: { tag: g.id } }))
      const diff = computeMembershipDiff(claimGroups, rich, current, { match })
      for (const list of [diff.toAdd, diff.toRemove, diff.unchanged]) {
        expect(isSortedBy(list, compareGroups)).toBe(true)
        for (const g of list) expect(rich).toContain(g)
      }
      expect(isSortedBy(diff.unmatchedClaims, compareCodeUnits)).toBe(true)

      const shuffle = <T>(xs: readonly T[]): T[] => {
        const out = [...xs]
        const it = randomness[Symbol.iterator]()
        for (let k = out.length - 1; k > 0; k--) {
          const r = (it.next().value as number) % (k + 1)
          ;[out[k], out[r]] = [out[r]!, out[k]!]
        }
        return out
      }
      const shuffled = computeMembershipDiff(
        shuffle(claimGroups),
        shuffle(rich),
        shuffle(current),
        {
          match,
        },
      )
      expect(shuffled).toEqual(diff)
    },
  )

  test.prop(
    [orgGroupsArb.filter((gs) => gs.length > 0), fc.nat(), nameArb, fc.array(nameArb)],
    runs,
  )(
    'rule 8: two org groups with the same id throw DUPLICATE_GROUP_ID naming the id',
    (orgGroups, pick, otherName, claimGroups) => {
      const victim = orgGroups[pick % orgGroups.length]!
      const withDuplicate = [...orgGroups, { id: victim.id, name: otherName }]
      let caught: unknown
      try {
        computeMembershipDiff(claimGroups, withDuplicate, [])
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(MembershipInputError)
      expect((caught as MembershipInputError).code).toBe('DUPLICATE_GROUP_ID')
      expect((caught as MembershipInputError).value).toBe(victim.id)
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 9: applying the diff yields exactly the matched groups, and a second diff is empty',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const applied = applyDiff(current, diff)
      const orgIds = new Set(ids(orgGroups))
      const orgMemberships = [...new Set(applied.filter((id) => orgIds.has(id)))].sort(
        compareCodeUnits,
      )
      expect(orgMemberships).toEqual(sortedIds([...diff.toAdd, ...diff.unchanged]))
      // Memberships outside the org survive untouched.
      expect(applied.filter((id) => !orgIds.has(id))).toEqual(
        current.filter((id) => !orgIds.has(id)),
      )

      const again = computeMembershipDiff(claimGroups, orgGroups, applied, { match })
      expect(again.toAdd).toEqual([])
      expect(again.toRemove).toEqual([])
      expect(sortedIds(again.unchanged)).toEqual(orgMemberships)
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 9: toAdd, toRemove and unchanged are disjoint and hold only org groups',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const all = ids([...diff.toAdd, ...diff.toRemove, ...diff.unchanged])
      expect(new Set(all).size).toBe(all.length)
      const orgIds = new Set(ids(orgGroups))
      for (const id of all) expect(orgIds.has(id)).toBe(true)
    },
  )

  test.prop([diffInputArb, matchModeArb], runs)(
    'rule 10: caseOnlyMatches pair unmatched entries with unmatched groups equal up to case (naive oracle)',
    ({ claimGroups, orgGroups, current }, match) => {
      const diff = computeMembershipDiff(claimGroups, orgGroups, current, { match })
      const oracle = naiveDiff(claimGroups, orgGroups, current, match)
      const pairs = diff.caseOnlyMatches.map((p) => ({ claim: p.claim, group: p.group.id }))
      const byClaimThenGroup = (
        a: { claim: string; group: string },
        b: { claim: string; group: string },
      ) => compareCodeUnits(a.claim, b.claim) || compareCodeUnits(a.group, b.group)
      expect([...pairs].sort(byClaimThenGroup)).toEqual(
        [...oracle.caseOnlyMatches].sort(byClaimThenGroup),
      )
      expect(
        isSortedBy(
          diff.caseOnlyMatches,
          (a, b) => compareCodeUnits(a.claim, b.claim) || compareGroups(a.group, b.group),
        ),
      ).toBe(true)
      if (match === 'case-insensitive') expect(diff.caseOnlyMatches).toEqual([])
    },
  )
})

/** What a store does with a diff: drop the removed ids, append the added ones. */
function applyDiff(current: readonly string[], diff: MembershipDiff): string[] {
  const removed = new Set(ids(diff.toRemove))
  return [...current.filter((id) => !removed.has(id)), ...ids(diff.toAdd)]
}
