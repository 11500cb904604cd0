import {
  computeMembershipDiff,
  type AuditEventInput,
  type MembershipDiff,
  type MembershipSource,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncSnapshot,
} from '@groupsync/core'
import { SyncError, type LoginSyncError } from '../errors.js'
import { applyRemovalMode, explainMembershipDiff } from '../explain-membership-diff.js'
import type { ResolvedSyncPolicy } from '../sync-policy.js'
import type { ClaimSummary, PlannedChanges, StaleLoginCause, SyncResult } from '../sync-types.js'
import type { ClaimReading, DeniedClaim } from './read-login-claim.js'
import { reportAsSent } from './report-as-sent.js'

/** The changes a claim makes to a snapshot, with the removal mode applied. */
export interface ComputedChanges {
  readonly orgId: string
  readonly userId: string
  readonly claim: ClaimSummary
  readonly policy: ResolvedSyncPolicy
  readonly diff: MembershipDiff<StoredGroup>
  readonly toAdd: readonly StoredGroup[]
  readonly toRemove: readonly StoredGroup[]
  readonly keptManual: readonly StoredGroup[]
  readonly sources: ReadonlyMap<string, MembershipSource>
  readonly matchMode: UserSyncSnapshot['settings']['matchMode']
  /** The issue time of the login's token, recorded with the sync when there is one. */
  readonly tokenIssuedAt?: Date
}

/** What one login does to one snapshot (points 1 and 4–7 of the sync, rules S12 and S13). */
export type Decision =
  | {
      readonly kind: 'disabled'
      readonly cause: Extract<SyncResult, { status: 'disabled' }>['cause']
    }
  | { readonly kind: 'kept'; readonly claim: ClaimSummary }
  | ({
      readonly kind: 'stale'
      readonly claim: ClaimSummary
      readonly tokenIssuedAt: Date
    } & StaleLoginCause)
  | {
      readonly kind: 'denied'
      readonly error: LoginSyncError
      /** The state of the claim the denial is about, for the telemetry's dimensions. */
      readonly claimState: string
      readonly audit: AuditEventInput
      readonly computed?: ComputedChanges
    }
  | { readonly kind: 'sync'; readonly computed: ComputedChanges }

/**
 * Decides, from the snapshot the store read under the per-user lock, what the login does. Pure:
 * the store applies what this returns in the same unit of work.
 */
export function decideLogin(
  snapshot: UserSyncSnapshot,
  reading: ClaimReading,
  policy: ResolvedSyncPolicy,
): Decision {
  // Re-checked here although the caller checked before reading the claim: the setting may have
  // been turned off since, and this read is the one under the lock.
  if (!snapshot.settings.manageGroupMemberships) return { kind: 'disabled', cause: 'mapping-off' }
  if (reading.kind === 'deny') {
    return {
      kind: 'denied',
      error: reading.error,
      claimState: reading.denied.state,
      audit: deniedEvent(snapshot, reading.error, reading.denied),
    }
  }
  if (reading.kind === 'keep') return { kind: 'kept', claim: reading.claim }
  const stale =
    staleLogin(snapshot, reading, policy) ?? loginBeforeRemoval(snapshot, reading, policy)
  if (stale !== null) return stale

  const sources = new Map(snapshot.memberships.map((m) => [m.groupId, m.source] as const))
  const diff = reportAsSent(
    // The snapshot's groups are the slice of the org for this claim (rule 11), which gives the
    // diff over the whole organisation: the store read them for `loginClaimGroups(reading)`.
    computeMembershipDiff(reading.claim.groups, snapshot.groups, [...sources.keys()], {
      match: snapshot.settings.matchMode,
    }),
    reading.claim.sent,
    policy.claimsOptions,
  )
  const split = applyRemovalMode(diff.toRemove, policy.removalMode, sources)
  const computed: ComputedChanges = {
    orgId: snapshot.orgId,
    userId: snapshot.userId,
    claim: reading.claim,
    policy,
    diff,
    toAdd: diff.toAdd,
    toRemove: split.toRemove,
    keptManual: split.keptManual,
    sources,
    matchMode: snapshot.settings.matchMode,
    ...(reading.tokenIssuedAt === undefined ? {} : { tokenIssuedAt: reading.tokenIssuedAt }),
  }
  const tripped = massRemovalGuard(computed, snapshot.memberships.length)
  if (tripped !== null) {
    const denied: DeniedClaim = {
      state: reading.claim.state,
      source: reading.claim.source,
      digest: reading.claim.digest,
      detail: tripped.detail,
    }
    return {
      kind: 'denied',
      error: tripped.error,
      claimState: denied.state,
      audit: deniedEvent(snapshot, tripped.error, denied),
      computed,
    }
  }
  return { kind: 'sync', computed }
}

/**
 * The claim entries a login's unit of work reads the slice of the org's groups for (rule 11):
 * exactly those {@link decideLogin} hands `computeMembershipDiff`. A claim that is kept or denied
 * decides on no group, so it reads none but the user's own.
 */
export function loginClaimGroups(reading: ClaimReading): readonly string[] {
  return reading.kind === 'sync' ? reading.claim.groups : []
}

/**
 * Rule S12, the stale-token rule: a login whose token was issued before the token of the user's
 * last applied sync is a replay of an older login (still within its `exp`), and applying it would
 * put back groups a newer login took away. Equal times are not stale (two logins in the same
 * second).
 */
function staleLogin(
  snapshot: UserSyncSnapshot,
  reading: Extract<ClaimReading, { kind: 'sync' }>,
  policy: ResolvedSyncPolicy,
): Decision | null {
  const last = snapshot.lastTokenIssuedAt
  const issued = reading.tokenIssuedAt
  if (last === null || issued === undefined || issued.getTime() >= last.getTime()) return null
  return refuseStale(snapshot, reading, policy, issued, {
    cause: 'older-than-last-sync',
    lastTokenIssuedAt: last,
  })
}

/**
 * Rule S13, a login from before the user's removal: `removeUser` took every membership away at
 * `removedAt` (and forgot the last sync, so rule S12 has nothing left to compare with). A token
 * issued at or before that time was issued to the user as they were before the removal — a
 * replayed token, or a login racing the offboarding — and applying its claim would bring the
 * memberships back. It is treated exactly as a stale token (the same policy, the same result).
 * Unlike rule S12, equal times are refused: in doubt the removal wins. A token time is a whole
 * second, so a token stamped with the removal's own time may have been issued before it, while a
 * user who really signs in again after the removal gets a later token. A login without a token
 * time after a removal is applied: the application vouched for its claims, and refusing it would
 * keep the user out of every group for good.
 */
function loginBeforeRemoval(
  snapshot: UserSyncSnapshot,
  reading: Extract<ClaimReading, { kind: 'sync' }>,
  policy: ResolvedSyncPolicy,
): Decision | null {
  const removedAt = snapshot.removedAt
  const issued = reading.tokenIssuedAt
  if (removedAt === null || issued === undefined || issued.getTime() > removedAt.getTime()) {
    return null
  }
  return refuseStale(snapshot, reading, policy, issued, {
    cause: 'issued-before-removal',
    removedAt,
  })
}

/** A stale login under the org's `staleLogin` policy: skipped, or denied with its event. */
function refuseStale(
  snapshot: UserSyncSnapshot,
  reading: Extract<ClaimReading, { kind: 'sync' }>,
  policy: ResolvedSyncPolicy,
  issued: Date,
  why: StaleLoginCause,
): Decision {
  if (policy.staleLogin === 'skip') {
    return { kind: 'stale', claim: reading.claim, tokenIssuedAt: issued, ...why }
  }
  const error =
    why.cause === 'older-than-last-sync'
      ? new SyncError(
          'STALE_LOGIN_DENIED',
          "The login's token is older than the token of the user's last sync (a replayed login?); nothing changed. Ask the user to log in again.",
          { value: issued.toISOString() },
        )
      : new SyncError(
          'STALE_LOGIN_DENIED',
          "The login's token was issued before the user was removed from the organisation; nothing changed. Ask the user to log in again.",
          { value: issued.toISOString() },
        )
  const detail =
    why.cause === 'older-than-last-sync'
      ? {
          tokenIssuedAt: issued.toISOString(),
          lastTokenIssuedAt: why.lastTokenIssuedAt.toISOString(),
        }
      : { tokenIssuedAt: issued.toISOString(), removedAt: why.removedAt.toISOString() }
  const denied: DeniedClaim = {
    state: reading.claim.state,
    source: reading.claim.source,
    digest: reading.claim.digest,
    detail,
  }
  return {
    kind: 'denied',
    error,
    claimState: denied.state,
    audit: deniedEvent(snapshot, error, denied),
  }
}

function massRemovalGuard(
  computed: ComputedChanges,
  memberships: number,
): { readonly error: SyncError; readonly detail: DeniedClaim['detail'] } | null {
  const { maxRemovals, maxRemovalPercent } = computed.policy.massRemovalGuard
  const removals = computed.toRemove.length
  const overCount = maxRemovals !== undefined && removals > maxRemovals
  // removals <= memberships, so with no memberships nothing can trip the percentage
  const overPercent =
    maxRemovalPercent !== undefined && removals * 100 > maxRemovalPercent * memberships
  if (!overCount && !overPercent) return null
  const limits = [
    maxRemovals === undefined ? null : `at most ${maxRemovals} removals`,
    maxRemovalPercent === undefined ? null : `at most ${maxRemovalPercent}% of the memberships`,
  ].filter((s) => s !== null)
  return {
    error: new SyncError(
      'MASS_REMOVAL_GUARD_TRIPPED',
      `The sync would remove ${removals} of the user's ${memberships} memberships, more than the org's mass-removal guard allows (${limits.join(', ')}); nothing changed. Check the provider's groups for this user; if the removal is intended, raise the guard for this org and let the user log in again.`,
      { value: removals },
    ),
    detail: {
      removals,
      memberships,
      ...(maxRemovals === undefined ? {} : { maxRemovals }),
      ...(maxRemovalPercent === undefined ? {} : { maxRemovalPercent }),
    },
  }
}

function deniedEvent(
  snapshot: UserSyncSnapshot,
  error: LoginSyncError,
  denied: DeniedClaim,
): AuditEventInput {
  return {
    type: 'sync.denied',
    orgId: snapshot.orgId,
    userId: snapshot.userId,
    source: 'sync',
    claimDigest: denied.digest,
    detail: {
      code: error.code,
      claimState: denied.state,
      claimSource: denied.source,
      ...denied.detail,
    },
  }
}

/** The store writes of a decision: memberships, audit events and the last-sync time. */
export function decisionChanges(decision: Decision, syncedAt: Date): UserSyncChanges | null {
  switch (decision.kind) {
    case 'disabled':
    case 'kept':
    case 'stale':
      return null
    case 'denied':
      return { add: [], remove: [], audit: [decision.audit] }
    case 'sync':
      return syncChanges(decision.computed, syncedAt)
  }
}

function syncChanges(computed: ComputedChanges, syncedAt: Date): UserSyncChanges {
  const { claim } = computed
  const detail = { claimState: claim.state, claimSource: claim.source, claimPolicy: claim.policy }
  const event = (
    type: 'membership.added' | 'membership.removed',
    group: StoredGroup,
  ): AuditEventInput => ({
    type,
    orgId: computed.orgId,
    userId: computed.userId,
    groupId: group.id,
    groupName: group.name,
    source: 'sync',
    claimDigest: claim.digest,
    // Rule S7: a removal says who had made the membership, so that a hand-made one taken away by
    // an authoritative sync can be told from the sync's own.
    detail:
      type === 'membership.removed'
        ? { ...detail, previousSource: computed.sources.get(group.id) ?? 'sync' }
        : detail,
  })
  return {
    add: computed.toAdd.map((g) => ({ groupId: g.id, source: 'sync' as const })),
    remove: computed.toRemove.map((g) => g.id),
    audit: [
      ...computed.toAdd.map((g) => event('membership.added', g)),
      ...computed.toRemove.map((g) => event('membership.removed', g)),
    ],
    syncedAt,
    ...(computed.tokenIssuedAt === undefined ? {} : { tokenIssuedAt: computed.tokenIssuedAt }),
  }
}

/** The dry-run view of computed changes: the steps and notes in words. */
export function plannedChanges(computed: ComputedChanges): PlannedChanges {
  const explained = explainMembershipDiff(computed.diff, {
    claimGroups: computed.claim.groups,
    match: computed.matchMode,
    removalMode: computed.policy.removalMode,
    membershipSources: computed.sources,
    claimAbsent: computed.claim.state === 'absent',
    delimiter: computed.policy.claimsOptions.delimiter,
  })
  return {
    claim: computed.claim,
    removalMode: computed.policy.removalMode,
    diff: computed.diff,
    toAdd: computed.toAdd,
    toRemove: computed.toRemove,
    keptManual: computed.keptManual,
    steps: explained.steps,
    notes: explained.notes,
  }
}
