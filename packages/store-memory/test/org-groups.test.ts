import {
  computeMembershipDiff,
  isOrgGroupIndex,
  type MembershipStore,
  type StoredGroup,
} from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMembershipStore } from '../src/index.js'
import { EMPTY_GROUPS_VIEW, OrgGroups } from '../src/internal/org-groups.js'

describe('OrgGroups', () => {
  const filled = () => {
    const groups = new OrgGroups()
    groups.set('g2', { name: 'ops', createdAt: 2 })
    groups.set('g1', { name: 'dev', createdAt: 1 })
    groups.set('g3', { name: 'Dev', createdAt: 3 })
    return groups
  }

  it('builds the view once per version: the same view until the groups change', () => {
    const groups = filled()
    const first = groups.view('org')
    expect(groups.view('org')).toBe(first)
    expect(first.groups.map((g) => g.id)).toEqual(['g3', 'g1', 'g2'])
    expect(first.groups[1]).toEqual({
      orgId: 'org',
      id: 'g1',
      name: 'dev',
      createdAt: new Date(1),
    })
    expect(first.index.groups).toBe(first.groups)
    expect(isOrgGroupIndex(first.index)).toBe(true)
    expect([...first.ids].sort()).toEqual(['g1', 'g2', 'g3'])
    expect(Object.isFrozen(first.groups)).toBe(true)
    expect(Object.isFrozen(first.groups[0])).toBe(true)
  })

  it('drops the view at every set, delete and clear', () => {
    const groups = filled()
    const v1 = groups.view('org')
    groups.set('g4', { name: 'qa', createdAt: 4 })
    const v2 = groups.view('org')
    expect(v2).not.toBe(v1)
    expect(v2.ids.has('g4')).toBe(true)
    expect(v1.ids.has('g4')).toBe(false)

    groups.set('g1', { name: 'developers', createdAt: 1 })
    const v3 = groups.view('org')
    expect(v3.index.get('g1')?.name).toBe('developers')
    expect(computeMembershipDiff(['dev'], v3.index, []).toAdd).toEqual([])

    groups.delete('g2')
    const v4 = groups.view('org')
    expect(v4.ids.has('g2')).toBe(false)
    expect(v4.index.has('g2')).toBe(false)

    groups.clear()
    expect(groups.view('org').groups).toEqual([])
  })

  it('gives diffs identical to the diff of the sorted groups', () => {
    const v = filled().view('org')
    const claim = ['DEV', 'ops', 'x']
    const current = ['g1', 'g3', 'elsewhere']
    expect(computeMembershipDiff(claim, v.index, current)).toStrictEqual(
      computeMembershipDiff(claim, [...v.groups], current),
    )
  })

  it('has an empty view for an organisation without groups', () => {
    expect(EMPTY_GROUPS_VIEW.groups).toEqual([])
    expect(EMPTY_GROUPS_VIEW.ids.size).toBe(0)
  })
})

describe('the memory store keeps one index per version of an org’s groups', () => {
  const snapshotOf = (store: MembershipStore, org: string) =>
    store.withUserSync(org, 'alice', (snapshot) => ({ changes: null, result: snapshot }))

  it('hands every sync the same index until a group is created, renamed or deleted', async () => {
    const store = createMemoryMembershipStore()
    const dev = await store.createGroup('org', 'dev')
    const first = await snapshotOf(store, 'org')
    expect(first.groupIndex).toBeDefined()
    expect((await snapshotOf(store, 'org')).groupIndex).toBe(first.groupIndex)
    expect(first.groupIndex?.groups).toEqual(first.groups)

    const ops = await store.createGroup('org', 'ops')
    const created = await snapshotOf(store, 'org')
    expect(created.groupIndex).not.toBe(first.groupIndex)
    expect(created.groupIndex?.groups.map((g) => g.id)).toEqual([dev.id, ops.id])

    await store.renameGroup('org', dev.id, 'developers')
    const renamed = await snapshotOf(store, 'org')
    expect(renamed.groupIndex?.get(dev.id)?.name).toBe('developers')

    await store.deleteGroup('org', ops.id)
    const deleted = await snapshotOf(store, 'org')
    expect(deleted.groupIndex?.has(ops.id)).toBe(false)
    expect(deleted.groups.map((g) => g.id)).toEqual([dev.id])
  })

  it('gives each snapshot its own list: a decide step that edits it changes no other', async () => {
    const store = createMemoryMembershipStore()
    await store.createGroup('org', 'dev')
    await store.withUserSync('org', 'alice', (snapshot) => {
      ;(snapshot.groups as StoredGroup[]).length = 0
      return { changes: null, result: undefined }
    })
    const next = await snapshotOf(store, 'org')
    expect(next.groups.map((g) => g.name)).toEqual(['dev'])
  })

  it('diffs through the index exactly as through the groups', async () => {
    const store = createMemoryMembershipStore()
    for (const name of ['dev', 'Dev', 'ops', 'qa']) await store.createGroup('org', name)
    const snapshot = await snapshotOf(store, 'org')
    const current = snapshot.groups.filter((g) => g.name !== 'dev').map((g) => g.id)
    for (const match of ['exact', 'case-insensitive'] as const) {
      const claim = ['DEV', 'ops', 'nope']
      expect(
        computeMembershipDiff(claim, snapshot.groupIndex ?? [], current, { match }),
      ).toStrictEqual(computeMembershipDiff(claim, snapshot.groups, current, { match }))
    }
  })
})
