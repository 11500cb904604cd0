import { test as fcTest, fc } from '@fast-check/vitest'
import { applyClaimValueMapping, compileClaimValueMapping } from '@groupsync/claims'
import {
  compareCodeUnits,
  compareGroups,
  computeMembershipDiff,
  type OrgGroup,
} from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { reportAsSent } from '../src/internal/report-as-sent.js'

// The diagnostics of a mapped claim, named as sent, against a naive restatement of the rule: an
// entry as sent is unmatched when some name it maps to matches no org group; a case-only pair
// (name, group) is reported once per entry that maps to the name.

const RUNS = Math.max(1_000, Number(process.env['FC_NUM_RUNS'] ?? 0))
const word = fc.constantFrom('dev', 'Dev', 'ops', 'OPS', 'qa', 'x')
const entry = fc.oneof(
  word,
  word.map((w) => `app-${w}`),
  word.map((w) => `g-${w}`),
)

describe('diagnostics of a mapped claim name entries as sent', () => {
  fcTest.prop(
    [
      fc.array(entry, { maxLength: 8 }),
      fc.uniqueArray(word, { maxLength: 4 }),
      fc.dictionary(entry, fc.array(word, { maxLength: 2 }), { maxKeys: 3 }),
      fc.boolean(),
    ],
    { numRuns: RUNS },
  )('unmatched and case-only entries equal the naive rule', (sent, groupNames, aliases, strip) => {
    const valueMapping = { aliases, ...(strip ? { stripPrefix: 'app-' } : {}) }
    const compiled = compileClaimValueMapping(valueMapping)
    if (compiled._tag === 'Left') throw compiled.left // every generated mapping is valid
    const groups: OrgGroup[] = groupNames.map((name, i) => ({ id: `g${i}`, name }))
    const { groups: names } = applyClaimValueMapping(sent, compiled.right)
    const diff = computeMembershipDiff(names, groups, [])
    const reported = reportAsSent(diff, sent, { valueMapping })

    const namesOf = (e: string): readonly string[] => compiled.right.map(e)
    const matches = (name: string): boolean => groups.some((g) => g.name === name)
    const naiveUnmatched = [
      ...new Set(sent.filter((e) => namesOf(e).some((n) => !matches(n)))),
    ].sort()
    const naivePairs = new Set<string>()
    for (const e of sent) {
      for (const n of namesOf(e)) {
        if (!diff.unmatchedClaims.includes(n)) continue
        for (const g of groups) {
          const matchedByOther = names.some((other) => other === g.name)
          if (!matchedByOther && n.toLowerCase() === g.name.toLowerCase())
            naivePairs.add(JSON.stringify([e, g.id]))
        }
      }
    }
    const pairs = reported.caseOnlyMatches.map((m) => JSON.stringify([m.claim, m.group.id]))
    return (
      JSON.stringify(reported.unmatchedClaims) === JSON.stringify(naiveUnmatched) &&
      pairs.length === naivePairs.size &&
      pairs.every((p) => naivePairs.has(p)) &&
      // rule 10's order: by entry, then group name, then id, strictly increasing
      reported.caseOnlyMatches.every((m, i, all) => {
        const prev = all[i - 1]
        return (
          prev === undefined ||
          (compareCodeUnits(prev.claim, m.claim) || compareGroups(prev.group, m.group)) < 0
        )
      }) &&
      reported.toAdd === diff.toAdd
    )
  })
})

describe('diagnostics of a mapped claim: examples', () => {
  const dev = { id: 'g1', name: 'dev' }
  const ops = { id: 'g2', name: 'ops' }
  const groups = [dev, ops]

  it('names the entries as sent, in code-unit order, and leaves the group lists alone', () => {
    const valueMapping = { stripPrefix: 'app-' }
    const sent = ['app-x', 'app-Dev', 'app-ops']
    const diff = computeMembershipDiff(['x', 'Dev', 'ops'], groups, [])
    const reported = reportAsSent(diff, sent, { valueMapping })
    expect(reported.unmatchedClaims).toEqual(['app-Dev', 'app-x'])
    expect(reported.caseOnlyMatches).toEqual([{ claim: 'app-Dev', group: dev }])
    expect(reported.toAdd).toBe(diff.toAdd)
    expect(reported.toRemove).toBe(diff.toRemove)
  })

  it('orders the case-only pairs by entry as sent, then by group (rule 10)', () => {
    const valueMapping = { aliases: { a: 'OPS', b: 'DEV', c: 'DEV' } }
    const sent = ['c', 'b', 'a']
    const diff = computeMembershipDiff(['DEV', 'DEV', 'OPS'], groups, [])
    const reported = reportAsSent(diff, sent, { valueMapping })
    expect(reported.caseOnlyMatches).toEqual([
      { claim: 'a', group: ops },
      { claim: 'b', group: dev },
      { claim: 'c', group: dev },
    ])
    expect(reported.unmatchedClaims).toEqual(['a', 'b', 'c'])
  })

  it('one entry that misses two groups by case only is reported for each, by group name', () => {
    const Ops = { id: 'g3', name: 'Ops' }
    const valueMapping = { aliases: { x: 'OPS' } }
    const diff = computeMembershipDiff(['OPS'], [Ops, ops], [])
    const reported = reportAsSent(diff, ['x'], { valueMapping })
    expect(reported.caseOnlyMatches.map((m) => [m.claim, m.group.name])).toEqual(
      diff.caseOnlyMatches.map((m) => ['x', m.group.name]),
    )
    expect(reported.caseOnlyMatches).toHaveLength(2)
  })

  it('without a mapping, or without the entries as sent, the diff is returned as it is', () => {
    const diff = computeMembershipDiff(['Dev', 'x'], groups, [])
    expect(reportAsSent(diff, ['Dev', 'x'], {})).toBe(diff)
    expect(reportAsSent(diff, undefined, { valueMapping: { stripPrefix: 'app-' } })).toBe(diff)
    expect(reportAsSent(diff, undefined, {})).toBe(diff)
  })

  it('a mapping that does not compile leaves the diff as it is', () => {
    const diff = computeMembershipDiff(['Dev', 'x'], groups, [])
    const broken = { filter: { prefixes: [''] } } as never
    expect(reportAsSent(diff, ['Dev', 'x'], { valueMapping: broken })).toBe(diff)
  })
})
