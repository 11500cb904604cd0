import type { AuditEvent } from '@groupsync/core'
import {
  createFreshnessGuard,
  SyncError,
  type ClaimSummary,
  type FreshnessGuard,
  type FreshnessLimits,
  type SyncResult,
} from '@groupsync/sync'
import type { SyncFreshnessInput } from './sync-input.js'

// What @groupsync/sync answered, written in a sync vector's terms (docs/rules.md, "Sync vector
// format"): the vector's group ids instead of the store's, times as ISO strings, a failure as its
// status, code and path.

/** A member of a `sync` answer's output, as JSON. */
export type Output = Record<string, unknown>

export const iso = (d: Date): string => d.toISOString()

/** The store's ids and the vector's, both ways. */
export interface Ids {
  readonly toStore: (vectorId: string) => string
  readonly toVector: (storeId: string) => string
}

const claimOf = (claim: ClaimSummary): Output => ({
  state: claim.state,
  source: claim.source,
  groups: [...claim.groups],
  droppedEmpty: claim.droppedEmpty,
  policy: claim.policy,
  digest: claim.digest,
  ...(claim.sent === undefined ? {} : { sent: [...claim.sent] }),
})

/** A failure as a vector's result: its status, its code, and a path when the error has one. */
export const failure = (
  status: 'denied' | 'error',
  error: { readonly code: string; readonly path?: string | undefined },
): Output => ({
  status,
  code: error.code,
  ...(error.path === undefined ? {} : { path: error.path }),
})

/** A login's result, every group as the vector's id. */
export function loginResult(result: SyncResult, ids: Ids): Output {
  const list = (groups: readonly { readonly id: string }[]) => groups.map((g) => ids.toVector(g.id))
  switch (result.status) {
    case 'disabled':
      return { status: 'disabled', cause: result.cause }
    case 'kept':
      return { status: 'kept', claim: claimOf(result.claim) }
    case 'stale':
      return {
        status: 'stale',
        claim: claimOf(result.claim),
        tokenIssuedAt: iso(result.tokenIssuedAt),
        cause: result.cause,
        ...(result.cause === 'older-than-last-sync'
          ? { lastTokenIssuedAt: iso(result.lastTokenIssuedAt) }
          : { removedAt: iso(result.removedAt) }),
      }
    case 'synced':
      return {
        status: 'synced',
        claim: claimOf(result.claim),
        removalMode: result.removalMode,
        diff: {
          toAdd: list(result.diff.toAdd),
          toRemove: list(result.diff.toRemove),
          unchanged: list(result.diff.unchanged),
          unmatchedClaims: [...result.diff.unmatchedClaims],
          caseOnlyMatches: result.diff.caseOnlyMatches.map((pair) => ({
            claim: pair.claim,
            group: ids.toVector(pair.group.id),
          })),
        },
        added: list(result.added),
        removed: list(result.removed),
        keptManual: list(result.keptManual),
        syncedAt: iso(result.syncedAt),
      }
  }
}

/** A freshness case's result (rule S11): the freshness guard's check, or its limits' error. */
export function freshnessResult(input: SyncFreshnessInput): Output {
  const { lastSyncedAt, now, limits } = input.freshness
  let guard: FreshnessGuard
  try {
    guard = createFreshnessGuard(limits as FreshnessLimits)
  } catch (error) {
    if (error instanceof SyncError) return failure('error', error)
    throw error
  }
  const checked = guard.check(lastSyncedAt === null ? null : new Date(lastSyncedAt), new Date(now))
  switch (checked.status) {
    case 'never-synced':
      return { status: 'never-synced' }
    case 'fresh':
      return { status: 'fresh', ageMs: checked.ageMs }
    case 'stale':
      return { status: 'stale', reason: checked.reason, ageMs: checked.ageMs }
  }
}

/** An appended audit event with every member it has but its seq, time and org. */
export const eventOf = (event: AuditEvent, ids: Ids): Output => ({
  type: event.type,
  ...(event.userId === undefined ? {} : { userId: event.userId }),
  ...(event.groupId === undefined ? {} : { groupId: ids.toVector(event.groupId) }),
  ...(event.groupName === undefined ? {} : { groupName: event.groupName }),
  ...(event.source === undefined ? {} : { source: event.source }),
  ...(event.actor === undefined ? {} : { actor: event.actor }),
  ...(event.claimDigest === undefined ? {} : { claimDigest: event.claimDigest }),
  ...(event.detail === undefined ? {} : { detail: { ...event.detail } }),
})
