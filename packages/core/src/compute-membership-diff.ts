import { MembershipInputError } from './errors.js'
import { MATCH_MODES, type MatchMode, type OrgGroup } from './org-group.js'
import {
  SharedKey,
  duplicateGroupId,
  orgGroupLookup,
  type KeyEntry,
  type OrgGroupIndex,
  type OrgGroupLookup,
} from './org-group-index.js'

/** Options of {@link computeMembershipDiff}. */
export interface MembershipDiffOptions {
  /** How claim entries are compared with group names; default `exact` (rule 1). */
  readonly match?: MatchMode
}

/**
 * A claim entry that equals the name of an org group only up to case, in `exact` mode, where that
 * group matched nothing (rule 10). It explains to an admin why the user was not added.
 */
export interface CaseOnlyMatch<G extends OrgGroup = OrgGroup> {
  readonly claim: string
  readonly group: G
}

/**
 * What a login changes: which org groups the user joins, leaves or stays in, and what in the
 * claim matched nothing.
 */
export interface MembershipDiff<G extends OrgGroup = OrgGroup> {
  /** Matched groups the user is not a member of yet. */
  readonly toAdd: readonly G[]
  /** Org groups the user is a member of that the claim does not name. */
  readonly toRemove: readonly G[]
  /** Matched groups the user is already a member of. */
  readonly unchanged: readonly G[]
  /** Distinct claim entries that name no org group. */
  readonly unmatchedClaims: readonly string[]
  /** In `exact` mode, claim entries that name an unmatched group only up to case. */
  readonly caseOnlyMatches: readonly CaseOnlyMatch<G>[]
}

/**
 * Orders strings by UTF-16 code units, as `<` does: the same in every language that compares
 * code units, unlike `localeCompare`.
 */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Orders groups by name, then id, both by UTF-16 code units (rule 7). */
export const compareGroups = (a: OrgGroup, b: OrgGroup): number =>
  compareCodeUnits(a.name, b.name) || compareCodeUnits(a.id, b.id)

const lower = (s: string): string => s.toLowerCase()

const invalidMatchMode = (match: unknown): MembershipInputError =>
  new MembershipInputError(
    'MATCH_MODE_INVALID',
    `The match mode ${JSON.stringify(match)} is invalid; it is "exact" or "case-insensitive".`,
    { path: 'options.match', value: match },
  )

/** Bits of what {@link computeMembershipDiff} knows of an id. */
const CURRENT = 1
const IN_ORG = 2

/**
 * Decides which memberships a login adds and removes: the user ends up a member of exactly the
 * org groups whose names appear in the claim, and memberships outside `orgGroups` are left alone.
 * Pure; runs in time linear in its inputs plus the sort of its outputs. Given an
 * {@link OrgGroupIndex} of the org's groups (from `indexOrgGroups`) instead of the array, it
 * returns the identical diff in time linear in the claim and `current` alone.
 *
 * @param claimGroups - group names from the OIDC `groups` claim
 * @param orgGroups - all groups of the organisation (ids must be unique), or an index of them
 * @param current - ids of the groups the user is a member of now, in any organisation
 * @throws {@link MembershipInputError} `DUPLICATE_GROUP_ID` when two org groups share an id
 *   (an index was checked when it was built), `MATCH_MODE_INVALID` when `options.match` is set
 *   to anything but `exact` or `case-insensitive`
 *
 * @example
 * ```ts
 * const diff = computeMembershipDiff(
 *   ['dev', 'ops'],
 *   [{ id: 'g1', name: 'dev' }, { id: 'g2', name: 'sales' }],
 *   ['g2'],
 * )
 * // diff.toAdd: [{ id: 'g1', name: 'dev' }], diff.toRemove: [{ id: 'g2', name: 'sales' }]
 * // diff.unmatchedClaims: ['ops']
 * ```
 */
export function computeMembershipDiff<G extends OrgGroup>(
  claimGroups: readonly string[],
  orgGroups: readonly G[] | OrgGroupIndex<G>,
  current: readonly string[],
  options: MembershipDiffOptions = {},
): MembershipDiff<G> {
  // Typed as a MatchMode, but it may come from JSON or an untyped caller.
  const match: unknown = options.match
  // A misspelt mode ("Case-Insensitive", null from a JSON setting) must not silently mean exact:
  // in exact mode a login would remove every group whose name differs from the claim in case.
  if (match !== undefined && !(MATCH_MODES as readonly unknown[]).includes(match)) {
    throw invalidMatchMode(match)
  }
  const caseInsensitive = match === 'case-insensitive'
  const lookup = orgGroupLookup(orgGroups)
  if (lookup !== undefined) return diffWithLookup(claimGroups, lookup, current, caseInsensitive)
  // Not an index: any iterable of groups, as before the index existed.
  const groups = orgGroups as readonly G[]
  const claims = new Set(claimGroups)
  const claimKeys = caseInsensitive ? new Set(Array.from(claims, lower)) : claims
  // One map of every id we meet, current memberships first: a single lookup per org group both
  // tells whether the user is a member and catches a duplicate id (rule 8). Two separate Sets
  // cost twice the hashing and were the largest part of the run time at 100k groups.
  const idState = new Map<string, number>()
  for (const id of current) idState.set(id, CURRENT)
  const matchedKeys = new Set<string>()

  const toAdd: G[] = []
  const toRemove: G[] = []
  const unchanged: G[] = []
  const unmatchedGroups: G[] = []

  for (const group of groups) {
    const state = idState.get(group.id)
    if (state !== undefined && state & IN_ORG) throw duplicateGroupId(group.id)
    idState.set(group.id, (state ?? 0) | IN_ORG)
    const key = caseInsensitive ? lower(group.name) : group.name
    const isMember = state === CURRENT
    if (claimKeys.has(key)) {
      matchedKeys.add(key)
      ;(isMember ? unchanged : toAdd).push(group)
    } else {
      if (isMember) toRemove.push(group)
      unmatchedGroups.push(group)
    }
  }

  const unmatchedClaims: string[] = []
  for (const claim of claims) {
    if (!matchedKeys.has(caseInsensitive ? lower(claim) : claim)) unmatchedClaims.push(claim)
  }

  return {
    toAdd: toAdd.sort(compareGroups),
    toRemove: toRemove.sort(compareGroups),
    unchanged: unchanged.sort(compareGroups),
    unmatchedClaims: unmatchedClaims.sort(compareCodeUnits),
    caseOnlyMatches: caseInsensitive ? [] : findCaseOnlyMatches(unmatchedClaims, unmatchedGroups),
  }
}

/**
 * The same diff from an index: rule 8 was checked when it was built, and its maps answer "which
 * groups does this entry name" and "which group has this id", so only the claim and `current`
 * are walked — a login no longer pays for the size of the organisation.
 */
function diffWithLookup<G extends OrgGroup>(
  claimGroups: readonly string[],
  { byId, byName, byLowerNameOnly }: OrgGroupLookup<G>,
  current: readonly string[],
  caseInsensitive: boolean,
): MembershipDiff<G> {
  const claims = new Set(claimGroups)
  const currentIds = new Set(current)
  // In exact mode distinct entries are distinct keys; in case-insensitive mode "Ops" and "OPS"
  // share one, whose groups must be listed once.
  const claimKeys = caseInsensitive ? new Set<string>() : claims

  const toAdd: G[] = []
  const toRemove: G[] = []
  const unchanged: G[] = []
  const unmatchedClaims: string[] = []
  const place = (group: G): void => {
    ;(currentIds.has(group.id) ? unchanged : toAdd).push(group)
  }
  for (const claim of claims) {
    if (!caseInsensitive) {
      if (!visit(byName.get(claim), place)) unmatchedClaims.push(claim)
      continue
    }
    const key = lower(claim)
    if (claimKeys.has(key)) continue
    if (visitLowerNamed(byName, byLowerNameOnly, key, place)) claimKeys.add(key)
    else unmatchedClaims.push(claim)
  }
  for (const id of currentIds) {
    const group = byId.get(id)
    if (group === undefined) continue
    if (!claimKeys.has(caseInsensitive ? lower(group.name) : group.name)) toRemove.push(group)
  }

  // Rule 10 (exact mode): the groups whose lower-cased name is that of an unmatched entry and
  // that no entry names exactly.
  const caseOnlyMatches: CaseOnlyMatch<G>[] = []
  if (!caseInsensitive) {
    for (const claim of unmatchedClaims) {
      visitLowerNamed(byName, byLowerNameOnly, lower(claim), (group) => {
        if (!claims.has(group.name)) caseOnlyMatches.push({ claim, group })
      })
    }
  }

  return {
    toAdd: toAdd.sort(compareGroups),
    toRemove: toRemove.sort(compareGroups),
    unchanged: unchanged.sort(compareGroups),
    unmatchedClaims: unmatchedClaims.sort(compareCodeUnits),
    caseOnlyMatches: caseOnlyMatches.sort(compareCaseOnlyMatches),
  }
}

/** Calls `f` with each group of a lookup entry; false when there is none. */
const visit = <G>(entry: KeyEntry<G> | undefined, f: (group: G) => void): boolean => {
  if (entry === undefined) return false
  if (entry instanceof SharedKey) for (const group of entry.groups) f(group)
  else f(entry)
  return true
}

/**
 * Calls `f` with each group whose lower-cased name is `key` (itself lower-cased): those whose
 * name is `key` and those the index keeps apart because their name is not lower case. The first
 * kind is taken only when `key` is its own lower case: true of every lower-cased string in
 * today's Unicode, but the check keeps the result right without relying on it.
 */
const visitLowerNamed = <G>(
  byName: ReadonlyMap<string, KeyEntry<G>>,
  byLowerNameOnly: ReadonlyMap<string, KeyEntry<G>>,
  key: string,
  f: (group: G) => void,
): boolean => {
  const named = lower(key) === key && visit(byName.get(key), f)
  return visit(byLowerNameOnly.get(key), f) || named
}

const compareCaseOnlyMatches = (a: CaseOnlyMatch, b: CaseOnlyMatch): number =>
  compareCodeUnits(a.claim, b.claim) || compareGroups(a.group, b.group)

/**
 * Rule 10: every pair of an unmatched claim entry and an unmatched group whose names are equal
 * up to case. Lower-cases group names only when some claim entry is unmatched, so the common case
 * (every entry matched) costs nothing.
 */
function findCaseOnlyMatches<G extends OrgGroup>(
  unmatchedClaims: readonly string[],
  unmatchedGroups: readonly G[],
): CaseOnlyMatch<G>[] {
  if (unmatchedClaims.length === 0 || unmatchedGroups.length === 0) return []
  const claimsByKey = new Map<string, string[]>()
  for (const claim of unmatchedClaims) {
    const key = lower(claim)
    const list = claimsByKey.get(key)
    if (list === undefined) claimsByKey.set(key, [claim])
    else list.push(claim)
  }
  const pairs: CaseOnlyMatch<G>[] = []
  for (const group of unmatchedGroups) {
    const claimsForGroup = claimsByKey.get(lower(group.name))
    if (claimsForGroup !== undefined) {
      for (const claim of claimsForGroup) pairs.push({ claim, group })
    }
  }
  return pairs.sort(compareCaseOnlyMatches)
}
