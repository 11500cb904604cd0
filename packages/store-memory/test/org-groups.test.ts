import { sliceKey } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { OrgGroups, storedGroup } from '../src/internal/org-groups.js'

const idsOf = (groups: OrgGroups, key: string): string[] => [...groups.idsWithKey(key)].sort()

/** The index as it should be: every group under its name's slice key, and nothing else. */
const expectedIndex = (groups: OrgGroups): Map<string, string[]> => {
  const index = new Map<string, string[]>()
  for (const [id, g] of groups.entries()) {
    const key = sliceKey(g.name)
    index.set(key, [...(index.get(key) ?? []), id].sort())
  }
  return index
}

describe('OrgGroups', () => {
  const filled = () => {
    const groups = new OrgGroups()
    groups.set('g2', { name: 'ops', createdAt: 2 })
    groups.set('g1', { name: 'dev', createdAt: 1 })
    groups.set('g3', { name: 'Dev', createdAt: 3 })
    return groups
  }

  it('finds groups by slice key: every name that lower-cases to the key, and no other', () => {
    const groups = filled()
    expect(idsOf(groups, 'dev')).toEqual(['g1', 'g3'])
    expect(idsOf(groups, 'ops')).toEqual(['g2'])
    expect(idsOf(groups, 'Dev')).toEqual([])
    expect(idsOf(groups, 'nope')).toEqual([])
    expect(groups.size).toBe(3)
  })

  it('moves a renamed group to its new key and drops a key left empty', () => {
    const groups = filled()
    groups.set('g2', { name: 'DevOps', createdAt: 2 })
    expect(idsOf(groups, 'ops')).toEqual([])
    expect(idsOf(groups, 'devops')).toEqual(['g2'])
    groups.set('g1', { name: 'DEV', createdAt: 1 })
    expect(idsOf(groups, 'dev')).toEqual(['g1', 'g3'])
    expect(groups.get('g1')).toEqual({ name: 'DEV', createdAt: 1 })
  })

  it('removes a deleted group from the groups and the index', () => {
    const groups = filled()
    expect(groups.delete('g3')).toBe(true)
    expect(groups.delete('g3')).toBe(false)
    expect(idsOf(groups, 'dev')).toEqual(['g1'])
    expect(groups.get('g3')).toBeUndefined()
    expect(groups.delete('g1')).toBe(true)
    expect(idsOf(groups, 'dev')).toEqual([])
  })

  it('keeps the index equal to the groups through any sequence of sets and deletes', () => {
    const groups = new OrgGroups()
    const names = ['a', 'A', 'b', 'B', 'ß', 'SS', '\u0130', 'i\u0307']
    let seed = 7
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let step = 0; step < 500; step += 1) {
      const id = `g${next(6)}`
      if (next(4) === 0) groups.delete(id)
      else groups.set(id, { name: names[next(names.length)] ?? 'a', createdAt: step })
      for (const [key, ids] of expectedIndex(groups)) expect(idsOf(groups, key)).toEqual(ids)
      for (const name of names) {
        if (!expectedIndex(groups).has(sliceKey(name)))
          expect(idsOf(groups, sliceKey(name))).toEqual([])
      }
    }
  })

  it('finds a group by its exact name only', () => {
    const groups = filled()
    expect(groups.idNamed('dev')).toBe('g1')
    expect(groups.idNamed('Dev')).toBe('g3')
    expect(groups.idNamed('DEV')).toBeUndefined()
    expect(groups.idNamed('nope')).toBeUndefined()
  })

  it('shows a group as a new StoredGroup each time', () => {
    const record = { name: 'dev', createdAt: 5 }
    const a = storedGroup('org', 'g1', record)
    expect(a).toEqual({ orgId: 'org', id: 'g1', name: 'dev', createdAt: new Date(5) })
    expect(storedGroup('org', 'g1', record)).not.toBe(a)
  })
})
