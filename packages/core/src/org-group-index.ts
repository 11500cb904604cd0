import { MembershipInputError } from './errors.js'
import type { OrgGroup } from './org-group.js'

/**
 * One version of an organisation's groups, checked once for unique ids (rule 8) and indexed by
 * id, by name and by lower-cased name. {@link computeMembershipDiff} accepts it in place of the
 * array and then does work in proportion to the claim and the current memberships, not to the
 * organisation. Immutable: build a new index when the groups change.
 */
export interface OrgGroupIndex<G extends OrgGroup = OrgGroup> {
  /** The indexed groups in the order given, frozen (the caller's own objects). */
  readonly groups: readonly G[]
  /** The group with this id (code-unit equal), or undefined. */
  readonly get: (id: string) => G | undefined
  /** Whether a group has this id. */
  readonly has: (id: string) => boolean
}

/**
 * Several groups under one key. Names are nearly always unique, so a map holds the group itself
 * and wraps only the rare shared key: one array per group was the larger part of building.
 */
export class SharedKey<G> {
  constructor(readonly groups: G[]) {}
}

/** What a lookup map holds under a key: one group, or the groups that share the key. */
export type KeyEntry<G> = G | SharedKey<G>

/**
 * The lookup structures behind an {@link OrgGroupIndex}; never handed to callers.
 *
 * @internal
 */
export interface OrgGroupLookup<G extends OrgGroup> {
  readonly byId: ReadonlyMap<string, G>
  readonly byName: ReadonlyMap<string, KeyEntry<G>>
  /**
   * Groups whose lower-cased name differs from their name, by lower-cased name. A group whose
   * name is already lower case is found under its name in `byName`: most names are, and a second
   * map of every group cost as much again to build.
   */
  readonly byLowerNameOnly: ReadonlyMap<string, KeyEntry<G>>
}

// Keyed by the index object: a value that only looks like an index (built by hand, or a copy)
// is not in here, so it cannot skip the duplicate-id check.
const lookups = new WeakMap<object, OrgGroupLookup<OrgGroup>>()

const put = <G>(map: Map<string, KeyEntry<G>>, key: string, group: G): void => {
  const entry = map.get(key)
  if (entry === undefined) map.set(key, group)
  else if (entry instanceof SharedKey) entry.groups.push(group)
  else map.set(key, new SharedKey([entry, group]))
}

/**
 * The duplicate-id error of rule 8, the same wherever the check runs.
 *
 * @internal
 */
export const duplicateGroupId = (id: string): MembershipInputError =>
  new MembershipInputError(
    'DUPLICATE_GROUP_ID',
    `Two org groups have the id ${JSON.stringify(id)}; group ids must be unique within orgGroups.`,
    { path: 'orgGroups', value: id },
  )

/**
 * Checks rule 8 once for one version of an organisation's groups and builds the lookups that
 * {@link computeMembershipDiff} would otherwise build at every login. Worth it wherever the same
 * groups serve many logins (a service or a store that keeps them between logins); every diff
 * given the index is identical to the diff given the array. The groups must not change while the
 * index is in use: it keeps the ids and names it saw.
 *
 * @param orgGroups - all groups of the organisation (ids must be unique)
 * @throws {@link MembershipInputError} `DUPLICATE_GROUP_ID` when two groups share an id, naming
 *   the same id as {@link computeMembershipDiff} would
 *
 * @example
 * ```ts
 * const index = indexOrgGroups(groups) // once, when the org's groups are loaded or change
 * const diff = computeMembershipDiff(claim.groups, index, currentIds) // at each login
 * ```
 */
export function indexOrgGroups<G extends OrgGroup>(orgGroups: readonly G[]): OrgGroupIndex<G> {
  const groups = Object.freeze(Array.from(orgGroups))
  const byId = new Map<string, G>()
  const byName = new Map<string, KeyEntry<G>>()
  const byLowerNameOnly = new Map<string, KeyEntry<G>>()
  for (const group of groups) {
    const { id, name } = group
    const size = byId.size
    if (byId.set(id, group).size === size) throw duplicateGroupId(id)
    put(byName, name, group)
    const lower = name.toLowerCase()
    if (lower !== name) put(byLowerNameOnly, lower, group)
  }
  const index: OrgGroupIndex<G> = Object.freeze({
    groups,
    get: (id: string) => byId.get(id),
    has: (id: string) => byId.has(id),
  })
  lookups.set(index, { byId, byName, byLowerNameOnly })
  return index
}

/**
 * The lookups of a value built by {@link indexOrgGroups}, or undefined for anything else (an
 * array, a look-alike object).
 *
 * @internal
 */
export const orgGroupLookup = <G extends OrgGroup>(
  value: OrgGroupIndex<G> | readonly G[],
): OrgGroupLookup<G> | undefined => lookups.get(value) as OrgGroupLookup<G> | undefined

/**
 * Whether `value` is an index built by {@link indexOrgGroups} (and so checked for rule 8), rather
 * than an array or an object that only has the same shape.
 *
 * @example
 * ```ts
 * const groups = isOrgGroupIndex(orgGroups) ? orgGroups.groups : orgGroups
 * ```
 */
export const isOrgGroupIndex = <G extends OrgGroup>(
  value: OrgGroupIndex<G> | readonly G[],
): value is OrgGroupIndex<G> => lookups.has(value)
