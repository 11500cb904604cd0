import {
  applyClaimValueMapping,
  compileClaimValueMapping,
  type GroupsClaimOptions,
} from '@groupsync/claims'
import {
  compareCodeUnits,
  compareGroups,
  type MembershipDiff,
  type OrgGroup,
} from '@groupsync/core'

/**
 * The diff with its diagnostics — `unmatchedClaims` and `caseOnlyMatches` — naming the claim
 * entries as the provider sent them rather than as the org's value mapping rewrote them, so an
 * admin can find them at the provider. An entry is unmatched when a name it maps to matches no
 * org group. The group lists are unchanged. Without a mapping the diff is returned as it is.
 */
export function reportAsSent<G extends OrgGroup>(
  diff: MembershipDiff<G>,
  sent: readonly string[] | undefined,
  claimsOptions: GroupsClaimOptions,
): MembershipDiff<G> {
  if (sent === undefined || claimsOptions.valueMapping === undefined) return diff
  // The options were checked when the claim was read; a failure here cannot happen, and the
  // mapped names are then the best report there is.
  const mapping = compileClaimValueMapping(claimsOptions.valueMapping)
  if (mapping._tag === 'Left') return diff
  const { origins } = applyClaimValueMapping(sent, mapping.right)
  const originsOf = (name: string): readonly string[] => origins.get(name) ?? [name]

  const unmatched = new Set<string>()
  for (const name of diff.unmatchedClaims) for (const entry of originsOf(name)) unmatched.add(entry)

  const pairs = new Map<string, MembershipDiff<G>['caseOnlyMatches'][number]>()
  for (const { claim, group } of diff.caseOnlyMatches) {
    for (const entry of originsOf(claim)) {
      pairs.set(JSON.stringify([entry, group.id]), { claim: entry, group })
    }
  }
  // Rule 10's order: by claim entry, then by group name and id.
  const caseOnlyMatches = [...pairs.values()].sort(
    (a, b) => compareCodeUnits(a.claim, b.claim) || compareGroups(a.group, b.group),
  )
  return {
    ...diff,
    unmatchedClaims: [...unmatched].sort(compareCodeUnits),
    caseOnlyMatches,
  }
}
