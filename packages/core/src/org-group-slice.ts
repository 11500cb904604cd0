import type { OrgGroup } from './org-group.js'

/**
 * The key under which a store looks a group up for the slice of a login (rule 11): the group
 * name lower-cased, exactly as rules 1 and 10 lower-case it (`toLowerCase`, no locale). A store
 * that keeps an indexed column of it MUST compute it with this function, not with its database's
 * `lower()`, whose mapping depends on the database's locale.
 *
 * @example
 * ```ts
 * sliceKey('Admins') // 'admins'
 * sliceKey('\u0130') // 'i\u0307' (not 'i')
 * ```
 */
export const sliceKey = (name: string): string => name.toLowerCase()

/**
 * The slice keys of a claim (rule 11): each distinct entry lower-cased, without repeats, in
 * code-unit order. A store reads the groups whose {@link sliceKey} is one of these, plus the
 * groups the user is a member of, and has every group the diff can decide on, in both match
 * modes: it need not know the mode before it reads.
 *
 * @example
 * ```ts
 * claimSliceKeys(['Dev', 'dev', 'OPS']) // ['dev', 'ops']
 * ```
 */
export const claimSliceKeys = (claimGroups: readonly string[]): string[] => {
  const keys = new Set<string>()
  for (const claim of claimGroups) keys.add(sliceKey(claim))
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * The slice of an organisation's groups for one login (rule 11): the groups whose lower-cased
 * name is the lower-cased form of some claim entry (which holds every group the claim names in
 * either match mode, and every near miss of rule 10), and the groups whose id is in `current`.
 * In the order of `orgGroups`, the caller's objects. `computeMembershipDiff` over the slice, or
 * over any list of the org's groups that holds it, returns the diff it returns over the whole
 * organisation.
 *
 * @example
 * ```ts
 * orgGroupSlice(['dev'], [{ id: 'g1', name: 'Dev' }, { id: 'g2', name: 'ops' }, { id: 'g3', name: 'hr' }], ['g3'])
 * // [{ id: 'g1', name: 'Dev' }, { id: 'g3', name: 'hr' }]
 * ```
 */
export function orgGroupSlice<G extends OrgGroup>(
  claimGroups: readonly string[],
  orgGroups: readonly G[],
  current: readonly string[],
): G[] {
  const keys = new Set(claimGroups.map(sliceKey))
  const ids = new Set(current)
  return orgGroups.filter((g) => ids.has(g.id) || keys.has(sliceKey(g.name)))
}
