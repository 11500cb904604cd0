import type { MembershipDiff, OrgGroup } from '@groupsync/core'

type CaseOnlyMatch<G extends OrgGroup> = MembershipDiff<G>['caseOnlyMatches'][number]
import { sortLikeRule7 } from './naive-diff.js'

/**
 * Baseline (b): the least code that gives the same output as `computeMembershipDiff` in exact
 * mode — one pass over the org groups with `Set` lookups, then the rule 10 pairs through a `Map`
 * keyed by lower-cased name, then the rule 7 sorts. It skips what the library does beyond the
 * output: the duplicate-id check of rule 8 (unless `checkIds`) and the case-insensitive mode.
 *
 * @param checkIds - also throw on two org groups with one id (rule 8), as the library does:
 *   baseline (b′), the same loop honouring the whole contract.
 */
export function setLoopDiff<G extends OrgGroup>(
  claimGroups: readonly string[],
  orgGroups: readonly G[],
  current: readonly string[],
  checkIds = false,
): MembershipDiff<G> {
  const claims = new Set(claimGroups)
  const currentIds = new Set(current)
  const seenIds = new Set<string>()
  const matchedNames = new Set<string>()
  const toAdd: G[] = []
  const toRemove: G[] = []
  const unchanged: G[] = []
  const unmatchedGroups: G[] = []
  for (const g of orgGroups) {
    if (checkIds) {
      const before = seenIds.size
      if (seenIds.add(g.id).size === before) throw new Error(`duplicate group id ${g.id}`)
    }
    if (claims.has(g.name)) {
      matchedNames.add(g.name)
      if (currentIds.has(g.id)) unchanged.push(g)
      else toAdd.push(g)
    } else {
      if (currentIds.has(g.id)) toRemove.push(g)
      unmatchedGroups.push(g)
    }
  }
  const unmatchedClaims: string[] = []
  const unmatchedByLower = new Map<string, string[]>()
  for (const c of claims) {
    if (matchedNames.has(c)) continue
    unmatchedClaims.push(c)
    const key = c.toLowerCase()
    const same = unmatchedByLower.get(key)
    if (same) same.push(c)
    else unmatchedByLower.set(key, [c])
  }
  const caseOnlyMatches: CaseOnlyMatch<G>[] = []
  if (unmatchedByLower.size > 0) {
    for (const group of unmatchedGroups) {
      for (const claim of unmatchedByLower.get(group.name.toLowerCase()) ?? []) {
        caseOnlyMatches.push({ claim, group })
      }
    }
  }
  return sortLikeRule7({ toAdd, toRemove, unchanged, unmatchedClaims, caseOnlyMatches })
}
