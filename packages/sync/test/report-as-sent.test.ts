import { test as fcTest, fc } from '@fast-check/vitest'
import { applyClaimValueMapping, compileClaimValueMapping } from '@groupsync/claims'
import {
  compareCodeUnits,
  compareGroups,
  computeMembershipDiff,
  type OrgGroup,
} from '@groupsync/core'
import { describe } from 'vitest'
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
