import { expect } from 'vitest'
import {
  StoreError,
  type AdapterCall,
  type AuditEvent,
  type LastSync,
  type Membership,
  type MembershipStore,
  type MembershipStoreAdapter,
  type OrgSettings,
  type OrgSettingsUpdate,
  type StaleMember,
  type StoredGroup,
  type UserSyncChanges,
} from '../src/index.js'
import type { GroupChangeOptions } from '../src/ports/membership-store.port.js'
import type { UserRemovalWrite } from '../src/ports/store-adapter.port.js'

// What the tests of the validation layer (define-store.*.test.ts) share: an adapter that does no
// I/O at all. It answers from plain data the test sets, in whatever order the test put it there,
// and records every call it receives and every write a unit of work hands it. The layer's
// promises — checked input, copies, the documented order, the checks of a unit's decision — must
// hold whatever an adapter answers, so the tests state them against this one.

export const AT = new Date('2026-01-01T00:00:00.000Z')

export const group = (id: string, name: string): StoredGroup => ({
  orgId: 'o',
  id,
  name,
  createdAt: AT,
})

export const membership = (
  groupId: string,
  userId = 'u',
  source: Membership['source'] = 'sync',
): Membership => ({ orgId: 'o', groupId, userId, source, createdAt: AT })

/** What the adapter answers with; every field can be set by a test before the call. */
export interface FakeData {
  settings: OrgSettings | null
  groups: StoredGroup[]
  /** The user's memberships, with the group name a removal reads. */
  memberships: (Membership & { groupName: string })[]
  lastSyncedAt: Date | null
  lastTokenIssuedAt: Date | null
  /** Left out of the login read when undefined (an adapter with no removals to record). */
  removedAt: Date | null | undefined
  hasLastSync: boolean
  lastSync: LastSync | null
  created: StoredGroup
  renamed: StoredGroup | null
  deleted: boolean
  members: Membership[] | null
  stale: StaleMember[]
  events: AuditEvent[]
  member: boolean
}

/** One call the adapter received: its method and arguments (the unit callbacks left out). */
export interface Recorded {
  readonly method: string
  readonly args: readonly unknown[]
}

export interface RecordingAdapter {
  readonly data: FakeData
  readonly calls: Recorded[]
  /** What each unit of work's `work` returned for the adapter to write (null: no write). */
  readonly writes: (UserSyncChanges | UserRemovalWrite | OrgSettingsUpdate | null)[]
  readonly adapter: MembershipStoreAdapter
}

export function recordingAdapter(options: { close?: boolean } = {}): RecordingAdapter {
  const data: FakeData = {
    settings: null,
    groups: [group('g1', 'dev'), group('g2', 'ops')],
    memberships: [],
    lastSyncedAt: null,
    lastTokenIssuedAt: null,
    removedAt: null,
    hasLastSync: false,
    lastSync: null,
    created: group('g9', 'new'),
    renamed: null,
    deleted: false,
    members: null,
    stale: [],
    events: [],
    member: false,
  }
  const calls: Recorded[] = []
  const writes: RecordingAdapter['writes'] = []
  const record = (method: string, ...args: unknown[]): void => {
    calls.push({ method, args })
  }
  const adapter: MembershipStoreAdapter = {
    readSettings: (orgId, call) => {
      record('readSettings', orgId, call)
      return Promise.resolve(data.settings)
    },
    loginUnit: (orgId, userId, keys, work, call) => {
      record('loginUnit', orgId, userId, keys, call)
      const decided = work({
        settings: data.settings,
        groups: data.groups,
        memberships: data.memberships,
        lastSyncedAt: data.lastSyncedAt,
        lastTokenIssuedAt: data.lastTokenIssuedAt,
        ...(data.removedAt === undefined ? {} : { removedAt: data.removedAt }),
      })
      writes.push(decided.changes)
      return Promise.resolve(decided.result)
    },
    readLastSync: (orgId, userId, call) => {
      record('readLastSync', orgId, userId, call)
      return Promise.resolve(data.lastSync)
    },
    createGroup: (orgId, name, call) => {
      record('createGroup', orgId, name, call)
      return Promise.resolve(data.created)
    },
    renameGroup: (orgId, groupId, name, call) => {
      record('renameGroup', orgId, groupId, name, call)
      return Promise.resolve(data.renamed)
    },
    deleteGroup: (orgId, groupId, call) => {
      record('deleteGroup', orgId, groupId, call)
      return Promise.resolve(data.deleted)
    },
    listGroups: (orgId, call) => {
      record('listGroups', orgId, call)
      return Promise.resolve(data.groups)
    },
    updateSettings: (orgId, work, call) => {
      record('updateSettings', orgId, call)
      writes.push(work(data.settings))
      return Promise.resolve()
    },
    memberUnit: (orgId, groupId, userId, work, call) => {
      record('memberUnit', orgId, groupId, userId, call)
      const decided = work({
        settings: data.settings,
        group: data.groups.find((g) => g.id === groupId) ?? null,
        isMember: data.member,
      })
      writes.push(decided.changes)
      return Promise.resolve(decided.result)
    },
    removeUserUnit: (orgId, userId, work, call) => {
      record('removeUserUnit', orgId, userId, call)
      const decided = work({ memberships: data.memberships, hasLastSync: data.hasLastSync })
      writes.push(decided.write)
      return Promise.resolve(decided.result)
    },
    listMembers: (orgId, groupId, call) => {
      record('listMembers', orgId, groupId, call)
      return Promise.resolve(data.members)
    },
    listUserMemberships: (orgId, userId, call) => {
      record('listUserMemberships', orgId, userId, call)
      return Promise.resolve(data.memberships)
    },
    listStaleMembers: (orgId, olderThan, call) => {
      record('listStaleMembers', orgId, olderThan, call)
      return Promise.resolve(data.stale)
    },
    listAuditEvents: (orgId, query, call) => {
      record('listAuditEvents', orgId, query, call)
      return Promise.resolve(data.events)
    },
  }
  if (options.close === true) {
    return {
      data,
      calls,
      writes,
      adapter: {
        ...adapter,
        close: () => {
          record('close')
          return Promise.resolve()
        },
      },
    }
  }
  return { data, calls, writes, adapter }
}

/** The error a promise rejects with; fails the test when it resolves. */
export const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  )

/** The StoreError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export const refusal = async (p: Promise<unknown>): Promise<StoreError> => {
  const error = await rejection(p)
  expect(error).toBeInstanceOf(StoreError)
  return error as StoreError
}

/** The call object the adapter's last call received. */
export const lastCall = (calls: readonly Recorded[]): AdapterCall => {
  const last = calls.at(-1)
  if (last === undefined) return expect.fail('the adapter was not called')
  return last.args.at(-1) as AdapterCall
}

/** The inputs of an operation of a store, each named as its parameter. */
export interface Args {
  orgId: string
  userId: string
  groupId: string
  name: string
  olderThan: Date
  options: GroupChangeOptions | undefined
}

/** Inputs every operation accepts. */
export const VALID: Args = {
  orgId: 'o',
  userId: 'u',
  groupId: 'g1',
  name: 'dev',
  olderThan: AT,
  options: undefined,
}

type Operation = keyof Omit<MembershipStore, 'close' | 'limits'>

/** Every operation of both roles, its id and text inputs, and a valid call of it. */
export const OPERATIONS: readonly {
  readonly name: Operation
  readonly inputs: readonly (keyof Args)[]
  readonly call: (store: MembershipStore, a: Args) => Promise<unknown>
}[] = [
  {
    name: 'getOrgSettings',
    inputs: ['orgId'],
    call: (s, a) => s.getOrgSettings(a.orgId, a.options),
  },
  {
    name: 'withLoginSync',
    inputs: ['orgId', 'userId'],
    call: (s, a) =>
      s.withLoginSync(a.orgId, a.userId, ['dev'], () => ({ changes: null, result: 1 }), a.options),
  },
  {
    name: 'readLastSync',
    inputs: ['orgId', 'userId'],
    call: (s, a) => s.readLastSync(a.orgId, a.userId, a.options),
  },
  {
    name: 'createGroup',
    inputs: ['orgId', 'name'],
    call: (s, a) => s.createGroup(a.orgId, a.name, a.options),
  },
  {
    name: 'renameGroup',
    inputs: ['orgId', 'groupId', 'name'],
    call: (s, a) => s.renameGroup(a.orgId, a.groupId, a.name, a.options),
  },
  {
    name: 'deleteGroup',
    inputs: ['orgId', 'groupId'],
    call: (s, a) => s.deleteGroup(a.orgId, a.groupId, a.options),
  },
  { name: 'listGroups', inputs: ['orgId'], call: (s, a) => s.listGroups(a.orgId, a.options) },
  {
    name: 'updateOrgSettings',
    inputs: ['orgId'],
    call: (s, a) => s.updateOrgSettings(a.orgId, () => null, a.options),
  },
  {
    name: 'addManualMember',
    inputs: ['orgId', 'groupId', 'userId'],
    call: (s, a) => s.addManualMember(a.orgId, a.groupId, a.userId, a.options),
  },
  {
    name: 'removeManualMember',
    inputs: ['orgId', 'groupId', 'userId'],
    call: (s, a) => s.removeManualMember(a.orgId, a.groupId, a.userId, a.options),
  },
  {
    name: 'removeUser',
    inputs: ['orgId', 'userId'],
    call: (s, a) => s.removeUser(a.orgId, a.userId, a.options),
  },
  {
    name: 'listMembers',
    inputs: ['orgId', 'groupId'],
    call: (s, a) => s.listMembers(a.orgId, a.groupId, a.options),
  },
  {
    name: 'listUserMemberships',
    inputs: ['orgId', 'userId'],
    call: (s, a) => s.listUserMemberships(a.orgId, a.userId, a.options),
  },
  {
    name: 'listStaleMembers',
    inputs: ['orgId', 'olderThan'],
    call: (s, a) => s.listStaleMembers(a.orgId, a.olderThan, a.options),
  },
  {
    name: 'listAuditEvents',
    inputs: ['orgId'],
    call: (s, a) => s.listAuditEvents(a.orgId, undefined, a.options),
  },
]
