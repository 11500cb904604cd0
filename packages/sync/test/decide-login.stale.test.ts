import { describe, expect, it } from 'vitest'
import { digestGroups } from '../src/internal/claim-digest.js'
import { decideLogin, decisionChanges } from '../src/internal/decide-login.js'
import type { ClaimReading } from '../src/internal/read-login-claim.js'
import {
  at,
  computedOf,
  deniedOf,
  names,
  policy,
  present,
  snapshot,
} from './support/decide-login.fixture.js'

// The pure decision of a login whose token is stale (rules S12 and S13 of docs/rules.md Part 3):
// older than the token of the user's last sync, or issued before the user's removal.

describe('the stale-token rule: an older token than the last sync’s is not applied', () => {
  const last = new Date('2026-01-10T00:00:00Z')
  const older = new Date('2026-01-09T23:59:59Z')
  const synced = snapshot({ dev: 'sync' }, { lastTokenIssuedAt: last })

  it('skips it by default, writing nothing', () => {
    const decision = decideLogin(synced, present([], older), policy())
    expect(decision).toMatchObject({ kind: 'stale', tokenIssuedAt: older, lastTokenIssuedAt: last })
    expect(decision).toMatchObject({ cause: 'older-than-last-sync' })
    expect(decisionChanges(decision, at)).toBeNull()
  })

  it('denies it with STALE_LOGIN_DENIED when the policy says so', () => {
    const denied = deniedOf(decideLogin(synced, present([], older), policy({ staleLogin: 'deny' })))
    expect(denied.error.code).toBe('STALE_LOGIN_DENIED')
    expect(denied.audit.detail).toMatchObject({
      code: 'STALE_LOGIN_DENIED',
      tokenIssuedAt: older.toISOString(),
      lastTokenIssuedAt: last.toISOString(),
    })
    // The error's value is the token's issue time; its message names the cause.
    expect(denied.error.value).toBe(older.toISOString())
    expect(denied.error.message).toContain(
      "older than the token of the user's last sync (a replayed login?); nothing changed",
    )
    expect(denied.error.message).not.toContain('removed')
  })

  it('applies a token issued at the same time or later, or a login without an issue time', () => {
    expect(decideLogin(synced, present([], last), policy()).kind).toBe('sync')
    expect(decideLogin(synced, present([], new Date(last.getTime() + 1)), policy()).kind).toBe(
      'sync',
    )
    expect(decideLogin(synced, present([]), policy()).kind).toBe('sync')
    expect(decideLogin(snapshot({ dev: 'sync' }), present([], older), policy()).kind).toBe('sync')
  })
})

describe('rule S13: a login from before the user’s removal does not bring the memberships back', () => {
  // removeUser left no membership and no last sync behind, only the removal time.
  const removedAt = new Date('2026-01-10T00:00:00.500Z')
  const removed = snapshot({}, { removedAt })
  const before = new Date('2026-01-10T00:00:00Z')

  it('skips a token issued before the removal by default, writing nothing', () => {
    const decision = decideLogin(removed, present(['dev'], before), policy())
    expect(decision).toMatchObject({
      kind: 'stale',
      cause: 'issued-before-removal',
      tokenIssuedAt: before,
      removedAt,
    })
    expect(decision.kind === 'stale' && decision.claim.groups).toEqual(['dev'])
    expect(decisionChanges(decision, at)).toBeNull()
  })

  it('denies it with STALE_LOGIN_DENIED and a sync.denied event with both times', () => {
    const denied = deniedOf(
      decideLogin(removed, present(['dev'], before), policy({ staleLogin: 'deny' })),
    )
    expect(denied.error.code).toBe('STALE_LOGIN_DENIED')
    expect(denied.error.message).toContain('removed')
    expect(denied.error.value).toBe(before.toISOString())
    expect(denied.audit).toEqual({
      type: 'sync.denied',
      orgId: 'acme',
      userId: 'alice',
      source: 'sync',
      claimDigest: digestGroups(['dev']),
      detail: {
        code: 'STALE_LOGIN_DENIED',
        claimState: 'present',
        claimSource: 'id_token',
        tokenIssuedAt: before.toISOString(),
        removedAt: removedAt.toISOString(),
      },
    })
    expect(decisionChanges(denied, at)).toEqual({ add: [], remove: [], audit: [denied.audit] })
  })

  it('refuses a token issued at the very time of the removal, under both policies', () => {
    expect(decideLogin(removed, present(['dev'], removedAt), policy()).kind).toBe('stale')
    const denied = deniedOf(
      decideLogin(removed, present(['dev'], removedAt), policy({ staleLogin: 'deny' })),
    )
    expect(denied.error.code).toBe('STALE_LOGIN_DENIED')
  })

  it('applies a token issued after the removal (1 ms, 1 s), and a login without a token time', () => {
    for (const later of [removedAt.getTime() + 1, removedAt.getTime() + 1000]) {
      const decision = decideLogin(removed, present(['dev'], new Date(later)), policy())
      expect(names(computedOf(decision).toAdd)).toEqual(['dev'])
      expect(decisionChanges(decision, at)).toMatchObject({ tokenIssuedAt: new Date(later) })
    }
    expect(names(computedOf(decideLogin(removed, present(['dev']), policy())).toAdd)).toEqual([
      'dev',
    ])
  })

  it('a kept or denied claim is not affected (it writes no membership anyway)', () => {
    const keep: ClaimReading = {
      kind: 'keep',
      claim: {
        state: 'absent',
        source: null,
        groups: [],
        droppedEmpty: 0,
        digest: digestGroups([]),
        policy: 'absent-keep',
      },
    }
    expect(decideLogin(removed, keep, policy({ absent: 'keep' })).kind).toBe('kept')
  })

  it('after a later sync, an older token is stale by rule S12 first', () => {
    const synced = snapshot(
      { dev: 'sync' },
      { removedAt, lastTokenIssuedAt: new Date(removedAt.getTime() + 5000) },
    )
    expect(decideLogin(synced, present([], before), policy())).toMatchObject({
      kind: 'stale',
      cause: 'older-than-last-sync',
    })
  })
})
