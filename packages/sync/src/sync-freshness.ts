import type { LoginSyncStore } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { SyncServiceError, toSyncError, type SyncError } from './errors.js'

/**
 * How old a user's last sync may be before their group-based access is refused. Changes at the
 * identity provider reach groupsync only at the user's next login, so a user removed from a group
 * there keeps it here until then; a limit bounds how long.
 */
export interface FreshnessLimits {
  /** The oldest last sync still accepted, in milliseconds of age. */
  readonly maxAgeMs: number
  /**
   * How far in the future a last-sync time may lie and still count as now (the clocks of the
   * server that synced and the one that checks may differ). Default 60,000 (one minute).
   */
  readonly clockSkewMs?: number
}

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

const isDuration = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0

/**
 * Checks the limits once, at configuration time, and returns the guard. A limit that is not a
 * finite number of milliseconds ≥ 0 is `SYNC_POLICY_INVALID` with its name as `path`.
 *
 * @example
 * ```ts
 * const guard = createFreshnessGuard({ maxAgeMs: 24 * 3600_000 })
 * if (E.isRight(guard)) {
 *   const freshness = guard.right.check(await readLastSyncAsync(store, orgId, userId))
 *   if (freshness.status !== 'fresh') return forbidden('log in again to refresh your groups')
 * }
 * ```
 */
export function createFreshnessGuard(
  limits: FreshnessLimits,
): Either<SyncServiceError, FreshnessGuard> {
  const given: unknown = limits
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return E.left(invalidLimit('limits', given))
  }
  const unknownKey = Object.keys(given).find((key) => key !== 'maxAgeMs' && key !== 'clockSkewMs')
  if (unknownKey !== undefined) {
    return E.left(
      new SyncServiceError(
        'SYNC_POLICY_INVALID',
        `The freshness limit "${unknownKey}" is unknown; the limits are maxAgeMs and clockSkewMs.`,
        { path: unknownKey },
      ),
    )
  }
  const { maxAgeMs, clockSkewMs = DEFAULT_CLOCK_SKEW_MS } = limits
  if (!isDuration(maxAgeMs)) return E.left(invalidLimit('maxAgeMs', maxAgeMs))
  if (!isDuration(clockSkewMs)) return E.left(invalidLimit('clockSkewMs', clockSkewMs))
  const checked = { maxAgeMs, clockSkewMs }
  return E.right({
    limits: checked,
    check: (lastSyncedAt, now = new Date()) => syncFreshness(lastSyncedAt, now, checked),
  })
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

function invalidLimit(path: string, value: unknown): SyncServiceError {
  return new SyncServiceError(
    'SYNC_POLICY_INVALID',
    `The freshness limit ${path} must be a finite number of milliseconds ≥ 0.`,
    { path, value },
  )
}

/**
 * The time of the store's last-sync record of a user in an organisation (null when never synced,
 * or since the user was removed), read without a unit of work and without writing anything.
 */
export function readLastSync(
  store: Pick<LoginSyncStore, 'readLastSync'>,
  orgId: string,
  userId: string,
): TaskEither<SyncError, Date | null> {
  return async () => {
    try {
      const last = await store.readLastSync(orgId, userId)
      return E.right(last === null ? null : last.lastSyncedAt)
    } catch (error) {
      return E.left(toSyncError(error))
    }
  }
}

/** {@link readLastSync} for callers without fp-ts: rejects with the {@link SyncError}. */
export async function readLastSyncAsync(
  store: Pick<LoginSyncStore, 'readLastSync'>,
  orgId: string,
  userId: string,
): Promise<Date | null> {
  const result = await readLastSync(store, orgId, userId)()
  if (E.isLeft(result)) throw result.left
  return result.right
}
