import { test as fcTest, fc } from '@fast-check/vitest'
import type { MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { describe, expect, it } from 'vitest'
import {
  createFreshnessGuard,
  createMembershipAdmin,
  readLastSyncAsync,
  syncOnLoginAsync,
  SyncError,
  type FreshnessGuard,
} from '../src/index.js'
import { DEFAULT_CLOCK_SKEW_MS, syncFreshness } from '../src/sync-freshness.js'

const HOUR = 3_600_000
const rightOf = <A>(result: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (result._tag === 'Left') throw result.left as Error
  return result.right
}
const guardOf = (maxAgeMs: number, clockSkewMs?: number): FreshnessGuard =>
  createFreshnessGuard(clockSkewMs === undefined ? { maxAgeMs } : { maxAgeMs, clockSkewMs })

/** What creating a guard with these limits threw: the factory throws on bad configuration. */
const refusal = (limits: unknown): SyncError => {
  try {
    createFreshnessGuard(limits as never)
  } catch (error) {
    if (error instanceof SyncError) return error
    throw error
  }
  return expect.fail('expected SYNC_POLICY_INVALID')
}
const now = new Date('2026-11-30T12:00:00Z')
const ago = (ms: number): Date => new Date(now.getTime() - ms)

describe('rule S11: the freshness guard', () => {
  const guard = guardOf(24 * HOUR)

  it('fresh: synced within the limit, with the age', () => {
    expect(guard.check(ago(2 * HOUR), now)).toEqual({
      status: 'fresh',
      ageMs: 2 * HOUR,
      lastSyncedAt: ago(2 * HOUR),
    })
    expect(guard.check(ago(24 * HOUR), now).status).toBe('fresh') // exactly at the limit
  })

  it('stale: synced longer ago than the limit, with the age', () => {
    expect(guard.check(ago(24 * HOUR + 1), now)).toEqual({
      status: 'stale',
      reason: 'too-old',
      ageMs: 24 * HOUR + 1,
      lastSyncedAt: ago(24 * HOUR + 1),
    })
    expect(guard.check(ago(30 * 24 * HOUR), now)).toMatchObject({
      status: 'stale',
      ageMs: 30 * 24 * HOUR,
    })
  })

  it('never synced: no last-sync record', () => {
    expect(guard.check(null, now)).toEqual({ status: 'never-synced' })
  })

  it('too old is too old even within the clock skew of now', () => {
    // A one-second limit with the default one-minute skew: two seconds ago is not in the future.
    expect(guardOf(1_000).check(ago(2_000), now)).toEqual({
      status: 'stale',
      reason: 'too-old',
      ageMs: 2_000,
      lastSyncedAt: ago(2_000),
    })
  })

  it('the guard keeps the limits it checked, with the default clock skew', () => {
    expect(guardOf(HOUR).limits).toEqual({ maxAgeMs: HOUR, clockSkewMs: DEFAULT_CLOCK_SKEW_MS })
    expect(guardOf(0, 0).limits).toEqual({ maxAgeMs: 0, clockSkewMs: 0 })
  })

  it('a refused limit says which, why, and with what value', () => {
    const errorOf = refusal
    const negative = errorOf({ maxAgeMs: -1 })
    expect([negative.code, negative.path, negative.value]).toEqual([
      'SYNC_POLICY_INVALID',
      '/maxAgeMs',
      -1,
    ])
    expect(negative.message).toBe(
      'The freshness limit maxAgeMs must be a finite number of milliseconds ≥ 0.',
    )
    const unknown = errorOf({ maxAgeMs: 1, maxAge: 1 })
    expect([unknown.code, unknown.path, unknown.value]).toEqual([
      'SYNC_POLICY_INVALID',
      '/maxAge',
      undefined,
    ])
    expect(unknown.message).toBe(
      'The freshness limit "maxAge" is unknown; the limits are maxAgeMs and clockSkewMs.',
    )
    const none = errorOf(null)
    expect([none.code, none.path, none.value]).toEqual(['SYNC_POLICY_INVALID', '', null])
    expect(none.message).toBe(
      'The freshness limits are null; they must be an object with maxAgeMs and an optional clockSkewMs.',
    )
    expect(errorOf({})).toMatchObject({ code: 'SYNC_POLICY_INVALID', path: '/maxAgeMs' })
    expect(errorOf({ maxAgeMs: 1, clockSkewMs: -1 })).toMatchObject({
      path: '/clockSkewMs',
      value: -1,
    })
  })

  it('clock skew: a time slightly ahead counts as fresh, one far ahead is stale (in-the-future)', () => {
    expect(DEFAULT_CLOCK_SKEW_MS).toBe(60_000)
    expect(guard.check(ago(-30_000), now)).toEqual({
      status: 'fresh',
      ageMs: -30_000,
      lastSyncedAt: ago(-30_000),
    })
    expect(guard.check(ago(-60_000), now).status).toBe('fresh')
    expect(guard.check(ago(-60_001), now)).toMatchObject({
      status: 'stale',
      reason: 'in-the-future',
      ageMs: -60_001,
    })
    const strict = guardOf(HOUR, 0)
    expect(strict.check(ago(-1), now)).toMatchObject({ status: 'stale', reason: 'in-the-future' })
    expect(strict.check(now, now)).toMatchObject({ status: 'fresh', ageMs: 0 })
  })

  it('an invalid date is never fresh', () => {
    expect(guard.check(new Date(Number.NaN), now).status).toBe('stale')
    expect(guard.check(ago(HOUR), new Date(Number.NaN)).status).toBe('stale')
  })

  fcTest.prop(
    [
      fc.integer({ min: -10 * HOUR, max: 10 * HOUR }),
      fc.integer({ min: 0, max: 5 * HOUR }),
      fc.integer({ min: 0, max: HOUR }),
    ],
    { numRuns: 1_000 },
  )(
    'fresh exactly when -skew ≤ age ≤ maxAge; the age is now minus the last sync',
    (age, max, skew) => {
      const result = syncFreshness(ago(age), now, { maxAgeMs: max, clockSkewMs: skew })
      const fresh = age >= -skew && age <= max
      return (
        result.status === (fresh ? 'fresh' : 'stale') && 'ageMs' in result && result.ageMs === age
      )
    },
  )

  it('bad limits are refused as configuration, naming the limit', () => {
    for (const [limits, path] of [
      [{ maxAgeMs: -1 }, '/maxAgeMs'],
      [{ maxAgeMs: Number.POSITIVE_INFINITY }, '/maxAgeMs'],
      [{ maxAgeMs: '1h' }, '/maxAgeMs'],
      [{ maxAgeMs: 1, clockSkewMs: Number.NaN }, '/clockSkewMs'],
      [{ maxAge: 1 }, '/maxAge'],
      [null, ''],
    ] as const) {
      const error = refusal(limits)
      expect([error.code, error.path]).toEqual(['SYNC_POLICY_INVALID', path])
    }
  })
})

/**
 * The example of the docs: an authorization check that uses a group only while the user's last
 * sync is fresh, reading the store's last-sync record.
 */
async function mayUseGroup(
  store: MembershipStore,
  guard: FreshnessGuard,
  request: { orgId: string; userId: string; groupId: string; now: Date },
): Promise<{ allowed: true } | { allowed: false; reason: string }> {
  const freshness = guard.check(
    await readLastSyncAsync(store, request.orgId, request.userId),
    request.now,
  )
  if (freshness.status === 'never-synced') {
    return { allowed: false, reason: 'log in to load your groups' }
  }
  if (freshness.status === 'stale') {
    return {
      allowed: false,
      reason: `your groups were last checked ${Math.round(freshness.ageMs / HOUR)} h ago; log in again`,
    }
  }
  const memberships = await store.listUserMemberships(request.orgId, request.userId)
  return memberships.some((m) => m.groupId === request.groupId)
    ? { allowed: true }
    : { allowed: false, reason: 'not a member' }
}

describe('the freshness guard in an authorization path', () => {
  it('a member is allowed while fresh, refused once stale, and again allowed after the next login', async () => {
    const store = createMemoryMembershipStore()
    const admin = createMembershipAdmin({ store })
    const dev = rightOf(await admin.createGroup('acme', 'dev')()).id
    rightOf(await admin.setManageGroupMemberships('acme', true)())
    const guard = guardOf(24 * HOUR)
    const loginAt = new Date('2026-11-01T09:00:00Z')
    const at = (hours: number): Date => new Date(loginAt.getTime() + hours * HOUR)
    const request = (hours: number) => ({
      orgId: 'acme',
      userId: 'alice',
      groupId: dev,
      now: at(hours),
    })

    expect(await mayUseGroup(store, guard, request(0))).toEqual({
      allowed: false,
      reason: 'log in to load your groups',
    })
    await syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { sub: 'alice', groups: ['dev'] } },
      { store, clock: () => loginAt },
    )
    expect(await readLastSyncAsync(store, 'acme', 'alice')).toEqual(loginAt)
    expect(await mayUseGroup(store, guard, request(23))).toEqual({ allowed: true })
    // The provider removed alice from dev after this login; the app cannot know until she logs
    // in again, but it stops trusting the membership after a day.
    expect(await mayUseGroup(store, guard, request(25))).toEqual({
      allowed: false,
      reason: 'your groups were last checked 25 h ago; log in again',
    })
    await syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { sub: 'alice', groups: [] } },
      { store, clock: () => at(26) },
    )
    expect(await mayUseGroup(store, guard, request(26))).toEqual({
      allowed: false,
      reason: 'not a member',
    })
  })
})
