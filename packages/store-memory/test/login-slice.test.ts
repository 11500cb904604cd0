import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryMembershipStore } from '../src/index.js'
import { OrgGroups } from '../src/internal/org-groups.js'
import { OrgMemberships } from '../src/internal/org-memberships.js'

// An organisation's groups sit in private maps of OrgGroups, and memberships in OrgMemberships:
// their methods are the only way the store reaches them. Spying on those methods counts what a
// login reads, so these tests check the cost of a login by what it touches, not by a clock.

const ORG = 'org'
const CLAIM = ['DEV', 'ops', 'nobody']

interface LoginReads {
  /** The ids of the groups the login read through `get`. */
  readonly touched: ReadonlySet<string>
  readonly getCalls: number
  /** How many ids the slice-key lookups handed back, and how many lookups. */
  readonly idsFound: number
  readonly keyLookups: number
  /** Calls of the methods that walk every group or a whole group's members. */
  readonly walks: number
  /** The ids of the snapshot's groups (the slice). */
  readonly slice: readonly string[]
}

/** An org of `size` groups where alice is in `hr` and one group outside the claim; one login. */
const loginIn = async (size: number): Promise<LoginReads> => {
  const store = createMemoryMembershipStore()
  const named = ['dev', 'Dev', 'ops', 'hr']
  const groups = []
  for (const name of named) groups.push(await store.createGroup(ORG, name))
  for (let i = named.length; i < size; i += 1)
    groups.push(await store.createGroup(ORG, `team-${i}`))
  await store.addManualMember(ORG, groups[3]!.id, 'alice')
  await store.addManualMember(ORG, groups[size - 1]!.id, 'alice')

  const get = vi.spyOn(OrgGroups.prototype, 'get')
  const idsWithKey = vi.spyOn(OrgGroups.prototype, 'idsWithKey')
  const walks = [
    vi.spyOn(OrgGroups.prototype, 'entries'),
    vi.spyOn(OrgGroups.prototype, 'idNamed'),
    vi.spyOn(OrgMemberships.prototype, 'ofGroup'),
  ]
  const snapshot = await store.withLoginSync(ORG, 'alice', CLAIM, (s) => ({
    changes: null,
    result: s,
  }))
  const reads: LoginReads = {
    touched: new Set(get.mock.calls.map(([id]) => id)),
    getCalls: get.mock.calls.length,
    idsFound: idsWithKey.mock.results.reduce(
      (n, r) => n + (r.type === 'return' ? r.value.size : 0),
      0,
    ),
    keyLookups: idsWithKey.mock.calls.length,
    walks: walks.reduce((n, spy) => n + spy.mock.calls.length, 0),
    slice: snapshot.groups.map((g) => g.id),
  }
  vi.restoreAllMocks()
  await store.close()
  return reads
}

describe('a login reads its slice, not the organisation', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('touches only the slice’s groups, as many at 10 as at 10,000 groups', async () => {
    const small = await loginIn(10)
    const large = await loginIn(10_000)
    for (const reads of [small, large]) {
      // dev, Dev, ops (the claim's keys), hr and the last team (the memberships).
      expect(reads.slice).toHaveLength(5)
      expect(reads.touched).toEqual(new Set(reads.slice))
      // Each group of the slice read once, whether found by key, by membership or both.
      expect(reads.getCalls).toBe(reads.slice.length)
      expect(reads.keyLookups).toBe(new Set(CLAIM.map((c) => c.toLowerCase())).size)
      expect(reads.idsFound).toBe(3)
      expect(reads.walks).toBe(0)
    }
    expect(large.getCalls).toBe(small.getCalls)
    expect(large.idsFound).toBe(small.idsFound)
    expect(large.keyLookups).toBe(small.keyLookups)
  })

  it('a user with no memberships and a claim that names nothing touches no group', async () => {
    const store = createMemoryMembershipStore()
    for (let i = 0; i < 100; i += 1) await store.createGroup(ORG, `team-${i}`)
    const get = vi.spyOn(OrgGroups.prototype, 'get')
    const entries = vi.spyOn(OrgGroups.prototype, 'entries')
    const groups = await store.withLoginSync(ORG, 'bob', ['elsewhere'], (s) => ({
      changes: null,
      result: s.groups,
    }))
    expect(groups).toEqual([])
    expect(get).not.toHaveBeenCalled()
    expect(entries).not.toHaveBeenCalled()
  })
})
