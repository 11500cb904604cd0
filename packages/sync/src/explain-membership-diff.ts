import {
  sliceKey,
  type MatchMode,
  type MembershipDiff,
  type MembershipSource,
  type OrgGroup,
} from '@groupsync/core'
import type { RemovalMode } from './sync-policy.js'
import type { PlanStep } from './sync-types.js'

/** What {@link explainMembershipDiff} needs besides the diff. */
export interface ExplainOptions {
  /** The claim entries the diff was computed from. */
  readonly claimGroups: readonly string[]
  readonly match?: MatchMode
  /** Default `authoritative`. */
  readonly removalMode?: RemovalMode
  /** Who created each current membership, by group id; unknown ones count as `sync`. */
  readonly membershipSources?: ReadonlyMap<string, MembershipSource>
  /** The claim was absent and read as empty. */
  readonly claimAbsent?: boolean
  /**
   * The claims option `delimiter` in force; without one, an unmatched entry holding a comma or a
   * semicolon gets a note that a delimiter exists.
   */
  readonly delimiter?: string | undefined
}

/** A diff in words: one step per group it touches, and notes on what in the claim matched nothing. */
export interface DiffExplanation<G extends OrgGroup> {
  readonly steps: readonly PlanStep<G>[]
  readonly notes: readonly string[]
  /** The groups the removal mode actually removes. */
  readonly toRemove: readonly G[]
  /** The groups the claim does not name whose manual membership the removal mode keeps. */
  readonly keptManual: readonly G[]
}

/**
 * Splits a diff's `toRemove` by the removal mode: `authoritative` removes all of it, `sync-owned`
 * only the memberships the sync created.
 */
export function applyRemovalMode<G extends OrgGroup>(
  toRemove: readonly G[],
  mode: RemovalMode,
  sources: ReadonlyMap<string, MembershipSource>,
): { readonly toRemove: readonly G[]; readonly keptManual: readonly G[] } {
  if (mode === 'authoritative') return { toRemove, keptManual: [] }
  const removed: G[] = []
  const kept: G[] = []
  for (const group of toRemove) (sources.get(group.id) === 'manual' ? kept : removed).push(group)
  return { toRemove: removed, keptManual: kept }
}

const q = (s: string): string => JSON.stringify(s)

/**
 * Explains a membership diff group by group — why each is added, removed, kept or stays — for a
 * dry run (`planOnLogin`, `groupsync plan`).
 *
 * @example
 * ```ts
 * const diff = computeMembershipDiff(['dev'], groups, ['g2'])
 * explainMembershipDiff(diff, { claimGroups: ['dev'] }).steps
 * // [{ action: 'add', group: dev, reason: 'the claim names "dev"' }, { action: 'remove', … }]
 * ```
 */
export function explainMembershipDiff<G extends OrgGroup>(
  diff: MembershipDiff<G>,
  options: ExplainOptions,
): DiffExplanation<G> {
  const mode = options.removalMode ?? 'authoritative'
  const sources = options.membershipSources ?? new Map<string, MembershipSource>()
  // Which entry named a group: in case-insensitive mode, the first whose key is the group's.
  // The key is core's (the one the diff and the store's slice match by), never re-derived here.
  const caseInsensitive = options.match === 'case-insensitive'
  const entryByKey = new Map<string, string>()
  if (caseInsensitive) {
    for (const entry of options.claimGroups) {
      const key = sliceKey(entry)
      if (!entryByKey.has(key)) entryByKey.set(key, entry)
    }
  }
  const named = (group: G): string => {
    const entry = caseInsensitive ? entryByKey.get(sliceKey(group.name)) : group.name
    return entry === undefined || entry === group.name
      ? `the claim names ${q(group.name)}`
      : `the claim entry ${q(entry)} matches ${q(group.name)} ignoring case`
  }
  const notNamed = options.claimAbsent
    ? 'the login carries no groups claim and the policy reads that as no groups'
    : `the claim does not name it`
  const split = applyRemovalMode(diff.toRemove, mode, sources)

  const steps: PlanStep<G>[] = [
    ...diff.toAdd.map((group) => ({ action: 'add' as const, group, reason: named(group) })),
    ...split.toRemove.map((group) => ({
      action: 'remove' as const,
      group,
      reason:
        mode === 'authoritative'
          ? `${notNamed}; authoritative removal takes the user out of every org group the claim does not name`
          : `${notNamed} and the sync created this membership (sync-owned removal)`,
    })),
    ...split.keptManual.map((group) => ({
      action: 'keep' as const,
      group,
      reason: `${notNamed}, but the membership was made by hand and sync-owned removal keeps manual memberships`,
    })),
    ...diff.unchanged.map((group) => ({
      action: 'stay' as const,
      group,
      reason: `${named(group)} and the user is already a member`,
    })),
  ]
  return {
    steps,
    notes: diffNotes(diff, options.delimiter),
    toRemove: split.toRemove,
    keptManual: split.keptManual,
  }
}

const NO_NOTES: readonly string[] = []

/** What looks like several groups sent in one string: the separators providers use. */
const SEPARATOR = /[,;]/

/**
 * The diagnostics of a diff in words: each unmatched entry (with a hint when, without a
 * `delimiter`, it holds a comma or a semicolon: several groups sent as one string, rule C5) and
 * each case-only near miss. The sync's result and the dry run both carry them.
 */
export function diffNotes<G extends OrgGroup>(
  diff: MembershipDiff<G>,
  delimiter: string | undefined,
): readonly string[] {
  if (diff.unmatchedClaims.length === 0 && diff.caseOnlyMatches.length === 0) return NO_NOTES
  // An entry that misses a group only by case gets the more useful note below instead.
  const nearMisses = new Set(diff.caseOnlyMatches.map((m) => m.claim))
  const unmatched = (entry: string): string => {
    const separator = delimiter === undefined ? SEPARATOR.exec(entry)?.[0] : undefined
    return separator === undefined
      ? `claim entry ${q(entry)} names no group of the organisation`
      : `claim entry ${q(entry)} names no group of the organisation; it holds a ${q(separator)}: if the provider sends several groups in one string, set the claims option delimiter to ${q(separator)}`
  }
  return [
    ...diff.unmatchedClaims.filter((entry) => !nearMisses.has(entry)).map(unmatched),
    ...diff.caseOnlyMatches.map(
      ({ claim, group }) =>
        `claim entry ${q(claim)} equals group ${q(group.name)} (${group.id}) only up to case; the org matches names exactly, so fix the name at the provider or switch the org to case-insensitive matching`,
    ),
  ]
}
