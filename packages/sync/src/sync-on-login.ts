import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { SyncServiceError, toSyncError, type SyncError } from './errors.js'
import {
  decideLogin,
  decisionChanges,
  loginClaimGroups,
  plannedChanges,
  type Decision,
} from './internal/decide-login.js'
import { observeLoginSync } from './internal/observe-login-sync.js'
import { readLoginClaim, type ClaimReading } from './internal/read-login-claim.js'
import { resolveSyncPolicy, type ResolvedSyncPolicy } from './sync-policy.js'
import type { LoginSyncInput, SyncDeps, SyncPlan, SyncResult, SyncTimings } from './sync-types.js'

type Prepared =
  | { readonly kind: 'disabled' }
  | { readonly kind: 'ready'; readonly policy: ResolvedSyncPolicy; readonly reading: ClaimReading }

/**
 * Syncs a user's memberships of an organisation's groups from their OIDC login: call it from the
 * login callback, after the code exchange. With mapping off for the org it changes nothing
 * (`disabled`); otherwise it reads the groups claim, applies the org's policy, and in one store
 * transaction adds and removes memberships, appends the audit events and records the sync time.
 * A policy denial writes only a `sync.denied` audit event and fails with a coded error.
 *
 * @example
 * ```ts
 * const result = await syncOnLogin(
 *   { orgId: 'acme', userId: user.id, claims: tokens.claims() },
 *   { store },
 * )()
 * if (result._tag === 'Left') log.warn(result.left.code, result.left.message)
 * ```
 */
export function syncOnLogin(
  input: LoginSyncInput,
  deps: SyncDeps,
): TaskEither<SyncError, SyncResult> {
  return () => observeLoginSync(input, deps, (observed) => runSync(input, observed))
}

/**
 * {@link syncOnLogin} for callers without fp-ts: resolves with the result, rejects with the
 * {@link SyncError}.
 *
 * @example
 * ```ts
 * try { await syncOnLoginAsync({ orgId, userId, idToken }, deps) }
 * catch (e) { if (e instanceof GroupsyncError) console.error(e.code, e.message) }
 * ```
 */
export async function syncOnLoginAsync(input: LoginSyncInput, deps: SyncDeps): Promise<SyncResult> {
  return unwrap(await observeLoginSync(input, deps, (observed) => runSync(input, observed)))
}

/**
 * A dry run of {@link syncOnLogin} with the same inputs: reads the store and explains each add and
 * remove, and what a denial would refuse, but writes nothing (not even a `sync.denied` event).
 *
 * @example
 * ```ts
 * const plan = await planOnLoginAsync({ orgId: 'acme', userId: 'alice', claims }, { store })
 * if (plan.status === 'planned') for (const s of plan.steps) console.log(s.action, s.group.name, s.reason)
 * ```
 */
export function planOnLogin(
  input: LoginSyncInput,
  deps: SyncDeps,
): TaskEither<SyncError, SyncPlan> {
  return () => runPlan(input, deps)
}

/** {@link planOnLogin} for callers without fp-ts: rejects with the {@link SyncError}. */
export async function planOnLoginAsync(input: LoginSyncInput, deps: SyncDeps): Promise<SyncPlan> {
  return unwrap(await runPlan(input, deps))
}

function unwrap<A>(result: Either<SyncError, A>): A {
  if (E.isLeft(result)) throw result.left
  return result.right
}

async function prepare(
  input: LoginSyncInput,
  deps: SyncDeps,
): Promise<Either<SyncError, Prepared>> {
  for (const key of ['orgId', 'userId'] as const) {
    if (typeof (input[key] as unknown) !== 'string') {
      return E.left(
        new SyncServiceError('SYNC_INPUT_INVALID', `The login input's ${key} must be a string.`, {
          path: key,
        }),
      )
    }
  }
  // Point 1: with mapping off nothing else happens, not even token verification.
  const settings = await deps.store.getOrgSettings(input.orgId)
  if (!settings.manageGroupMemberships) return E.right({ kind: 'disabled' })
  const policy = resolveSyncPolicy(
    deps.policy === undefined ? {} : await deps.policy(input.orgId),
    deps.claimsOptions,
    deps.preset,
  )
  if (E.isLeft(policy)) return policy
  const reading = await readLoginClaim(input, deps, policy.right)
  if (E.isLeft(reading)) return reading
  return E.right({ kind: 'ready', policy: policy.right, reading: reading.right })
}

/** What the unit of work decided, or that mapping was off before it ran, with the timings. */
interface LoginOutcome {
  readonly decision: Decision
  readonly syncedAt: Date
  readonly timings: SyncTimings
}

/** Prepares, then decides in the store's unit of work (applying the writes when `write`). */
async function run(
  input: LoginSyncInput,
  deps: SyncDeps,
  write: boolean,
): Promise<Either<SyncError, LoginOutcome>> {
  const start = performance.now()
  try {
    const prepared = await prepare(input, deps)
    if (E.isLeft(prepared)) return prepared
    const claimsDone = performance.now()
    const timings = (end: number): SyncTimings => ({
      claimsMs: claimsDone - start,
      storeMs: end - claimsDone,
      totalMs: end - start,
    })
    const clock = deps.clock ?? (() => new Date())
    if (prepared.right.kind === 'disabled') {
      return E.right({
        decision: { kind: 'disabled' },
        syncedAt: clock(),
        timings: timings(claimsDone),
      })
    }
    const { policy, reading } = prepared.right
    // The store reads the slice of the org's groups for the entries the diff uses (rule 11).
    const decided = await deps.store.withLoginSync(
      input.orgId,
      input.userId,
      loginClaimGroups(reading),
      (snapshot) => {
        const decision = decideLogin(snapshot, reading, policy)
        const syncedAt = clock()
        return {
          changes: write ? decisionChanges(decision, syncedAt) : null,
          result: { decision, syncedAt },
        }
      },
    )
    return E.right({ ...decided, timings: timings(performance.now()) })
  } catch (error) {
    return E.left(toSyncError(error))
  }
}

async function runSync(
  input: LoginSyncInput,
  deps: SyncDeps,
): Promise<Either<SyncError, SyncResult>> {
  const ran = await run(input, deps, true)
  if (E.isLeft(ran)) return ran
  const { decision, syncedAt, timings } = ran.right
  switch (decision.kind) {
    case 'disabled':
      return E.right({ status: 'disabled', timings })
    case 'kept':
      return E.right({ status: 'kept', claim: decision.claim, timings })
    case 'stale': {
      const { kind, ...stale } = decision
      return E.right({ ...stale, status: 'stale', timings })
    }
    case 'denied':
      return E.left(decision.error)
    case 'sync': {
      const c = decision.computed
      return E.right({
        status: 'synced',
        claim: c.claim,
        removalMode: c.policy.removalMode,
        diff: c.diff,
        added: c.toAdd,
        removed: c.toRemove,
        keptManual: c.keptManual,
        unmatchedClaims: c.diff.unmatchedClaims,
        caseOnlyMatches: c.diff.caseOnlyMatches,
        syncedAt,
        timings,
      })
    }
  }
}

async function runPlan(
  input: LoginSyncInput,
  deps: SyncDeps,
): Promise<Either<SyncError, SyncPlan>> {
  const ran = await run(input, deps, false)
  if (E.isLeft(ran)) return ran
  const { decision } = ran.right
  switch (decision.kind) {
    case 'disabled':
      return E.right({
        status: 'disabled',
        reason:
          'mapping is off for this organisation (manageGroupMemberships is false): logins change no memberships',
      })
    case 'kept':
      return E.right({
        status: 'kept',
        claim: decision.claim,
        reason:
          "the login carries no groups claim and the org's policy keeps the memberships as they are",
      })
    case 'stale': {
      const { kind, ...stale } = decision
      return E.right({
        ...stale,
        status: 'stale',
        reason:
          stale.cause === 'older-than-last-sync'
            ? "the login's token is older than the token of the user's last sync, so it would change nothing"
            : "the login's token was issued before the user was removed from the organisation, so it would change nothing",
      })
    }
    case 'denied':
      return E.right(
        decision.computed === undefined
          ? { status: 'denied', error: decision.error }
          : { status: 'denied', error: decision.error, planned: plannedChanges(decision.computed) },
      )
    case 'sync':
      return E.right({ status: 'planned', ...plannedChanges(decision.computed) })
  }
}
