import type {
  ClaimSource,
  DistributedClaimsResolver,
  GroupsClaimOptions,
  IdTokenVerification,
  LoginClaimsInput,
  ProviderPresetName,
} from '@groupsync/claims'
import type { LoginSyncStore, MembershipDiff, OrgGroup, StoredGroup } from '@groupsync/core'
import type { LoginSyncError } from './errors.js'
import type { RemovalMode, SyncPolicy } from './sync-policy.js'
import type { SyncTelemetryOptions } from './sync-telemetry.js'

/**
 * What a login hands the sync: whose login it is, and its ID token (verified here against
 * `deps.verification`) or the claims of a token the caller verified already, plus the userinfo
 * body and the access token when there are any.
 */
export type LoginSyncInput = { readonly orgId: string; readonly userId: string } & LoginClaimsInput

/**
 * What the sync service needs. Only `store` is required, and no other member is allowed: each
 * call decodes its dependencies first, and a missing, wrong or misspelt member is
 * `SYNC_INPUT_INVALID` at its JSON Pointer (`/store/withLoginSync`, `/polcy`).
 */
export interface SyncDeps {
  /**
   * The login sync's role of a store: the org's settings, the per-login unit of work and the
   * last-sync record. A `MembershipStore` plays it, and so does an application's own tables
   * wrapped with `defineLoginSyncStore`.
   */
  readonly store: LoginSyncStore
  /** How to verify an ID token; required when the input holds an `idToken`. */
  readonly verification?: IdTokenVerification
  /**
   * The service's identity provider, by preset name: its claims options and policy defaults for
   * every org, under `claimsOptions` (an org's policy may name its own preset instead).
   */
  readonly preset?: ProviderPresetName
  /** Where and how the provider sends the groups, for every org (a policy may override it). */
  readonly claimsOptions?: GroupsClaimOptions
  /**
   * Fetches the groups a token does not carry: an overage's (OIDC Core 5.6.2, Entra), or an
   * absent claim's under the policy `absent: 'resolve'` (Google); without one, both are denied.
   */
  readonly resolver?: DistributedClaimsResolver
  /** The org's login-sync policy; {@link DEFAULT_SYNC_POLICY} where it says nothing. */
  readonly policy?: (orgId: string) => SyncPolicy | Promise<SyncPolicy>
  /** The time stamped as the last sync; `() => new Date()` by default. */
  readonly clock?: () => Date
  /**
   * What the OpenTelemetry spans may record beyond counts and codes (group names, the user id);
   * nothing extra by default. Spans and metrics go to the global `@opentelemetry/api` providers.
   */
  readonly telemetry?: SyncTelemetryOptions
}

/**
 * Which policy branch a claim took: synced as sent, resolved from an overage, an absent claim
 * read as empty, an absent claim that changed nothing, or an absent claim resolved.
 */
export type ClaimPolicyApplied =
  'present' | 'overage-resolved' | 'absent-as-empty' | 'absent-keep' | 'absent-resolved'

/** The groups claim of a login as the sync read it. */
export interface ClaimSummary {
  /** The state the provider sent: `present`, `absent` or `overage` (resolved). */
  readonly state: 'present' | 'absent' | 'overage'
  /** Where the groups came from; null when the claim was absent and not resolved. */
  readonly source: ClaimSource | null
  /** The entries the diff used (empty for an absent claim read as empty). */
  readonly groups: readonly string[]
  /** How many empty strings the claim held (dropped). */
  readonly droppedEmpty: number
  /**
   * With a claims `valueMapping` only: the entries as the provider sent them, before the mapping
   * turned them into `groups`.
   */
  readonly sent?: readonly string[]
  /** SHA-256 hex digest of the claim, as written to the audit events. */
  readonly digest: string
  readonly policy: ClaimPolicyApplied
}

/** How long each part of a sync took, in milliseconds. */
export interface SyncTimings {
  /** Verifying the token, reading the claim and resolving an overage. */
  readonly claimsMs: number
  /** The store's unit of work, including the diff. */
  readonly storeMs: number
  readonly totalMs: number
}

/** A sync that applied the claim: what it added and removed, and why. */
export interface SyncedResult {
  readonly status: 'synced'
  readonly claim: ClaimSummary
  readonly removalMode: RemovalMode
  /** The full diff of `computeMembershipDiff` (before the removal mode). */
  readonly diff: MembershipDiff<StoredGroup>
  readonly added: readonly StoredGroup[]
  readonly removed: readonly StoredGroup[]
  /** Groups the claim does not name that stayed because their membership is manual (sync-owned). */
  readonly keptManual: readonly StoredGroup[]
  /** Claim entries that name no org group. */
  readonly unmatchedClaims: readonly string[]
  /** Claim entries that name a group only up to case (exact match mode): likely typos. */
  readonly caseOnlyMatches: MembershipDiff<StoredGroup>['caseOnlyMatches']
  /**
   * Why entries matched nothing, in words (as the dry run's notes): each unmatched entry, each
   * case-only near miss, and a hint when an entry looks like several groups in one string.
   */
  readonly notes: readonly string[]
  /** The last-sync time recorded. */
  readonly syncedAt: Date
  readonly timings: SyncTimings
}

/**
 * Why a login was skipped or denied as stale, with the time its token was compared with:
 *
 * - `older-than-last-sync` (rule S12): the token was issued before the token of the user's last
 *   applied sync — a replay of an older (still valid) token, which would put old groups back;
 * - `issued-before-removal` (rule S13): the token was issued at or before the user's removal from
 *   the organisation (`removeUser`) — a login from before the removal, which would bring the
 *   removed memberships back.
 */
export type StaleLoginCause =
  | {
      readonly cause: 'older-than-last-sync'
      /** The issue time of the token behind the last applied sync, which is later. */
      readonly lastTokenIssuedAt: Date
    }
  | {
      readonly cause: 'issued-before-removal'
      /** When the user was removed from the organisation, at or after the token's issue time. */
      readonly removedAt: Date
    }

/**
 * A login skipped (policy `staleLogin: 'skip'`) because its token is stale: older than the token
 * of the user's last applied sync, or issued before the user was removed from the organisation.
 * Nothing was written.
 */
export type StaleLoginResult = {
  readonly status: 'stale'
  readonly claim: ClaimSummary
  /** The issue time of this login's token (`auth_time` when present, else `iat`). */
  readonly tokenIssuedAt: Date
  readonly timings: SyncTimings
} & StaleLoginCause

/**
 * What {@link syncOnLogin} did: nothing because mapping is off for the org (or it was never
 * configured), nothing because the claim was absent and the policy keeps, nothing because the
 * token is stale (older than the last applied one, or from before the user's removal), or a sync.
 */
export type SyncResult =
  | {
      readonly status: 'disabled'
      /**
       * Why nothing changed (rule S1): the org's mapping is off, or the org never stored any
       * settings — an organisation never configured, or an org id with a typo.
       */
      readonly cause: 'mapping-off' | 'never-configured'
      readonly timings: SyncTimings
    }
  | { readonly status: 'kept'; readonly claim: ClaimSummary; readonly timings: SyncTimings }
  | StaleLoginResult
  | SyncedResult

/** One line of a dry run: what would happen to one group, and why. */
export interface PlanStep<G extends OrgGroup = StoredGroup> {
  /** `add`/`remove` would change; `stay` is a matched membership; `keep` a manual one not removed. */
  readonly action: 'add' | 'remove' | 'stay' | 'keep'
  readonly group: G
  readonly reason: string
}

/** The diff part of a dry run. */
export interface PlannedChanges {
  readonly claim: ClaimSummary
  readonly removalMode: RemovalMode
  readonly diff: MembershipDiff<StoredGroup>
  readonly toAdd: readonly StoredGroup[]
  readonly toRemove: readonly StoredGroup[]
  readonly keptManual: readonly StoredGroup[]
  readonly steps: readonly PlanStep[]
  /** Unmatched entries and case-only near misses, in words. */
  readonly notes: readonly string[]
}

/**
 * What {@link planOnLogin} found: what a sync would do now, including a denial (with the steps it
 * refused when the diff was computed, as for the mass-removal guard). Nothing is written.
 */
export type SyncPlan =
  | {
      readonly status: 'disabled'
      readonly cause: Extract<SyncResult, { status: 'disabled' }>['cause']
      readonly reason: string
    }
  | { readonly status: 'kept'; readonly claim: ClaimSummary; readonly reason: string }
  | ({
      readonly status: 'stale'
      readonly claim: ClaimSummary
      readonly tokenIssuedAt: Date
      readonly reason: string
    } & StaleLoginCause)
  | ({ readonly status: 'planned' } & PlannedChanges)
  | {
      readonly status: 'denied'
      readonly error: LoginSyncError
      readonly planned?: PlannedChanges
    }
