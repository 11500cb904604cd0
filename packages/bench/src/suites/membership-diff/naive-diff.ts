import type { MembershipDiff, OrgGroup } from '@groupsync/core'

type CaseOnlyMatch<G extends OrgGroup> = MembershipDiff<G>['caseOnlyMatches'][number]

// The two comparisons baselines (a) and (b) share with computeMembershipDiff, written out so the
// baselines do not borrow anything from the code they are compared with.
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const byNameThenId = (a: OrgGroup, b: OrgGroup) =>
  byCodeUnits(a.name, b.name) || byCodeUnits(a.id, b.id)

/**
 * Sorts the lists of a freshly built result in place, the way rule 7 says; shared by the
 * baselines so their output is comparable with the library's.
 */
export function sortLikeRule7<G extends OrgGroup>(diff: {
  toAdd: G[]
  toRemove: G[]
  unchanged: G[]
  unmatchedClaims: string[]
  caseOnlyMatches: CaseOnlyMatch<G>[]
}): MembershipDiff<G> {
  diff.toAdd.sort(byNameThenId)
  diff.toRemove.sort(byNameThenId)
  diff.unchanged.sort(byNameThenId)
  diff.unmatchedClaims.sort(byCodeUnits)
  diff.caseOnlyMatches.sort(
    (a, b) => byCodeUnits(a.claim, b.claim) || byNameThenId(a.group, b.group),
  )
  return diff
}

/**
 * Baseline (a): the exact-mode diff written the obvious way, with `filter` and `includes` —
 * a nested scan of the claim or of `current` for every org group. Same output as
 * `computeMembershipDiff` (all five lists, same order); quadratic time.
 */
export function naiveDiff<G extends OrgGroup>(
  claimGroups: readonly string[],
  orgGroups: readonly G[],
  current: readonly string[],
): MembershipDiff<G> {
  const matched = orgGroups.filter((g) => claimGroups.includes(g.name))
  const unmatchedGroups = orgGroups.filter((g) => !claimGroups.includes(g.name))
  const unmatchedClaims = claimGroups.filter(
    (c, i) => claimGroups.indexOf(c) === i && !orgGroups.some((g) => g.name === c),
  )
  const caseOnlyMatches: CaseOnlyMatch<G>[] = unmatchedClaims.flatMap((claim) => {
    const lower = claim.toLowerCase()
    return unmatchedGroups
      .filter((g) => g.name.toLowerCase() === lower)
      .map((group) => ({ claim, group }))
  })
  return sortLikeRule7({
    toAdd: matched.filter((g) => !current.includes(g.id)),
    toRemove: unmatchedGroups.filter((g) => current.includes(g.id)),
    unchanged: matched.filter((g) => current.includes(g.id)),
    unmatchedClaims,
    caseOnlyMatches,
  })
}
