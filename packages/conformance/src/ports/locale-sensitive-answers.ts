import type { OrgGroup } from '@groupsync/core'
import type { PortAnswer } from './serve.js'
import type { DiffInput } from './typescript-answers.js'

/**
 * A deliberately wrong port of Part 1, for the runner to catch: it follows every rule except
 * two, in the ways a port written from habit goes wrong — it lower-cases with a locale
 * (`toLocaleLowerCase('tr')`, where `"I"` becomes dotless `"ı"` and `"İ"` becomes `"i"`) and sorts
 * with `localeCompare` (a collation, where `"a" < "é" < "z" < "Z"`) instead of by code units.
 */
export function answerDiffWithLocale(input: unknown): PortAnswer {
  const { claimGroups, orgGroups, current, options } = input as DiffInput
  const match: unknown = options.match
  if (match !== undefined && match !== 'exact' && match !== 'case-insensitive') {
    return { error: { code: 'MATCH_MODE_INVALID', path: 'options.match', value: match } }
  }
  const seen = new Set<string>()
  for (const group of orgGroups) {
    if (seen.has(group.id)) {
      return { error: { code: 'DUPLICATE_GROUP_ID', path: 'orgGroups', value: group.id } }
    }
    seen.add(group.id)
  }
  const lower = (s: string): string => s.toLocaleLowerCase('tr')
  const key = (s: string): string => (match === 'case-insensitive' ? lower(s) : s)
  const byCollation = (a: OrgGroup, b: OrgGroup): number =>
    a.name.localeCompare(b.name) || a.id.localeCompare(b.id)

  const claims = [...new Set(claimGroups)]
  const claimKeys = new Set(claims.map(key))
  const currentIds = new Set(current)
  const matches = (group: OrgGroup): boolean => claimKeys.has(key(group.name))
  const pick = (test: (group: OrgGroup) => boolean): string[] =>
    orgGroups
      .filter(test)
      .sort(byCollation)
      .map((group) => group.id)
  const unmatchedClaims = claims
    .filter((claim) => !orgGroups.some((group) => key(group.name) === key(claim)))
    .sort((a, b) => a.localeCompare(b))
  const unmatchedGroups = orgGroups.filter((group) => !matches(group)).sort(byCollation)
  const caseOnlyMatches =
    match === 'case-insensitive'
      ? []
      : unmatchedClaims.flatMap((claim) =>
          unmatchedGroups
            .filter((group) => lower(group.name) === lower(claim))
            .map((group) => ({ claim, group: group.id })),
        )
  const sliceKeys = new Set(claimGroups.map(lower))
  return {
    output: {
      toAdd: pick((group) => matches(group) && !currentIds.has(group.id)),
      toRemove: pick((group) => !matches(group) && currentIds.has(group.id)),
      unchanged: pick((group) => matches(group) && currentIds.has(group.id)),
      unmatchedClaims,
      caseOnlyMatches,
      slice: orgGroups
        .filter((group) => sliceKeys.has(lower(group.name)) || currentIds.has(group.id))
        .map((group) => group.id),
    },
  }
}
