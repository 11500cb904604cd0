import { describe, expect, it } from 'vitest'
import {
  defineLoginSyncStore,
  defineMembershipStore,
  type IdKind,
  type StoreLimits,
} from '../src/index.js'
import {
  AT,
  group,
  OPERATIONS,
  recordingAdapter,
  refusal,
  VALID,
  type Args,
} from './define-store.fixture.js'

// What a store can keep, as its tables allow (store.limits): the validation layer refuses an id
// of a kind the tables do not hold and a name longer than they keep, before the adapter sees it,
// and hands the adapter every id in the one canonical form of its kind, so that `A0EE…` and
// `a0ee…`, or `+007` and `7`, name the same row.

type IdInput = 'orgId' | 'userId' | 'groupId'
const ID_INPUTS: readonly IdInput[] = ['orgId', 'userId', 'groupId']

const limitsOf = (kind: IdKind, maxNameBytes = 65_536): StoreLimits => ({
  maxNameBytes,
  ids: { org: kind, user: kind, group: kind },
})

/** A recording adapter that states `limits` (or none), answering so that every operation succeeds. */
const adapterWith = (limits: StoreLimits | undefined, groupId = VALID.groupId) => {
  const recording = recordingAdapter()
  recording.data.groups = [group(groupId, 'dev')]
  recording.data.renamed = group(groupId, 'dev')
  recording.data.deleted = true
  recording.data.members = []
  return limits === undefined
    ? recording
    : { ...recording, adapter: { ...recording.adapter, limits } }
}

/** For each kind: ids as a caller may write them, and the canonical forms the adapter must get. */
const KINDS: Readonly<
  Record<IdKind, { given: Record<IdInput, string>; canonical: Record<IdInput, string> }>
> = {
  // Text ids reach the adapter exactly as given, whatever they look like.
  text: {
    given: { orgId: '+007', userId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', groupId: ' g1 ' },
    canonical: { orgId: '+007', userId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', groupId: ' g1 ' },
  },
  uuid: {
    given: {
      orgId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      userId: 'a0eebc99-9c0b-4ef8-bb6d-6Bb9Bd380A12',
      groupId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A13',
    },
    canonical: {
      orgId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      userId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
      groupId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13',
    },
  },
  integer: {
    given: { orgId: '+0011', userId: '012', groupId: '+00013' },
    canonical: { orgId: '11', userId: '12', groupId: '13' },
  },
  bigint: {
    given: { orgId: '+001', userId: '002', groupId: '+0003' },
    canonical: { orgId: '1', userId: '2', groupId: '3' },
  },
}

/** Ids a store of the kind refuses, each with the words its refusal names the kind by. */
const OTHER_KINDS: Readonly<Record<'uuid' | 'bigint', { ids: string[]; words: RegExp }>> = {
  uuid: {
    ids: [
      'o',
      '7',
      'a0eebc999c0b4ef8bb6d6bb9bd380a11',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
      'urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111',
      'a0eebc99-9c0b-4ef8-bb6d6-bb9bd380a11',
      'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n',
    ],
    words: /a UUID \(8-4-4-4-12 hex digits\)/,
  },
  bigint: {
    ids: [
      'o',
      '7.0',
      '1e3',
      '0x7',
      ' 7',
      '7 ',
      '+',
      '-',
      '--7',
      '+-7',
      '\u0663',
      '9223372036854775808',
    ],
    words: /a whole number within 64 bits/,
  },
}

const idInputsOf = (inputs: readonly (keyof Args)[]): IdInput[] =>
  inputs.filter((i): i is IdInput => (ID_INPUTS as readonly string[]).includes(i))

type IdKinds = StoreLimits['ids']
const ROLE: Readonly<Record<IdInput, keyof IdKinds>> = {
  orgId: 'org',
  userId: 'user',
  groupId: 'group',
}

/** Each kind for each id, alone and beside ids of the other kinds (each checked by its own). */
const ID_SETS: readonly IdKinds[] = [
  { org: 'text', user: 'text', group: 'text' },
  { org: 'uuid', user: 'uuid', group: 'uuid' },
  { org: 'bigint', user: 'bigint', group: 'bigint' },
  { org: 'bigint', user: 'uuid', group: 'text' },
  { org: 'uuid', user: 'text', group: 'bigint' },
  { org: 'text', user: 'bigint', group: 'uuid' },
]

const nameOf = (ids: IdKinds): string => `org ${ids.org}, user ${ids.user}, group ${ids.group}`

/** The ids of a call to a store of `kinds`, as given or in canonical form. */
const idsOf = (kinds: IdKinds, form: 'given' | 'canonical'): Record<IdInput, string> => ({
  orgId: KINDS[kinds.org][form].orgId,
  userId: KINDS[kinds.user][form].userId,
  groupId: KINDS[kinds.group][form].groupId,
})

describe('a store states its limits', () => {
  it('a store over an adapter that states none has text ids and names of up to 4 KiB', () => {
    const { adapter } = recordingAdapter()
    for (const store of [defineMembershipStore(adapter), defineLoginSyncStore(adapter)]) {
      expect(store.limits).toStrictEqual({
        maxNameBytes: 4_096,
        ids: { org: 'text', user: 'text', group: 'text' },
      })
    }
  })

  it('both roles expose the limits the adapter states, as a frozen copy', () => {
    const limits: { maxNameBytes: number; ids: Record<'org' | 'user' | 'group', IdKind> } = {
      maxNameBytes: 1000,
      ids: { org: 'bigint', user: 'uuid', group: 'text' },
    }
    const { adapter } = adapterWith(limits)
    for (const store of [defineMembershipStore(adapter), defineLoginSyncStore(adapter)]) {
      expect(store.limits).toStrictEqual(limits)
      expect(store.limits).not.toBe(limits)
      expect(Object.isFrozen(store.limits)).toBe(true)
      expect(Object.isFrozen(store.limits.ids)).toBe(true)
    }
    // The store keeps what the adapter stated when it was defined.
    const store = defineMembershipStore(adapter)
    limits.ids.org = 'text'
    expect(store.limits.ids.org).toBe('bigint')
  })
})

describe('every operation hands the adapter its ids in the canonical form of their kind', () => {
  for (const kinds of ID_SETS) {
    const limits = { maxNameBytes: 65_536, ids: kinds }
    const canonical = idsOf(kinds, 'canonical')
    for (const op of OPERATIONS) {
      const ids = idInputsOf(op.inputs)
      if (ids.length === 0) continue
      it(`${nameOf(kinds)}: ${op.name} (${ids.join(', ')})`, async () => {
        const run = async (args: Record<IdInput, string>) => {
          const { calls, adapter } = adapterWith(limits, canonical.groupId)
          const store = defineMembershipStore(adapter, { now: () => AT })
          await op.call(store, { ...VALID, ...args })
          expect(calls).toHaveLength(1)
          return calls
        }
        const calls = await run(idsOf(kinds, 'given'))
        for (const id of ids) expect(calls[0]?.args).toContain(canonical[id])
        expect(calls).toEqual(await run(canonical))
      })
    }
  }

  it('the login snapshot names the org and user in canonical form too', async () => {
    const { given, canonical } = KINDS.uuid
    const { adapter } = adapterWith(limitsOf('uuid'))
    const store = defineLoginSyncStore(adapter)
    const snapshot = await store.withLoginSync(given.orgId, given.userId, [], (s) => ({
      changes: null,
      result: s,
    }))
    expect([snapshot.orgId, snapshot.userId]).toEqual([canonical.orgId, canonical.userId])
  })

  it('listAuditEvents: the user id of the query', async () => {
    const { calls, adapter } = adapterWith(limitsOf('bigint'))
    const store = defineMembershipStore(adapter)
    await store.listAuditEvents('+01', { userId: '+0042' })
    expect(calls[0]?.args.slice(0, 2)).toStrictEqual(['1', { afterSeq: 0, userId: '42' }])
    const error = await refusal(store.listAuditEvents('1', { userId: 'u' }))
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/query/userId', value: 'u' })
    expect(error.message).toMatch(/^\/query\/userId: must be a whole number within 64 bits/)
    expect(calls).toHaveLength(1)
  })
})

describe('an id of another kind is refused before the adapter sees it', () => {
  for (const kinds of ID_SETS.filter((k) => Object.values(k).some((kind) => kind !== 'text'))) {
    const limits = { maxNameBytes: 65_536, ids: kinds }
    const canonical = idsOf(kinds, 'canonical')
    for (const op of OPERATIONS) {
      const ids = idInputsOf(op.inputs).filter((input) => kinds[ROLE[input]] !== 'text')
      if (ids.length === 0) continue
      it(`${nameOf(kinds)}: ${op.name} (${ids.join(', ')})`, async () => {
        for (const input of ids) {
          const { ids: others, words } = OTHER_KINDS[kinds[ROLE[input]] as 'uuid' | 'bigint']
          for (const other of others) {
            const { calls, adapter } = adapterWith(limits, canonical.groupId)
            const store = defineMembershipStore(adapter)
            const error = await refusal(op.call(store, { ...VALID, ...canonical, [input]: other }))
            if (input === 'groupId') {
              // No group of the store can have that id: the group is not found.
              expect(error).toMatchObject({
                code: 'GROUP_NOT_FOUND',
                path: '/groupId',
                value: other,
              })
            } else {
              // An org or user id of the wrong kind is the caller's mistake: the kind is named.
              expect(error).toMatchObject({
                code: 'STORE_INVALID_INPUT',
                path: `/${input}`,
                value: other,
              })
              expect(error.message).toMatch(new RegExp(`^/${input}: must be ${words.source}`))
            }
            // A manual change asks only whether the lock is on, which answers first (rule S9);
            // nothing else reaches the adapter.
            const manual = input === 'groupId' && /ManualMember$/.test(op.name)
            expect(calls.map((c) => c.method)).toEqual(manual ? ['readSettings'] : [])
          }
        }
      })
    }
  }
})

it('a manual change naming a group id of another kind, while mapping is on, is refused by the lock (rule S9), as any other manual change', async () => {
  for (const action of ['addManualMember', 'removeManualMember'] as const) {
    const { adapter, calls } = adapterWith(limitsOf('uuid'), '00000000-0000-4000-8000-000000000001')
    const store = defineMembershipStore({
      ...adapter,
      readSettings: () => Promise.resolve({ manageGroupMemberships: true, matchMode: 'exact' }),
    })
    const error = await store[action](
      '00000000-0000-4000-8000-000000000002',
      'not-a-uuid',
      '00000000-0000-4000-8000-000000000003',
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED' })
    expect(calls).toEqual([])
  }
})

describe('integer ids: a signed 32-bit decimal, bigint ids a signed 64-bit one, without sign or leading zeros', () => {
  it.each([
    ['2147483647', '2147483647', true],
    ['-2147483648', '-2147483648', true],
    ['+00002147483647', '2147483647', true],
    ['2147483648', '', false],
    ['-2147483649', '', false],
    ['9223372036854775807', '', false],
  ])('an integer store takes %j: %j (%s)', async (id, canonical, ok) => {
    const recording = adapterWith(limitsOf('integer'), canonical === '' ? '1' : canonical)
    const s = defineMembershipStore(recording.adapter)
    if (ok) {
      await s.readLastSync(id, id)
      expect(recording.calls.map((c) => c.args.slice(0, 2))).toEqual([[canonical, canonical]])
    } else {
      expect(await refusal(s.readLastSync(id, '1'))).toMatchObject({
        code: 'STORE_INVALID_INPUT',
        path: '/orgId',
        value: id,
      })
      expect((await refusal(s.readLastSync(id, '1'))).message).toMatch(/within 32 bits/)
      expect(recording.calls).toEqual([])
    }
  })

  const store = (groupId: string) => {
    const recording = adapterWith(limitsOf('bigint'), groupId)
    return { ...recording, store: defineMembershipStore(recording.adapter) }
  }

  it.each([
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['+9223372036854775807', '9223372036854775807'],
    ['+7', '7'],
    ['007', '7'],
    ['-007', '-7'],
    ['0', '0'],
    ['-0', '0'],
    ['+0', '0'],
  ])('accepts %j as %j, for an org, a user and a group', async (id, canonical) => {
    const { calls, store: s } = store(canonical)
    await s.readLastSync(id, id)
    await s.listMembers(id, id)
    expect(calls.map((c) => c.args.slice(0, 2))).toEqual([
      [canonical, canonical],
      [canonical, canonical],
    ])
  })

  it.each([
    '9223372036854775808',
    '-9223372036854775809',
    '18446744073709551616',
    '99999999999999999999',
  ])('refuses %j, just beyond 64 bits', async (id) => {
    const { calls, store: s } = store('1')
    expect(await refusal(s.readLastSync(id, '1'))).toMatchObject({
      code: 'STORE_INVALID_INPUT',
      path: '/orgId',
      value: id,
    })
    expect(await refusal(s.readLastSync('1', id))).toMatchObject({
      code: 'STORE_INVALID_INPUT',
      path: '/userId',
      value: id,
    })
    expect(await refusal(s.listMembers('1', id))).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      value: id,
    })
    expect(calls).toEqual([])
  })
})

describe('uuid ids: the 8-4-4-4-12 hex form, in any case, handed on in lower case', () => {
  it.each([
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ])('accepts %j as %j, for an org, a user and a group', async (id, canonical) => {
    const { calls, adapter } = adapterWith(limitsOf('uuid'), canonical)
    const store = defineMembershipStore(adapter)
    await store.readLastSync(id, id)
    await store.listMembers(id, id)
    expect(calls.map((c) => c.args.slice(0, 2))).toEqual([
      [canonical, canonical],
      [canonical, canonical],
    ])
  })
})

describe('updateOrgSettings: its events name the org as the caller did', () => {
  const settings = { manageGroupMemberships: true, matchMode: 'exact' } as const

  it('an event naming the org as given goes to the adapter under the canonical id', async () => {
    const { given, canonical } = KINDS.uuid
    for (const orgId of [given.orgId, canonical.orgId]) {
      const { writes, adapter } = adapterWith(limitsOf('uuid'))
      const store = defineMembershipStore(adapter)
      await store.updateOrgSettings(given.orgId, () => ({
        settings,
        audit: [{ type: 'settings.changed', orgId, actor: 'admin' }],
      }))
      expect(writes).toEqual([
        {
          settings,
          audit: [{ type: 'settings.changed', orgId: canonical.orgId, actor: 'admin' }],
        },
      ])
    }
  })

  it('an event of another org is still refused', async () => {
    const { writes, adapter } = adapterWith(limitsOf('uuid'))
    const store = defineMembershipStore(adapter)
    const error = await refusal(
      store.updateOrgSettings(KINDS.uuid.given.orgId, () => ({
        settings,
        audit: [{ type: 'settings.changed', orgId: KINDS.uuid.given.userId }],
      })),
    )
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/audit/0/orgId' })
    expect(writes).toEqual([])
  })
})

describe('a group name is at most maxNameBytes UTF-8 bytes', () => {
  /** createGroup and renameGroup, over an adapter that states `limits` (or none). */
  const naming = (limits: StoreLimits | undefined) => {
    const recording = adapterWith(limits)
    const store = defineMembershipStore(recording.adapter)
    return {
      calls: recording.calls,
      withName: [
        (name: string) => store.createGroup('o', name),
        (name: string) => store.renameGroup('o', 'g1', name),
      ],
    }
  }

  it.each([
    ['8 ASCII characters', 'a'.repeat(8)],
    ['4 two-byte characters', 'é'.repeat(4)],
    ['2 four-byte characters', '😀'.repeat(2)],
    ['ASCII and a four-byte character', 'aaaa😀'],
    ['ASCII and a two-byte character', 'aaaaaaé'],
    ['three-byte characters and ASCII', '€€aa'],
  ])('accepts %s: exactly 8 bytes', async (_, name) => {
    const { calls, withName } = naming(limitsOf('text', 8))
    for (const call of withName) await call(name)
    expect(calls.map((c) => c.args.at(-2))).toEqual([name, name])
  })

  it.each([
    ['9 ASCII characters', 'a'.repeat(9)],
    ['4 two-byte characters and ASCII', `${'é'.repeat(4)}a`],
    ['ASCII and a two-byte character', 'aaaaaaaé'],
    ['2 four-byte characters and ASCII', `${'😀'.repeat(2)}a`],
    ['ASCII and a four-byte character', 'aaaaa😀'],
    ['3 three-byte characters', '€€€'],
  ])('refuses %s: 9 bytes, stating its length and the limit', async (_, name) => {
    const { calls, withName } = naming(limitsOf('text', 8))
    for (const call of withName) {
      const error = await refusal(call(name))
      expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/name' })
      expect(error.message).toMatch(/^\/name: .*\b9 bytes\b.*\bat most 8 bytes\b/)
    }
    expect(calls).toEqual([])
  })

  it('the default limit: 4,096 bytes kept, one more refused', async () => {
    const { calls, withName } = naming(undefined)
    for (const call of withName) {
      await call('a'.repeat(4_096))
      await call('😀'.repeat(1_024))
      for (const name of ['a'.repeat(4_097), `${'😀'.repeat(1_024)}a`]) {
        const error = await refusal(call(name))
        expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/name' })
        expect(error.message).toMatch(/^\/name: .*\b4097 bytes\b.*\bat most 4096 bytes\b/)
      }
    }
    expect(calls).toHaveLength(4)
  })
})

describe('createdAt: null when the store’s table keeps no creation time', () => {
  const untimed = () => {
    const recording = recordingAdapter()
    const { data } = recording
    data.groups = [{ ...group('g1', 'dev'), createdAt: null }, group('g2', 'ops')]
    data.created = { ...group('g9', 'new'), createdAt: null }
    data.renamed = { ...group('g1', 'dev2'), createdAt: null }
    const member = {
      orgId: 'o',
      groupId: 'g1',
      userId: 'u',
      source: 'sync',
      createdAt: null,
    } as const
    data.members = [member]
    data.memberships = [{ ...member, groupName: 'dev' }]
    return { ...recording, store: defineMembershipStore(recording.adapter) }
  }

  it('listGroups, createGroup and renameGroup copy it through', async () => {
    const { store } = untimed()
    const listed = await store.listGroups('o')
    expect(listed.map((g) => g.createdAt)).toEqual([null, AT])
    expect((await store.createGroup('o', 'new')).createdAt).toBeNull()
    expect((await store.renameGroup('o', 'g1', 'dev2')).createdAt).toBeNull()
  })

  it('listMembers and listUserMemberships copy it through', async () => {
    const { store } = untimed()
    expect((await store.listMembers('o', 'g1')).map((m) => m.createdAt)).toEqual([null])
    expect((await store.listUserMemberships('o', 'u')).map((m) => m.createdAt)).toEqual([null])
  })

  it('the login snapshot has it for the groups of the slice and the memberships', async () => {
    const { store } = untimed()
    const snapshot = await store.withLoginSync('o', 'u', ['dev', 'ops'], (s) => ({
      changes: null,
      result: s,
    }))
    expect(snapshot.groups.map((g) => [g.id, g.createdAt])).toEqual([
      ['g1', null],
      ['g2', AT],
    ])
    expect(snapshot.memberships.map((m) => m.createdAt)).toEqual([null])
  })
})
