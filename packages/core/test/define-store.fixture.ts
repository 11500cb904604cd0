import { expect } from 'vitest'
import type {
  AdapterCall,
  AuditEvent,
  LastSync,
  Membership,
  MembershipStoreAdapter,
  OrgSettings,
  OrgSettingsUpdate,
  StaleMember,
  StoredGroup,
  UserRemovalWrite,
  UserSyncChanges,
} from '../src/index.js'

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

/** The call object the adapter's last call received. */
export const lastCall = (calls: readonly Recorded[]): AdapterCall => {
  const last = calls.at(-1)
  if (last === undefined) return expect.fail('the adapter was not called')
  return last.args.at(-1) as AdapterCall
}
