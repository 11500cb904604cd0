import { readFileSync } from 'node:fs'
import type { MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  SyncPolicyCodec,
  syncOnLoginAsync,
  type SyncPolicy,
  type SyncResult,
} from '../src/index.js'

// The README's "Turning mapping on for an organisation that already has members": its policy,
// read from the README itself, run over an organisation whose members were all added by hand,
// with a provider that is not set up yet. Nothing may be lost; the default policy, on the same
// organisation, would have removed every membership.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The policy the README's rollout section starts an organisation on. */
function rolloutPolicy(): SyncPolicy {
  const section =
    /<!-- rollout-policy:start -->\s*```json\n([^]*?)```\s*<!-- rollout-policy:end -->/.exec(readme)
  if (section?.[1] === undefined) throw new Error('the README has no rollout policy block')
  const decoded = SyncPolicyCodec.decode(JSON.parse(section[1]))
  if (decoded._tag === 'Left') throw new Error('the README rollout policy is not a SyncPolicy')
  return decoded.right
}

const NOW = new Date('2026-03-01T12:00:00Z')
const IAT = NOW.getTime() / 1000 - 60
const store: MembershipStore = createMemoryMembershipStore({ now: () => NOW })
const admin = createMembershipAdmin({ store })
afterAll(() => store.close())

/** Who was in which group by hand before mapping: every membership the org has. */
const MANUAL: Readonly<Record<string, readonly string[]>> = {
  alice: ['dev', 'ops', 'sales'],
  bob: ['dev', 'support'],
  carol: ['ops'],
}

const right = async <A>(task: () => Promise<{ _tag: string; right?: A; left?: unknown }>) => {
  const result = await task()
  if (result._tag === 'Left') throw result.left as Error
  return result.right as A
}

/** The org as it stands before the rollout: groups, hand-made memberships, mapping off. */
async function orgWithManualMembers(orgId: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  for (const name of ['dev', 'ops', 'sales', 'support']) {
    ids.set(
      name,
      (await right<{ id: string }>(admin.createGroup(orgId, name, { actor: 'root' }))).id,
    )
  }
  for (const [user, groups] of Object.entries(MANUAL)) {
    for (const g of groups) await right(admin.addMember(orgId, ids.get(g) ?? '', user))
  }
  await right(admin.setManageGroupMemberships(orgId, true, { actor: 'root' }))
  return ids
}

/** Every user's memberships by group name and source. */
async function memberships(orgId: string, ids: Map<string, string>) {
  const names = new Map([...ids].map(([name, id]) => [id, name]))
  const all: Record<string, string[]> = {}
  for (const user of Object.keys(MANUAL)) {
    all[user] = (await store.listUserMemberships(orgId, user))
      .map((m) => `${names.get(m.groupId) ?? m.groupId}:${m.source}`)
      .sort()
  }
  return all
}

const handMade = Object.fromEntries(
  Object.entries(MANUAL).map(([user, groups]) => [user, groups.map((g) => `${g}:manual`).sort()]),
)

const login = (
  orgId: string,
  userId: string,
  claims: Record<string, unknown>,
  policy: SyncPolicy,
): Promise<SyncResult> =>
  syncOnLoginAsync(
    { orgId, userId, claims: { sub: userId, iat: IAT, ...claims } },
    { store, clock: () => NOW, policy: () => policy },
  )

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'no error',
    (e: unknown) => (e as { code?: unknown }).code,
  )

describe('turning mapping on for an organisation that already has members (sync README)', () => {
  const policy = rolloutPolicy()

  it('the README starts such an org on sync-owned removal, absent: deny and a mass-removal guard', () => {
    expect(policy).toMatchObject({ removalMode: 'sync-owned', absent: 'deny' })
    expect(policy.massRemovalGuard?.maxRemovalPercent).toBeDefined()
  })

  it('a provider that sends no groups claim: every login is refused and audited, nothing is lost', async () => {
    const ids = await orgWithManualMembers('rollout-no-claim')
    for (const user of Object.keys(MANUAL)) {
      expect(await codeOf(login('rollout-no-claim', user, {}, policy))).toBe(
        'GROUPS_CLAIM_ABSENT_DENIED',
      )
    }
    expect(await memberships('rollout-no-claim', ids)).toEqual(handMade)
    const denied = (await store.listAuditEvents('rollout-no-claim')).filter(
      (e) => e.type === 'sync.denied',
    )
    expect(denied.map((e) => e.userId).sort()).toEqual(Object.keys(MANUAL).sort())
    for (const user of Object.keys(MANUAL)) {
      expect(await store.readLastSync('rollout-no-claim', user)).toBeNull()
    }
  })

  it('a provider that names groups differently, or only some: manual memberships stay, reported as kept', async () => {
    const orgId = 'rollout-wrong-claim'
    const ids = await orgWithManualMembers(orgId)
    // Names the org does not have: nothing matches, nothing is removed, the notes say why.
    const wrong = await login(orgId, 'alice', { groups: 'Dev Team,Ops Team' }, policy)
    expect(wrong).toMatchObject({ status: 'synced', added: [], removed: [] })
    if (wrong.status !== 'synced') return
    expect(wrong.keptManual.map((g) => g.name)).toEqual(['dev', 'ops', 'sales'])
    expect(wrong.notes.join('\n')).toMatch(/"Dev Team,Ops Team" names no group[^]*delimiter/)
    // A partial claim: bob's support stays though the claim leaves it out.
    const partial = await login(orgId, 'bob', { groups: ['dev'] }, policy)
    expect(partial).toMatchObject({ status: 'synced', added: [], removed: [] })
    expect(await memberships(orgId, ids)).toEqual(handMade)
  })

  it("the mass-removal guard stops a claim that suddenly names far fewer groups, sync's own included", async () => {
    const orgId = 'rollout-guard'
    const ids = await orgWithManualMembers(orgId)
    // Carol's right claim adds three groups (source sync) to her hand-made ops...
    const first = await login(
      orgId,
      'carol',
      { groups: ['dev', 'ops', 'sales', 'support'] },
      policy,
    )
    expect(first.status === 'synced' && first.added.map((g) => g.name)).toEqual([
      'dev',
      'sales',
      'support',
    ])
    const before = await memberships(orgId, ids)
    // ...then the provider's assignment breaks and the claim is empty: 3 of 4 would go.
    expect(await codeOf(login(orgId, 'carol', { groups: [] }, policy))).toBe(
      'MASS_REMOVAL_GUARD_TRIPPED',
    )
    expect(await memberships(orgId, ids)).toEqual(before)
  })

  it('the default policy, over the same organisation and the same provider, removes every membership', async () => {
    const orgId = 'rollout-defaults'
    const ids = await orgWithManualMembers(orgId)
    for (const user of Object.keys(MANUAL)) {
      expect((await login(orgId, user, {}, {})).status).toBe('synced')
    }
    expect(await memberships(orgId, ids)).toEqual({ alice: [], bob: [], carol: [] })
  })
})
