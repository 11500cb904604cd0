import {
  ClaimsError,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type DistributedClaimsResolver,
  type GroupsClaimState,
} from '@groupsync/claims'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { describe, expect, it } from 'vitest'
import type { SyncDeps, SyncPolicy } from '../src/index.js'
import { digestGroups } from '../src/internal/claim-digest.js'
import { readLoginClaim, type ClaimReading } from '../src/internal/read-login-claim.js'
import { policy } from './support/decide-login.fixture.js'

// Points 2 and 3 of the sync (docs/rules.md Part 3), before any store is read: what the claim of a
// login allows under the org's policy, what a denial reports (the error's code, path, value and
// message, and the `sync.denied` detail), and the token issue time the stale-token rule S12 uses.
// The login suites check the same through a store; these pin the fields of each answer.

const now = new Date('2026-06-01T12:00:00Z')
const nowSeconds = now.getTime() / 1000

// No store is read before the claim is: a store that is never called is enough here.
const baseDeps: SyncDeps = { store: {} as SyncDeps['store'], clock: () => now }

async function read(
  claims: unknown,
  p: SyncPolicy = {},
  deps: Partial<SyncDeps> = {},
  extra: Record<string, unknown> = {},
) {
  const input = { orgId: 'acme', userId: 'alice', claims, ...extra } as Parameters<
    typeof readLoginClaim
  >[0]
  return readLoginClaim(input, { ...baseDeps, ...deps }, policy(p))()
}

async function reading(
  claims: unknown,
  p: SyncPolicy = {},
  deps: Partial<SyncDeps> = {},
  extra: Record<string, unknown> = {},
): Promise<ClaimReading> {
  const result = await read(claims, p, deps, extra)
  if (result._tag === 'Left') expect.fail(`expected a reading, got ${result.left.code}`)
  return result.right
}

function deniedOf(r: ClaimReading): Extract<ClaimReading, { kind: 'deny' }> {
  if (r.kind !== 'deny') expect.fail(`expected a denial, got ${r.kind}`)
  return r
}

const overage = (source: Record<string, unknown> = { endpoint: 'https://graph.test/g' }) => ({
  sub: 'alice-sub',
  _claim_names: { groups: 'src1' },
  _claim_sources: { src1: source },
})

/** A resolver that answers with `answer` and records what it was asked. */
function recordingResolver(
  answer: () => ReturnType<DistributedClaimsResolver['resolve']>,
): DistributedClaimsResolver & { readonly asked: unknown[]; readonly about: unknown[] } {
  const asked: unknown[] = []
  const about: unknown[] = []
  return {
    asked,
    about,
    resolve: (claim, context) => {
      about.push(claim)
      asked.push(context)
      return answer()
    },
  }
}

describe('rule S2: an invalid login input is SYNC_INPUT_INVALID, at the member it is about', () => {
  it('names the claims member, with the claims error as its cause', async () => {
    const result = await read('not an object')
    if (result._tag === 'Right') expect.fail('expected SYNC_INPUT_INVALID')
    expect(result.left.code).toBe('SYNC_INPUT_INVALID')
    expect(result.left.path).toBe('/claims')
    expect(result.left.cause).toBeInstanceOf(ClaimsError)
  })

  it('names the accessToken member', async () => {
    const result = await read({ sub: 'a', groups: [] }, {}, {}, { accessToken: 42 })
    if (result._tag === 'Right') expect.fail('expected SYNC_INPUT_INVALID')
    expect(result.left.code).toBe('SYNC_INPUT_INVALID')
    expect(result.left.path).toBe('/accessToken')
  })
})

describe('rule S12: the token times of claims verified elsewhere', () => {
  const issued = async (claims: Record<string, unknown>, deps: Partial<SyncDeps> = {}) =>
    (await reading({ sub: 'a', groups: ['dev'], ...claims }, {}, deps)).tokenIssuedAt
  /** The path of the SYNC_INPUT_INVALID these claims are refused with. */
  const refusedAt = async (claims: Record<string, unknown>, deps: Partial<SyncDeps> = {}) => {
    const result = await read({ sub: 'a', groups: ['dev'], ...claims }, {}, deps)
    if (result._tag === 'Right')
      expect.fail(`expected SYNC_INPUT_INVALID, got ${result.right.kind}`)
    expect(result.left.code).toBe('SYNC_INPUT_INVALID')
    return result.left.path
  }

  it('the issue time is auth_time when present, else iat, in seconds', async () => {
    expect(await issued({ auth_time: 1000, iat: 2000 })).toEqual(new Date(1_000_000))
    expect(await issued({ iat: 2000.5 })).toEqual(new Date(2_000_500))
    expect(await issued({ iat: 2000, exp: nowSeconds + 3600 })).toEqual(new Date(2_000_000))
  })

  it('is the epoch for 0, and none without iat and auth_time', async () => {
    expect(await issued({ iat: 0 })).toEqual(new Date(0))
    const none = await reading({ sub: 'a', groups: ['dev'] })
    expect(none).not.toHaveProperty('tokenIssuedAt')
  })

  it('a time that is not a number of seconds ≥ 0 is refused at its claim, not ignored', async () => {
    expect(await refusedAt({ iat: '2000' })).toBe('/claims/iat')
    expect(await refusedAt({ iat: -1 })).toBe('/claims/iat')
    expect(await refusedAt({ iat: Number.NaN })).toBe('/claims/iat')
    expect(await refusedAt({ iat: null })).toBe('/claims/iat')
    expect(await refusedAt({ auth_time: 'soon', iat: 2000 })).toBe('/claims/auth_time')
    expect(await refusedAt({ iat: 2000, exp: [nowSeconds] })).toBe('/claims/exp')
  })

  it('a time that looks like milliseconds (above 10^11) is refused, saying so', async () => {
    for (const claim of ['iat', 'auth_time', 'exp']) {
      const result = await read({ sub: 'a', groups: [], iat: 0, [claim]: now.getTime() })
      if (result._tag === 'Right') expect.fail('expected SYNC_INPUT_INVALID')
      expect([result.left.code, result.left.path]).toEqual([
        'SYNC_INPUT_INVALID',
        `/claims/${claim}`,
      ])
      expect(result.left.message).toMatch(/milliseconds/)
    }
  })

  it('an iat or auth_time later than now plus the clock tolerance (30 s by default) is refused', async () => {
    const edge = nowSeconds + DEFAULT_CLOCK_TOLERANCE_SECONDS
    expect(await issued({ iat: edge })).toEqual(new Date(edge * 1000))
    expect(await refusedAt({ iat: edge + 0.001 })).toBe('/claims/iat')
    expect(await refusedAt({ iat: nowSeconds, auth_time: nowSeconds + 86_400 })).toBe(
      '/claims/auth_time',
    )
    // exp is in the future: only its type is checked here (the caller verified the token).
    expect(await issued({ iat: nowSeconds, exp: nowSeconds + 86_400 })).toEqual(now)
  })

  it('uses the configured clock tolerance', async () => {
    const verification = { clockToleranceSeconds: 100 } as NonNullable<SyncDeps['verification']>
    expect(await issued({ iat: nowSeconds + 90 }, { verification })).toEqual(
      new Date((nowSeconds + 90) * 1000),
    )
    expect(await refusedAt({ iat: nowSeconds + 101 }, { verification })).toBe('/claims/iat')
  })
})

describe('point 3: a present claim syncs', () => {
  it('its entries as sent, from its source, under the present policy', async () => {
    const r = await reading({ sub: 'a', groups: ['dev', 'ops'] })
    expect(r).toStrictEqual({
      kind: 'sync',
      claim: {
        state: 'present',
        source: 'id_token',
        groups: ['dev', 'ops'],
        droppedEmpty: 0,
        digest: digestGroups(['dev', 'ops']),
        policy: 'present',
      },
    })
  })
})

describe('point 3: an absent claim follows the policy', () => {
  it("'deny' is GROUPS_CLAIM_ABSENT_DENIED at the claim's path, default groups", async () => {
    const denied = deniedOf(await reading({ sub: 'a' }, { absent: 'deny' }))
    expect(denied.error.code).toBe('GROUPS_CLAIM_ABSENT_DENIED')
    expect(denied.error.path).toBe('/groups')
    expect(denied.error.message).toContain('no groups claim at "groups"')
    expect(denied.denied).toMatchObject({
      state: 'absent',
      source: null,
      detail: { path: '/groups' },
    })
    const custom = deniedOf(
      await reading({ sub: 'a' }, { absent: 'deny', claimsOptions: { path: 'realm.roles' } }),
    )
    expect(custom.error.path).toBe('/realm/roles')
    expect(custom.error.message).toContain('no groups claim at "realm.roles"')
    expect(custom.denied.detail).toEqual({ path: '/realm/roles' })
  })

  it("'keep' keeps, and 'empty' syncs no groups, each saying which policy applied", async () => {
    const kept = await reading({ sub: 'a' }, { absent: 'keep' })
    expect(kept.kind).toBe('keep')
    expect(kept.kind !== 'deny' && kept.claim).toMatchObject({
      state: 'absent',
      groups: [],
      policy: 'absent-keep',
    })
    const empty = await reading({ sub: 'a' }, { absent: 'empty' })
    expect(empty.kind).toBe('sync')
    expect(empty.kind !== 'deny' && empty.claim).toMatchObject({
      state: 'absent',
      groups: [],
      policy: 'absent-as-empty',
    })
  })
})

describe('point 3: an over-limit claim is GROUPS_CLAIM_OVER_LIMIT', () => {
  it('too many entries: the reason as its value; the count and the limit in message and detail', async () => {
    const denied = deniedOf(
      await reading({ sub: 'a', groups: ['a', 'b', 'c'] }, { claimsOptions: { maxGroups: 2 } }),
    )
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVER_LIMIT')
    expect([denied.error.path, denied.error.value]).toEqual(['/groups', 'too-many'])
    expect(denied.error.message).toContain('3 entries, more than maxGroups (2)')
    expect(denied.error.message).toContain('raise maxGroups')
    expect(denied.denied).toMatchObject({ state: 'over-limit', source: 'id_token' })
    expect(denied.denied.detail).toEqual({ reason: 'too-many', count: 3, limit: 2 })
  })

  it('a name too long: the index and the length of the entry, and the limit (default 1,024)', async () => {
    const denied = deniedOf(
      await reading(
        { sub: 'a', groups: ['ok', 'toolong'] },
        { claimsOptions: { maxNameLength: 3 } },
      ),
    )
    expect(denied.error.value).toBe('name-too-long')
    expect(denied.error.message).toContain(
      'Entry 1 of the groups claim is 7 UTF-16 code units long, more than maxNameLength (3)',
    )
    expect(denied.denied.detail).toEqual({
      reason: 'name-too-long',
      count: 2,
      index: 1,
      length: 7,
      limit: 3,
    })
    const byDefault = deniedOf(await reading({ sub: 'a', groups: ['x'.repeat(1025)] }))
    expect(byDefault.error.message).toContain(
      '1025 UTF-16 code units long, more than maxNameLength (1024)',
    )
  })

  it('a NUL character: the index of the entry, and no advice to raise a limit', async () => {
    const denied = deniedOf(await reading({ sub: 'a', groups: ['ok', 'b\u0000d'] }))
    expect(denied.error.value).toBe('nul-character')
    expect(denied.error.message).toContain('Entry 1 of the groups claim holds a NUL character')
    expect(denied.error.message).not.toMatch(/raise|limit/)
    expect(denied.denied.detail).toEqual({ reason: 'nul-character', count: 2, index: 1 })
  })
})

describe('point 3: an over-limit answer of a resolver is denied the same way', () => {
  it.each([
    ['name-too-long', 'Entry ? of the groups claim is ? UTF-16 code units long'],
    ['nul-character', 'Entry ? of the groups claim holds a NUL character'],
  ] as const)('%s without an index: the index is unknown (?)', async (reason, what) => {
    const answer: GroupsClaimState = {
      state: 'over-limit',
      source: 'distributed',
      reason,
      count: 2,
    }
    const resolver = recordingResolver(() => TE.right(answer))
    const denied = deniedOf(await reading(overage(), {}, { resolver }))
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVER_LIMIT')
    expect(denied.error.message).toContain(what)
    expect(denied.denied).toMatchObject({ state: 'over-limit', source: 'distributed' })
    expect(denied.denied.detail).toEqual(
      reason === 'name-too-long' ? { reason, count: 2, limit: 1024 } : { reason, count: 2 },
    )
  })
})

describe('point 3: a malformed claim is denied with where it is wrong, never its value', () => {
  it('reports the claims error, the source, the path and the index', async () => {
    const denied = deniedOf(await reading({ sub: 'a', groups: ['dev', 42] }))
    expect(denied.error.code).toBe('GROUPS_CLAIM_MALFORMED')
    expect(denied.denied.state).toBe('malformed')
    expect(denied.denied.source).toBe('id_token')
    expect(denied.denied.detail).toEqual({
      claimsError: 'GROUPS_CLAIM_MALFORMED',
      path: '/groups',
      index: 1,
    })
  })
})

describe('point 3: an overage is resolved once, or denied', () => {
  it('without a resolver: GROUPS_CLAIM_OVERAGE_UNRESOLVED at the claim, saying why', async () => {
    const denied = deniedOf(await reading(overage()))
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVERAGE_UNRESOLVED')
    expect(denied.error.path).toBe('/groups')
    expect(denied.error.message).toContain('no distributed-claims resolver is configured')
    expect(denied.error.message).not.toContain("the org's policy denies overages")
    expect(denied.denied).toMatchObject({ state: 'overage', source: 'id_token' })
    expect(denied.denied.detail).toEqual({
      claimSourceName: 'src1',
      endpoint: 'https://graph.test/g',
    })
  })

  it("with the policy 'deny': denied even with a resolver, saying it is the policy", async () => {
    const resolver = recordingResolver(() =>
      TE.right({ state: 'present', source: 'distributed', groups: ['dev'], droppedEmpty: 0 }),
    )
    const denied = deniedOf(await reading(overage(), { overage: 'deny' }, { resolver }))
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVERAGE_UNRESOLVED')
    expect(denied.error.path).toBe('/groups')
    expect(denied.error.message).toContain("the org's policy denies overages")
    expect(resolver.asked).toEqual([])
  })

  it('with a resolver: syncs what it answers, as a resolved overage', async () => {
    const resolver = recordingResolver(() =>
      TE.right({ state: 'present', source: 'distributed', groups: ['dev'], droppedEmpty: 0 }),
    )
    const synced = await reading(overage(), {}, { resolver })
    expect(synced.kind).toBe('sync')
    expect(synced.kind === 'sync' && synced.claim).toMatchObject({
      state: 'overage',
      source: 'distributed',
      groups: ['dev'],
      policy: 'overage-resolved',
    })
  })

  it("asks the resolver about the login's sub and verified claims, with its access token only when it has one", async () => {
    const answer = (): ReturnType<DistributedClaimsResolver['resolve']> =>
      TE.right({ state: 'present', source: 'distributed', groups: [], droppedEmpty: 0 })
    const without = recordingResolver(answer)
    await reading(overage(), {}, { resolver: without })
    expect(without.asked).toStrictEqual([{ subject: 'alice-sub', claims: overage(), options: {} }])
    const withToken = recordingResolver(answer)
    await reading(overage(), {}, { resolver: withToken }, { accessToken: 'at-1' })
    expect(withToken.asked).toEqual([
      { subject: 'alice-sub', claims: overage(), options: {}, accessToken: 'at-1' },
    ])
  })

  it("asks about the subject '' when the login has no sub string", async () => {
    const answer = (): ReturnType<DistributedClaimsResolver['resolve']> =>
      TE.right({ state: 'present', source: 'distributed', groups: [], droppedEmpty: 0 })
    const resolver = recordingResolver(answer)
    await reading({ ...overage(), sub: undefined }, {}, { resolver })
    await reading({ ...overage(), sub: 42 }, {}, { resolver })
    expect(resolver.asked).toMatchObject([
      { subject: '', options: {} },
      { subject: '', options: {} },
    ])
  })

  it('a second overage from the resolver is denied, about the first one', async () => {
    const again: GroupsClaimState = {
      state: 'overage',
      source: 'distributed',
      claimSourceName: 'src2',
    }
    const resolver = recordingResolver(() => TE.right(again))
    const denied = deniedOf(await reading(overage({}), {}, { resolver }))
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVERAGE_UNRESOLVED')
    expect(denied.error.path).toBe('/groups')
    expect(denied.error.message).toContain('answered with another overage')
    expect(denied.denied).toMatchObject({ state: 'overage', source: 'distributed' })
    // The first overage had no endpoint: none is reported.
    expect(denied.denied.detail).toEqual({ claimSourceName: 'src1' })
  })

  it('a failed distributed claim is itself the denial, with its failure word', async () => {
    const failure = new ClaimsError('DISTRIBUTED_CLAIMS_FAILED', 'refused', {
      value: 'ENDPOINT_NOT_ALLOWED',
      path: 'src1',
    })
    const denied = deniedOf(
      await reading(overage(), {}, { resolver: recordingResolver(() => TE.left(failure)) }),
    )
    expect(denied.error).toBe(failure)
    expect(denied.denied).toMatchObject({ state: 'overage', source: 'id_token' })
    expect(denied.denied.detail).toEqual({
      claimSourceName: 'src1',
      endpoint: 'https://graph.test/g',
      claimsError: 'DISTRIBUTED_CLAIMS_FAILED',
      path: 'src1',
      failure: 'ENDPOINT_NOT_ALLOWED',
    })
    const numeric = new ClaimsError('DISTRIBUTED_CLAIMS_FAILED', 'bad', { value: 7 })
    const again = deniedOf(
      await reading(overage(), {}, { resolver: recordingResolver(() => TE.left(numeric)) }),
    )
    expect(again.denied.detail).not.toHaveProperty('failure')
  })

  it('any other resolver failure: GROUPS_CLAIM_OVERAGE_UNRESOLVED with it as the cause', async () => {
    const failure = new ClaimsError('CLAIMS_INPUT_INVALID', 'bad', { value: 'x' })
    const denied = deniedOf(
      await reading(overage(), {}, { resolver: recordingResolver(() => TE.left(failure)) }),
    )
    expect(denied.error.code).toBe('GROUPS_CLAIM_OVERAGE_UNRESOLVED')
    expect(denied.error.cause).toBe(failure)
    expect(denied.error.message).toContain('resolver failed (CLAIMS_INPUT_INVALID)')
    expect(denied.denied).toMatchObject({ state: 'overage', source: 'id_token' })
    // Never the value of the failure, which could be a piece of the claim: no failure word.
    expect(denied.denied.detail).toEqual({
      claimSourceName: 'src1',
      endpoint: 'https://graph.test/g',
      claimsError: 'CLAIMS_INPUT_INVALID',
    })
  })

  it('copies an endpoint of up to 256 characters as sent, and bounds a longer one', async () => {
    const exact = `https://x.test/${'a'.repeat(256 - 15)}`
    expect(exact).toHaveLength(256)
    const kept = deniedOf(await reading(overage({ endpoint: exact })))
    expect(kept.denied.detail['endpoint']).toBe(exact)
    const long = deniedOf(await reading(overage({ endpoint: `${exact}b` })))
    expect(long.denied.detail['endpoint']).toBe(`${exact}…`)
  })
})

describe("point 3: an absent claim under absent: 'resolve' is resolved once, or denied", () => {
  const resolve: SyncPolicy = { absent: 'resolve' }
  const found = (groups: string[]): GroupsClaimState => ({
    state: 'present',
    source: 'distributed',
    groups,
    droppedEmpty: 0,
  })

  it('without a resolver: GROUPS_CLAIM_ABSENT_DENIED at the claim path, naming what to configure', async () => {
    const denied = deniedOf(await reading({ sub: 'a' }, resolve))
    expect(denied.error.code).toBe('GROUPS_CLAIM_ABSENT_DENIED')
    expect(denied.error.path).toBe('/groups')
    expect(denied.error.message).toContain('no resolver is configured')
    expect(denied.error.message).toContain('createGoogleDirectoryGroupsResolver')
    expect(denied.denied).toMatchObject({
      state: 'absent',
      source: null,
      detail: { path: 'groups' },
    })
  })

  it('with a resolver: syncs what it answers as a resolved absent claim, asked about the absent claim', async () => {
    const resolver = recordingResolver(() => TE.right(found(['dev'])))
    const claims = { sub: 'a', email: 'a@example.com', hd: 'example.com' }
    const synced = await reading(claims, resolve, { resolver })
    expect(synced).toStrictEqual({
      kind: 'sync',
      claim: {
        state: 'absent',
        source: 'distributed',
        groups: ['dev'],
        droppedEmpty: 0,
        digest: digestGroups(['dev']),
        policy: 'absent-resolved',
      },
    })
    expect(resolver.about).toEqual([{ state: 'absent' }])
    expect(resolver.asked).toEqual([{ subject: 'a', claims, options: {} }])
  })

  it('an empty answer syncs to no groups; a present claim never asks the resolver', async () => {
    const resolver = recordingResolver(() => TE.right(found([])))
    const empty = await reading({ sub: 'a' }, resolve, { resolver })
    expect(empty.kind !== 'deny' && empty.claim).toMatchObject({
      groups: [],
      policy: 'absent-resolved',
    })
    const sent = await reading({ sub: 'a', groups: ['ops'] }, resolve, { resolver })
    expect(sent.kind !== 'deny' && sent.claim).toMatchObject({ groups: ['ops'], policy: 'present' })
    expect(resolver.about).toHaveLength(1)
  })

  it('an answer that would need resolving again is denied: absent, or an overage', async () => {
    const none = recordingResolver(() => TE.right({ state: 'absent' }))
    const again = deniedOf(await reading({ sub: 'a' }, resolve, { resolver: none }))
    expect([again.error.code, again.error.path]).toEqual(['GROUPS_CLAIM_ABSENT_DENIED', '/groups'])
    expect(again.error.message).toContain('found no groups claim either')
    expect(none.about).toHaveLength(1)
    const overageAnswer: GroupsClaimState = {
      state: 'overage',
      source: 'distributed',
      claimSourceName: 'src9',
    }
    const marker = recordingResolver(() => TE.right(overageAnswer))
    const loop = deniedOf(await reading({ sub: 'a' }, resolve, { resolver: marker }))
    expect([loop.error.code, loop.error.path]).toEqual([
      'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
      '/groups',
    ])
    expect(loop.denied).toMatchObject({
      state: 'absent',
      source: 'distributed',
      detail: { path: 'groups' },
    })
  })

  it('an overage resolved to absent is not resolved again: denied about the overage', async () => {
    const none = recordingResolver(() => TE.right({ state: 'absent' }))
    const denied = deniedOf(await reading(overage(), resolve, { resolver: none }))
    expect([denied.error.code, denied.error.path]).toEqual([
      'GROUPS_CLAIM_ABSENT_DENIED',
      '/groups',
    ])
    expect(denied.denied).toMatchObject({ state: 'overage', source: 'id_token' })
    expect(none.about).toHaveLength(1)
  })

  it('a failed lookup is the denial itself, with its failure word; never no groups', async () => {
    const failure = new ClaimsError('DISTRIBUTED_CLAIMS_FAILED', 'throttled', {
      value: 'THROTTLED',
      path: 'https://cloudidentity.googleapis.com/v1/groups/-/memberships:searchTransitiveGroups',
    })
    const denied = deniedOf(
      await reading({ sub: 'a' }, resolve, { resolver: recordingResolver(() => TE.left(failure)) }),
    )
    expect(denied.error).toBe(failure)
    expect(denied.denied).toMatchObject({ state: 'absent', source: null })
    expect(denied.denied.detail).toEqual({
      path: failure.path,
      claimsError: 'DISTRIBUTED_CLAIMS_FAILED',
      failure: 'THROTTLED',
    })
    const other = new ClaimsError('CLAIMS_INPUT_INVALID', 'bad options')
    const wrapped = deniedOf(
      await reading({ sub: 'a' }, resolve, { resolver: recordingResolver(() => TE.left(other)) }),
    )
    expect([wrapped.error.code, wrapped.error.cause]).toEqual(['GROUPS_CLAIM_ABSENT_DENIED', other])
    expect(wrapped.error.message).toContain('groups resolver failed (CLAIMS_INPUT_INVALID)')
  })

  it('an overage without a resolver names the Graph resolver to configure', async () => {
    const denied = deniedOf(await reading(overage()))
    expect(denied.error.message).toContain('createMicrosoftGraphGroupsResolver')
  })
})
