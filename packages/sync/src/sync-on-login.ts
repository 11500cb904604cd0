import type { OrgSettings } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { identity, pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { toLoginSyncError, type LoginSyncError } from './errors.js'
import {
  decideLogin,
  decisionChanges,
  loginClaimGroups,
  plannedChanges,
  type Decision,
} from './internal/decide-login.js'
import { decodeLoginCall, type LoginCall } from './internal/login-call.js'
import { NO_LOGIN_HOOKS, observeLoginSync, type LoginHooks } from './internal/observe-login-sync.js'
import { readLoginClaim, type ClaimReading } from './internal/read-login-claim.js'
import { runOrReject } from './internal/run-or-reject.js'
import { diffNotes } from './explain-membership-diff.js'
import { resolvePolicy, type ResolvedSyncPolicy } from './sync-policy.js'
import type { LoginSyncInput, SyncDeps, SyncPlan, SyncResult } from './sync-types.js'

/**
 * Syncs a user's memberships of an organisation's groups from their OIDC login: call it from the
 * login callback, after the code exchange. Its dependencies and input are decoded first (a
 * missing or wrong member is `SYNC_INPUT_INVALID` at its JSON Pointer). With mapping off for the
 * org, or an org that never stored settings, it changes nothing (`disabled`, with its `cause`);
 * otherwise it reads the groups claim, applies the org's policy, and in one store transaction
 * adds and removes memberships, appends the audit events and records the sync time. A policy
 * denial writes only a `sync.denied` audit event and fails with a coded error.
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
): TaskEither<LoginSyncError, SyncResult> {
  return neverRejecting(
    observeLoginSync(decodeLoginCall(input, deps), (call, hooks) =>
      pipe(loginSteps(call, 'apply', hooks), TE.chainEitherKW(syncResult)),
    ),
  )
}

/**
 * {@link syncOnLogin} for callers without fp-ts: resolves with the result, rejects with the
 * {@link LoginSyncError}.
 *
 * @example
 * ```ts
 * try { await syncOnLoginAsync({ orgId, userId, idToken }, deps) }
 * catch (e) { if (e instanceof GroupsyncError) console.error(e.code, e.message) }
 * ```
 */
export function syncOnLoginAsync(input: LoginSyncInput, deps: SyncDeps): Promise<SyncResult> {
  return runOrReject(syncOnLogin(input, deps))
}

/**
 * A dry run of {@link syncOnLogin} with the same inputs: reads the same snapshot and decides
 * exactly as the sync would — the same policy, claim limits and guard — then explains each add
 * and remove, and what a denial would refuse, but writes nothing (not even a `sync.denied`
 * event).
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
): TaskEither<LoginSyncError, SyncPlan> {
  return neverRejecting(
    pipe(
      TE.fromEither(decodeLoginCall(input, deps)),
      TE.chainW((call) => loginSteps(call, 'dry-run', NO_LOGIN_HOOKS)),
      TE.map(syncPlan),
    ),
  )
}

/** {@link planOnLogin} for callers without fp-ts: rejects with the {@link LoginSyncError}. */
export function planOnLoginAsync(input: LoginSyncInput, deps: SyncDeps): Promise<SyncPlan> {
  return runOrReject(planOnLogin(input, deps))
}

/** Whether the unit of work writes what it decides (a sync) or only reports it (a dry run). */
type Run = 'apply' | 'dry-run'

/** What a login's unit of work decided, the time it stamped, and how long the store took. */
interface Decided {
  readonly decision: Decision
  readonly syncedAt: Date
  readonly storeMs: number
}

/** {@link Decided}, with the timings of the whole login. */
type LoginOutcome = Omit<Decided, 'storeMs'> & { readonly timings: SyncResult['timings'] }

/**
 * The steps of a login whose call was decoded, in the order of Part 3 of `docs/rules.md`: read
 * the org's settings, and with none stored or mapping off stop there (S1 — not even the token is
 * read); read and check the org's policy; verify the login and read its claim under the policy
 * (S2, S3, S12's token times); decide in the store's unit of work, writing the decision unless
 * this is a dry run (S4–S7).
 */
function loginSteps(
  { input, deps }: LoginCall,
  run: Run,
  hooks: LoginHooks,
): TaskEither<LoginSyncError, LoginOutcome> {
  const started = performance.now()
  const clock = deps.clock ?? (() => new Date())
  return pipe(
    readSettings(input.orgId, deps),
    TE.chainW((settings) =>
      settings?.manageGroupMemberships === true
        ? pipe(
            readPolicy(input.orgId, deps),
            TE.bindTo('policy'),
            TE.bindW('reading', ({ policy }) => readLoginClaim(input, deps, policy)),
            TE.chainW(({ policy, reading }) =>
              inUnitOfWork(input, deps, policy, reading, run, clock, hooks),
            ),
          )
        : TE.right(nothingToSync(settings === null ? 'never-configured' : 'mapping-off', clock)),
    ),
    TE.map(({ storeMs, ...decided }) => {
      const totalMs = performance.now() - started
      return { ...decided, timings: { claimsMs: totalMs - storeMs, storeMs, totalMs } }
    }),
  )
}

const readSettings = (
  orgId: string,
  deps: SyncDeps,
): TaskEither<LoginSyncError, OrgSettings | null> =>
  TE.tryCatch(() => deps.store.getOrgSettings(orgId), toLoginSyncError)

/** The org's policy, from `deps.policy` (which may be async), resolved and checked. */
const readPolicy = (
  orgId: string,
  deps: SyncDeps,
): TaskEither<LoginSyncError, ResolvedSyncPolicy> =>
  pipe(
    TE.tryCatch(
      () => Promise.resolve(deps.policy === undefined ? {} : deps.policy(orgId)),
      toLoginSyncError,
    ),
    TE.chainEitherKW((policy) => resolvePolicy(policy, deps.claimsOptions ?? {}, deps.preset)),
  )

const nothingToSync = (
  cause: Extract<Decision, { kind: 'disabled' }>['cause'],
  clock: () => Date,
): Decided => ({ decision: { kind: 'disabled', cause }, syncedAt: clock(), storeMs: 0 })

/**
 * The store's unit of work over the slice of the org's groups the claim can change (rule 11):
 * {@link decideLogin} on its snapshot, and, for a sync, the decision's writes.
 */
const inUnitOfWork = (
  input: LoginSyncInput,
  deps: SyncDeps,
  policy: ResolvedSyncPolicy,
  reading: ClaimReading,
  run: Run,
  clock: () => Date,
  hooks: LoginHooks,
): TaskEither<LoginSyncError, Decided> =>
  TE.tryCatch(async () => {
    const asked = performance.now()
    const decided = await hooks.unitOfWork(input.orgId, (snapshotTaken) =>
      deps.store.withLoginSync(input.orgId, input.userId, loginClaimGroups(reading), (snapshot) => {
        snapshotTaken()
        const decision = decideLogin(snapshot, reading, policy)
        const syncedAt = clock()
        return {
          changes: run === 'apply' ? decisionChanges(decision, syncedAt) : null,
          result: { decision, syncedAt },
        }
      }),
    )
    if (decided.decision.kind === 'denied') hooks.denied(decided.decision.claimState)
    return { ...decided, storeMs: performance.now() - asked }
  }, toLoginSyncError)

/**
 * A task that never rejects: whatever a step throws instead of returning a Left (a bug) is
 * `SYNC_FAILED`, so a login always ends in a result or a coded error.
 */
const neverRejecting = <A>(task: TaskEither<LoginSyncError, A>): TaskEither<LoginSyncError, A> =>
  pipe(TE.tryCatch(task, toLoginSyncError), TE.chainEitherKW(identity))

/** What a sync returns for its decision (rule S8): a denial is its error. */
function syncResult({
  decision,
  syncedAt,
  timings,
}: LoginOutcome): Either<LoginSyncError, SyncResult> {
  switch (decision.kind) {
    case 'disabled':
      return E.right({ status: 'disabled', cause: decision.cause, timings })
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
        notes: diffNotes(c.diff, c.policy.claimsOptions.delimiter),
        syncedAt,
        timings,
      })
    }
  }
}

/** What a dry run returns for the same decision (rule S8), in words. */
function syncPlan({ decision }: LoginOutcome): SyncPlan {
  switch (decision.kind) {
    case 'disabled':
      return {
        status: 'disabled',
        cause: decision.cause,
        reason:
          decision.cause === 'mapping-off'
            ? 'mapping is off for this organisation (manageGroupMemberships is false): logins change no memberships'
            : 'this organisation has never been configured (no settings are stored; is its id right?): logins change no memberships',
      }
    case 'kept':
      return {
        status: 'kept',
        claim: decision.claim,
        reason:
          "the login carries no groups claim and the org's policy keeps the memberships as they are",
      }
    case 'stale': {
      const { kind, ...stale } = decision
      return {
        ...stale,
        status: 'stale',
        reason:
          stale.cause === 'older-than-last-sync'
            ? "the login's token is older than the token of the user's last sync, so it would change nothing"
            : "the login's token was issued before the user was removed from the organisation, so it would change nothing",
      }
    }
    case 'denied':
      return decision.computed === undefined
        ? { status: 'denied', error: decision.error }
        : { status: 'denied', error: decision.error, planned: plannedChanges(decision.computed) }
    case 'sync':
      return { status: 'planned', ...plannedChanges(decision.computed) }
  }
}
