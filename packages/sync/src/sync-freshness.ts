import { decodeWith, formatJsonPointer, strictObject } from '@groupsync/claims'
import type { LoginSyncStore } from '@groupsync/core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import * as t from 'io-ts'
import { SyncError, toLoginSyncError, type LoginSyncError } from './errors.js'
import { guarded, shown } from './internal/codecs.js'
import { runOrReject } from './internal/run-or-reject.js'

const Duration = guarded(
  'a finite number of milliseconds ≥ 0',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
)

/** The io-ts codec of {@link FreshnessLimits}: what a configuration is decoded with. */
export const FreshnessLimitsCodec = strictObject(
  t.readonly(
    t.intersection([t.type({ maxAgeMs: Duration }), t.partial({ clockSkewMs: Duration })]),
  ),
  'an object with maxAgeMs and an optional clockSkewMs',
)

/**
 * How old a user's last sync may be before their group-based access is refused. Changes at the
 * identity provider reach groupsync only at the user's next login, so a user removed from a group
 * there keeps it here until then; a limit bounds how long.
 *
 * - `maxAgeMs`: the oldest last sync still accepted, in milliseconds of age;
 * - `clockSkewMs`: how far in the future a last-sync time may lie and still count as now (the
 *   clocks of the server that synced and the one that checks may differ). Default 60,000 (one
 *   minute).
 *
 * Both are finite numbers ≥ 0; no other field is allowed.
 */
export type FreshnessLimits = t.TypeOf<typeof FreshnessLimitsCodec>

/** Default tolerance for a last-sync time ahead of the checking clock, in milliseconds. */
export const DEFAULT_CLOCK_SKEW_MS = 60_000

/**
 * What the guard says about a user's last sync:
 *
 * - `fresh`: synced `ageMs` ago, within the limit (an age up to the clock skew below zero counts
 *   as fresh);
 * - `stale`: synced longer ago than the limit (`too-old`), or at a time further in the future
 *   than the clock skew allows (`in-the-future`: a clock is wrong, and a time that cannot be
 *   trusted does not prove a recent sync);
 * - `never-synced`: the user has no last sync in the organisation.
 */
export type SyncFreshness =
  | { readonly status: 'fresh'; readonly ageMs: number; readonly lastSyncedAt: Date }
  | {
      readonly status: 'stale'
      readonly reason: 'too-old' | 'in-the-future'
      readonly ageMs: number
      readonly lastSyncedAt: Date
    }
  | { readonly status: 'never-synced' }

/** A checked {@link FreshnessLimits}: its `check` is pure and total. */
export interface FreshnessGuard {
  readonly limits: Required<FreshnessLimits>
  /**
   * The freshness of a last-sync time (the store's `lastSyncedAt`, or the `syncedAt` of the
   * sync result kept in the session) at `now` (default: the current time).
   */
  readonly check: (lastSyncedAt: Date | null, now?: Date) => SyncFreshness
}

const decodeLimits = decodeWith(FreshnessLimitsCodec, (failure): SyncError => {
  const path = formatJsonPointer(failure.path)
  if (failure.kind === 'unknown-key') {
    return new SyncError(
      'SYNC_POLICY_INVALID',
      `The freshness limit ${shown(failure.path.join('.'))} is unknown; the limits are maxAgeMs and clockSkewMs.`,
      { path },
    )
  }
  if (path === '') {
    return new SyncError(
      'SYNC_POLICY_INVALID',
      `The freshness limits are ${shown(failure.value)}; they must be ${failure.expected}.`,
      { path, value: failure.value },
    )
  }
  return new SyncError(
    'SYNC_POLICY_INVALID',
    `The freshness limit ${failure.path.join('.')} must be ${failure.expected}.`,
    { path, value: failure.value },
  )
})

/**
 * Checks the limits once, at configuration time, and returns the guard; like every factory of
 * the package it throws on bad configuration: a limit that is not a finite number of
 * milliseconds ≥ 0, or an unknown one, is a `SyncError` `SYNC_POLICY_INVALID` at the limit's
 * JSON Pointer (`/maxAgeMs`).
 *
 * @example
 * ```ts
 * const guard = createFreshnessGuard({ maxAgeMs: 24 * 3600_000 }) // once, at start-up
 * const freshness = guard.check(await readLastSyncAsync(store, orgId, userId))
 * if (freshness.status !== 'fresh') return forbidden('log in again to refresh your groups')
 * ```
 */
export function createFreshnessGuard(limits: FreshnessLimits): FreshnessGuard {
  const decoded = decodeLimits(limits)
  if (E.isLeft(decoded)) throw decoded.left
  const { maxAgeMs, clockSkewMs = DEFAULT_CLOCK_SKEW_MS } = decoded.right
  const checked = { maxAgeMs, clockSkewMs }
  return {
    limits: checked,
    check: (lastSyncedAt, now = new Date()) => syncFreshness(lastSyncedAt, now, checked),
  }
}

/**
 * The freshness rule itself (rule S11 of `docs/rules.md`): pure, for limits already checked.
 * An age that is not a number (an invalid date) is never fresh.
 */
export function syncFreshness(
  lastSyncedAt: Date | null,
  now: Date,
  limits: Required<FreshnessLimits>,
): SyncFreshness {
  if (lastSyncedAt === null) return { status: 'never-synced' }
  const ageMs = now.getTime() - lastSyncedAt.getTime()
  if (ageMs >= -limits.clockSkewMs && ageMs <= limits.maxAgeMs) {
    return { status: 'fresh', ageMs, lastSyncedAt }
  }
  const reason = ageMs < -limits.clockSkewMs ? 'in-the-future' : 'too-old'
  return { status: 'stale', reason, ageMs, lastSyncedAt }
}

/**
 * The time of the store's last-sync record of a user in an organisation (null when never synced,
 * or since the user was removed), read without a unit of work and without writing anything.
 */
export function readLastSync(
  store: Pick<LoginSyncStore, 'readLastSync'>,
  orgId: string,
  userId: string,
): TaskEither<LoginSyncError, Date | null> {
  return pipe(
    TE.tryCatch(() => store.readLastSync(orgId, userId), toLoginSyncError),
    TE.map((last) => (last === null ? null : last.lastSyncedAt)),
  )
}

/** {@link readLastSync} for callers without fp-ts: rejects with the {@link LoginSyncError}. */
export function readLastSyncAsync(
  store: Pick<LoginSyncStore, 'readLastSync'>,
  orgId: string,
  userId: string,
): Promise<Date | null> {
  return runOrReject(readLastSync(store, orgId, userId))
}
