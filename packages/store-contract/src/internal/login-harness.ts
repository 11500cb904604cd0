import {
  compareCodeUnits,
  type AuditEventInput,
  type ClosableStore,
  type LastSync,
  type LoginSyncStore,
  type MembershipSource,
  type MembershipStore,
  type OrgSettings,
  type UserSyncChanges,
} from '@groupsync/core'
import { expect, it } from 'vitest'
import {
  kitOf,
  must,
  observeOrg,
  setMapping,
  setSettings,
  type ContractStoreOptions,
  type DescribeMembershipStoreOptions,
  type SuiteOptions,
} from './context.js'
import type { StoreKit, Times } from './store-kit.js'

/**
 * How the suite sets up state in the tables behind a login-sync store, which has no admin role of
 * its own: an application's own groups, settings and memberships tables. Each call writes
 * directly, in its own transaction; none needs to be audited. Ids are of the kinds the store's
 * `limits` state, names at most its `maxNameBytes` long.
 *
 * @example
 * ```ts
 * const seed: LoginSyncSeed = {
 *   createGroup: async (orgId, name) => db.one('INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id', [orgId, name]),
 *   setSettings: (orgId, s) => db.none('INSERT INTO org_settings … ON CONFLICT … DO UPDATE …', [orgId, s.manageGroupMemberships, s.matchMode]),
 *   addMembership: (orgId, groupId, userId, source) => db.none('INSERT INTO team_members …', [orgId, groupId, userId, source]),
 *   listMemberships: (orgId, userId) => db.many('SELECT team_id AS "groupId", source FROM team_members WHERE …', [orgId, userId]),
 * }
 * ```
 */
export interface LoginSyncSeed {
  /** Creates a group of that exact name (unique in the org) and says its id. */
  readonly createGroup: (orgId: string, name: string) => Promise<{ readonly id: string }>
  /** Stores the org's settings, replacing any. */
  readonly setSettings: (orgId: string, settings: OrgSettings) => Promise<void>
  /** Makes the user a member of the group with that source; the user is not a member yet. */
  readonly addMembership: (
    orgId: string,
    groupId: string,
    userId: string,
    source: MembershipSource,
  ) => Promise<void>
  /** The user's memberships in the org, in any order: what the suite checks writes against. */
  readonly listMemberships: (
    orgId: string,
    userId: string,
  ) => Promise<readonly { readonly groupId: string; readonly source: MembershipSource }[]>
  /**
   * The org's audit events in the order they were appended (extra fields, such as a sequence
   * number or a time, are fine). Optional: when given, the suite also checks that the login unit
   * appends what `decide` returned, in order, and nothing when it fails.
   */
  readonly listAuditEvents?: (orgId: string) => Promise<readonly AuditEventInput[]>
}

/**
 * Makes a login-sync store for one test. Stores may share a backend (a database schema) between
 * calls: the suite gives every test its own organisation ids.
 */
export type MakeLoginSyncStore = (
  options: ContractStoreOptions,
) => (LoginSyncStore & ClosableStore) | Promise<LoginSyncStore & ClosableStore>

/** What `describeLoginSyncStore` is given: the store, its seed, and how to run the suite. */
export interface LoginSyncStoreSuite extends DescribeMembershipStoreOptions {
  /** Makes the store for each test. */
  readonly makeStore: MakeLoginSyncStore
  /** Sets up groups, settings and memberships in the store's tables. */
  readonly seed: LoginSyncSeed
  /**
   * Whether the store calls `testOnlyFaultHook` inside its login unit (default false). When
   * true, the suite also checks atomicity under injected faults, a call aborted while it waits,
   * and that other users do not wait behind a held login.
   */
  readonly faultHook?: boolean
}

/** One test's store, the seed to set it up with, and the full store when the suite has one. */
export interface LoginHarness {
  readonly store: LoginSyncStore
  readonly seed: LoginSyncSeed
  /** The store with both roles, when the suite runs on one: its reads are checked too. */
  readonly admin: MembershipStore | undefined
  /** Ids of the kinds the store's tables hold, and its limits. */
  readonly kit: StoreKit
}

/** What each login-role section of the suite is given. */
export interface LoginContext {
  readonly options: SuiteOptions
  /** Whether the store calls the fault hook inside its login unit. */
  readonly faultHook: boolean
  /** What the suite learns about the stores' creation times, shared by the stores of a run. */
  readonly times: Times
  readonly open: (
    options: ContractStoreOptions,
  ) => Promise<Omit<LoginHarness, 'kit'> & { readonly close: () => Promise<void> }>
}

/** Runs `fn` with a new harness and closes its store afterwards. */
export const withLogin = async (
  ctx: LoginContext,
  fn: (h: LoginHarness) => Promise<void>,
  options: ContractStoreOptions = {},
): Promise<void> => {
  const { close, ...h } = await ctx.open(options)
  try {
    await fn({ ...h, kit: kitOf(h.store, ctx.times) })
  } finally {
    await close()
  }
}

/** Registers tests that each run with a new harness, and may skip themselves. */
export const loginTest =
  (ctx: LoginContext) =>
  (name: string, fn: (h: LoginHarness, skip: (why: string) => void) => Promise<void>): void => {
    it(name, (t) => withLogin(ctx, (h) => fn(h, (why) => t.skip(why))))
  }

/** Runs `fn` with a new store of both roles and its kit (the suite of such stores only). */
export const withStore = (
  ctx: LoginContext,
  fn: (store: MembershipStore, kit: StoreKit) => Promise<void>,
  options: ContractStoreOptions = {},
): Promise<void> =>
  withLogin(ctx, (h) => fn(must(h.admin, 'a store with the admin role'), h.kit), options)

/** Registers tests that each run with a new store of both roles and its kit, and may skip. */
export const storeTest =
  (ctx: LoginContext) =>
  (
    name: string,
    fn: (store: MembershipStore, kit: StoreKit, skip: (why: string) => void) => Promise<void>,
  ): void => {
    it(name, (t) => withStore(ctx, (store, kit) => fn(store, kit, (why) => t.skip(why))))
  }

/**
 * The seed of a store with both roles, through its admin role: a `manual` membership is added by
 * hand (with mapping turned off for it, if need be), a `sync` one by a login that adds it. Each
 * appends the events the store writes for it, so the org's log still replays.
 */
export const seedFromAdmin = (store: MembershipStore): LoginSyncSeed => ({
  createGroup: (orgId, name) => store.createGroup(orgId, name),
  setSettings: async (orgId, settings) => {
    await setSettings(store, orgId, settings)
  },
  addMembership: async (orgId, groupId, userId, source) => {
    if (source === 'manual') {
      const mapping = (await store.getOrgSettings(orgId))?.manageGroupMemberships === true
      if (mapping) await setMapping(store, orgId, false)
      expect(await store.addManualMember(orgId, groupId, userId)).toBe(true)
      if (mapping) await setMapping(store, orgId, true)
      return
    }
    const group = (await store.listGroups(orgId)).find((g) => g.id === groupId)
    if (group === undefined) expect.fail(`seed: no group ${groupId}`)
    await store.withLoginSync(orgId, userId, [group.name], () => ({
      changes: {
        add: [{ groupId, source }],
        remove: [],
        audit: [
          {
            type: 'membership.added',
            orgId,
            userId,
            groupId,
            groupName: group.name,
            source,
          },
        ],
      },
      result: undefined,
    }))
  },
  listMemberships: (orgId, userId) => store.listUserMemberships(orgId, userId),
  listAuditEvents: (orgId) => store.listAuditEvents(orgId),
})

/** A user's memberships as [groupId, source] pairs by group id, for comparing. */
export const pairsOf = (
  ms: readonly { readonly groupId: string; readonly source: MembershipSource }[],
): [string, MembershipSource][] =>
  ms
    .map((m): [string, MembershipSource] => [m.groupId, m.source])
    .sort(([a], [b]) => compareCodeUnits(a, b))

/** Everything a login-role harness shows about an org and some users: for "nothing changed". */
export const observeLogin = async (
  h: LoginHarness,
  orgId: string,
  userIds: readonly string[],
): Promise<unknown> => {
  if (h.admin !== undefined) return observeOrg(h.admin, orgId, userIds)
  const memberships: Record<string, [string, MembershipSource][]> = {}
  const lastSync: Record<string, LastSync | null> = {}
  for (const u of userIds) {
    memberships[u] = pairsOf(await h.seed.listMemberships(orgId, u))
    lastSync[u] = await h.store.readLastSync(orgId, u)
  }
  return {
    settings: await h.store.getOrgSettings(orgId),
    memberships,
    lastSync,
    audit: (await h.seed.listAuditEvents?.(orgId)) ?? null,
  }
}

/** The audit events the harness can see, or null when its seed does not list them. */
export const auditOf = async (
  h: LoginHarness,
  orgId: string,
): Promise<readonly AuditEventInput[] | null> => (await h.seed.listAuditEvents?.(orgId)) ?? null

/** A full `UserSyncChanges` from the fields a test sets. */
export const syncChanges = (changes: Partial<UserSyncChanges>): UserSyncChanges => ({
  add: [],
  remove: [],
  audit: [],
  ...changes,
})

/** Runs a login for `claim` that applies `changes`; resolves with the snapshot decide saw. */
export const applyLogin = (
  store: LoginSyncStore,
  orgId: string,
  userId: string,
  claim: readonly string[],
  changes: Partial<UserSyncChanges>,
) =>
  store.withLoginSync(orgId, userId, claim, (snapshot) => ({
    changes: syncChanges(changes),
    result: snapshot,
  }))

/**
 * Runs a login that adds the user to `group` (source `sync`) with its `membership.added` event,
 * as the sync writes it, so that the org's log still replays.
 */
export const joinByLogin = (
  store: LoginSyncStore,
  orgId: string,
  userId: string,
  group: { readonly id: string; readonly name: string },
  changes: Partial<UserSyncChanges> = {},
) =>
  applyLogin(store, orgId, userId, [group.name], {
    add: [{ groupId: group.id, source: 'sync' }],
    audit: [
      {
        type: 'membership.added',
        orgId,
        userId,
        groupId: group.id,
        groupName: group.name,
        source: 'sync',
      },
    ],
    ...changes,
  })
