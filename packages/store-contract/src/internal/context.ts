import type {
  AuditEvent,
  AuditEventInput,
  Membership,
  MembershipAdminStore,
  MembershipStore,
  OrgSettings,
  StaleMember,
  StoredGroup,
  StoreErrorCode,
  StoreLimits,
} from '@groupsync/core'
import { expect } from 'vitest'
import { expectTimes, shareTimes, storeKit, type StoreKit, type Times } from './store-kit.js'

/**
 * TEST ONLY. A store calls this at named points while a write is half done; the contract suite
 * throws from it to simulate a crash there, or waits in it to hold a unit of work open. Stores
 * name their own points (`sync:after-remove`, `sync:after-write`, …); the suite discovers them by
 * recording a successful run.
 */
export type TestOnlyFaultHook = (point: string) => void | Promise<void>

/** What the contract suite passes to a store factory. */
export interface ContractStoreOptions {
  /** TEST ONLY: see {@link TestOnlyFaultHook}. When absent, the store runs without faults. */
  readonly testOnlyFaultHook?: TestOnlyFaultHook
}

/**
 * Makes a store for one test. Stores may share a backend (a database schema) between calls: the
 * suite gives every test its own organisation ids, so tests never see each other's data.
 */
export type MakeStore = (
  options: ContractStoreOptions,
) => MembershipStore | Promise<MembershipStore>

/** How a store runs the contract suite. */
export interface DescribeMembershipStoreOptions {
  /**
   * Runs of each model-based property (default 40): the model, the replay and the slice
   * properties. Each run of the model is up to 25 random operations.
   */
  readonly modelRuns?: number
  /** Runs of the 50-concurrent-logins property and of the racing-removal property (default 3). */
  readonly concurrencyRuns?: number
  /**
   * Whether units of work of different users run at the same time (default true). A store on a
   * single connection, such as PGlite, serialises all of them and says false here.
   */
  readonly parallelUsers?: boolean
  /** Timeout of the slow tests (properties), in milliseconds (default 120000). */
  readonly slowTestTimeoutMs?: number
}

/** The suite's options with their defaults filled in. */
export type SuiteOptions = Required<DescribeMembershipStoreOptions>

/** The defaults of {@link DescribeMembershipStoreOptions}. */
export const suiteOptions = (options: DescribeMembershipStoreOptions): SuiteOptions => ({
  modelRuns: options.modelRuns ?? 40,
  concurrencyRuns: options.concurrencyRuns ?? 3,
  parallelUsers: options.parallelUsers ?? true,
  slowTestTimeoutMs: options.slowTestTimeoutMs ?? 120_000,
})

const ID_KINDS: readonly unknown[] = ['text', 'uuid', 'integer', 'bigint']

/**
 * The kit of a store just made: checks that it states its limits (a whole number of bytes, a
 * known kind for each id) and makes it share what the run learns about its creation times.
 */
export const kitOf = (store: { readonly limits: StoreLimits }, times: Times): StoreKit => {
  const { limits } = store
  expect(limits, 'store.limits').toBeTypeOf('object')
  expect(
    Number.isSafeInteger(limits.maxNameBytes) && limits.maxNameBytes >= 1,
    'maxNameBytes',
  ).toBe(true)
  for (const role of ['org', 'user', 'group'] as const) {
    expect(ID_KINDS, `the kind of ${role} ids`).toContain(limits.ids[role])
  }
  shareTimes(store, times)
  return storeKit(limits)
}

/** What a promise rejected with, or undefined if it resolved. */
export const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  )

/** Asserts that `promise` rejects with a StoreError of the given code; returns the error. */
export const expectStoreError = async (
  promise: Promise<unknown>,
  code: StoreErrorCode,
): Promise<unknown> => {
  const error = await rejectionOf(promise)
  expect(error, `expected a StoreError ${code}`).toMatchObject({ _tag: 'StoreError', code })
  return error
}

/** What the manual-change lock's error looks like, for `toMatchObject`. */
export const LOCK_ERROR = {
  _tag: 'ManualMembershipManagementDisabledError',
  code: 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
} as const

/** Asserts that `promise` rejects with the manual-change lock's error. */
export const expectLockError = async (promise: Promise<unknown>): Promise<void> => {
  const error = await rejectionOf(promise)
  expect(error, 'expected MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED').toMatchObject(LOCK_ERROR)
}

/** Everything a store shows about one organisation and some of its users. */
export interface ObservedOrg {
  readonly groups: readonly StoredGroup[]
  readonly settings: OrgSettings | null
  readonly memberships: Readonly<Record<string, readonly Membership[]>>
  readonly members: Readonly<Record<string, readonly Membership[]>>
  readonly stale: readonly StaleMember[]
  readonly audit: readonly AuditEvent[]
}

/** The far future: every synced user's last sync is older than this. */
export const END_OF_TIME = new Date('9999-12-31T23:59:59.999Z')

/** Reads everything the store shows about an organisation, for "nothing changed" checks. */
export const observeOrg = async (
  store: MembershipAdminStore,
  orgId: string,
  userIds: readonly string[],
): Promise<ObservedOrg> => {
  const groups = await store.listGroups(orgId)
  expectTimes(store, 'groups', groups)
  const memberships: Record<string, readonly Membership[]> = {}
  for (const u of userIds) memberships[u] = await store.listUserMemberships(orgId, u)
  const members: Record<string, readonly Membership[]> = {}
  for (const g of groups) members[g.id] = await store.listMembers(orgId, g.id)
  for (const ms of [...Object.values(memberships), ...Object.values(members)]) {
    expectTimes(store, 'memberships', ms)
  }
  return {
    groups,
    settings: await store.getOrgSettings(orgId),
    memberships,
    members,
    stale: await store.listStaleMembers(orgId, END_OF_TIME),
    audit: await store.listAuditEvents(orgId),
  }
}

/** Group ids of memberships, sorted, for comparing membership sets. */
export const groupIdsOf = (ms: readonly { readonly groupId: string }[]): string[] =>
  ms.map((m) => m.groupId).sort()

/** The value, or a failed assertion saying what was missing: the suite's `!` without lint noise. */
export const must = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) expect.fail(`expected ${what}`)
  return value
}

/**
 * Only the `membership.*` events of a log: what a test of membership writes checks, leaving out
 * the `group.*` events the store wrote when the test set up its groups.
 */
export const membershipEvents = <E extends { readonly type: string }>(events: readonly E[]): E[] =>
  events.filter((e) => e.type === 'membership.added' || e.type === 'membership.removed')

/** Sets an org's settings through the admin role, with the given audit events. */
export const setSettings = (
  store: MembershipAdminStore,
  orgId: string,
  settings: OrgSettings,
  audit: readonly AuditEventInput[] = [],
): Promise<OrgSettings> => store.updateOrgSettings(orgId, () => ({ settings, audit }))

/** Turns an org's group mapping on or off (keeping its match mode), unaudited. */
export const setMapping = (
  store: MembershipAdminStore,
  orgId: string,
  on: boolean,
): Promise<OrgSettings> =>
  store.updateOrgSettings(orgId, (current) => ({
    settings: { ...current, manageGroupMemberships: on },
    audit: [],
  }))

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
export const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Yields to the event loop, so that anything else runnable gets a chance to run meanwhile. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Resolves with `what` after `ms`, for racing a call that must not hang; `cancel` stops it. */
export const timeoutAfter = (ms: number, what: string) => {
  let timer: NodeJS.Timeout | undefined
  const promise = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      resolve(what)
    }, ms)
  })
  return {
    promise,
    cancel: () => {
      clearTimeout(timer)
    },
  }
}
