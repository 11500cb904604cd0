import type { MatchMode, OrgGroup } from '../src/index.js'

/**
 * The rules of docs/rules.md written the most obvious way — nested scans, no indexes — to compare
 * the real implementation against. Order is not part of this oracle; rule 7 is tested apart.
 */
export function naiveDiff(
  claimGroups: readonly string[],
  orgGroups: readonly OrgGroup[],
  current: readonly string[],
  match: MatchMode = 'exact',
) {
  const same = (a: string, b: string) =>
    match === 'exact' ? a === b : a.toLowerCase() === b.toLowerCase()
  const matches = (g: OrgGroup) => claimGroups.some((c) => same(c, g.name))
  const toAdd = orgGroups.filter((g) => matches(g) && !current.includes(g.id))
  const unchanged = orgGroups.filter((g) => matches(g) && current.includes(g.id))
  const toRemove = orgGroups.filter((g) => !matches(g) && current.includes(g.id))
  const unmatchedClaims = claimGroups
    .filter((c, i) => claimGroups.indexOf(c) === i)
    .filter((c) => !orgGroups.some((g) => same(c, g.name)))
  const caseOnlyMatches =
    match === 'exact'
      ? unmatchedClaims.flatMap((claim) =>
          orgGroups
            .filter((g) => !matches(g) && claim.toLowerCase() === g.name.toLowerCase())
            .map((g) => ({ claim, group: g.id })),
        )
      : []
  return { toAdd, toRemove, unchanged, unmatchedClaims, caseOnlyMatches }
}
