import { randomUUID } from 'node:crypto'
import {
  DEFAULT_ORG_SETTINGS,
  StoreError,
  assertAuditEvents,
  assertAuditQuery,
  assertMembershipSource,
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  assertUserSyncChanges,
  assertGroupChangeOptions,
  groupNotFound,
  groupCreatedEvent,
  groupDeletedEvents,
  groupRenamedEvent,
  storeTimeout,
  compareCodeUnits,
  compareGroups,
  type AuditEvent,
  type AuditEventInput,
  type AuditQuery,
  type GroupChangeOptions,
  type Membership,
  type MembershipSource,
  type MembershipStore,
  type OrgSettings,
  type OrgSettingsUpdate,
  type StaleMember,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from '@groupsync/core'
import { EMPTY_GROUPS_VIEW, OrgGroups } from './internal/org-groups.js'
import { KeyedRwLocks, LockWaitAborted, type Release } from './internal/rw-lock.js'

/**
 * The points inside a write where a memory store calls its test-only fault hook: between the
 * steps of a sync, and just before a manual change or a settings change is published.
 */
export type MemoryStoreFaultPoint =
  | 'sync:after-remove'
  | 'sync:after-add'
  | 'sync:after-audit'
  | 'sync:after-last-sync'
  | 'add-member:before-commit'
  | 'remove-member:before-commit'
  | 'settings:before-commit'
  | 'group:before-commit'

/** Options of {@link createMemoryMembershipStore}. */
export interface MemoryMembershipStoreOptions {
  /** The clock that stamps `createdAt` and audit `at`; `() => new Date()` by default. */
  readonly now?: () => Date
  /**
   * TEST ONLY. Called at each {@link MemoryStoreFaultPoint} while a write is half applied; a throw
   * (or rejection) there simulates a crash, and the store must then have written nothing. Never
   * set this in production code.
   */
  readonly testOnlyFaultHook?: (point: MemoryStoreFaultPoint) => void | Promise<void>
}

interface MemberRecord {
  readonly source: MembershipSource
  readonly createdAt: number
}

interface StoredAuditEvent {
  readonly input: AuditEventInput
  readonly seq: number
  readonly at: number
}

interface OrgState {
  settings: OrgSettings | undefined
  readonly groups: OrgGroups
  /** userId → groupId → membership. */
  readonly members: Map<string, ReadonlyMap<string, MemberRecord>>
  readonly lastSync: Map<string, number>
  /** userId → issue time of the token behind the last applied sync (epoch ms). */
  readonly lastTokenIssued: Map<string, number>
  // Append-only; appended to in place (one login must not copy the whole log).
  readonly audit: StoredAuditEvent[]
}

const emptyOrg = (): OrgState => ({
  settings: undefined,
  groups: new OrgGroups(),
  members: new Map(),
  lastSync: new Map(),
  lastTokenIssued: new Map(),
  audit: [],
})

/** Copies an audit event through JSON, as a database would, so callers never share our objects. */
const cloneAuditInput = (e: AuditEventInput): AuditEventInput =>
  JSON.parse(JSON.stringify(e)) as AuditEventInput

const NOOP_HOOK = (): void => undefined

/**
 * Creates a membership store that keeps everything in memory: for tests, demos and single-process
 * tools. It has the same semantics as the Postgres store — per-user serialisation (calls for one
 * (org, user) queue, other users do not wait) and all-or-nothing writes — and passes the same
 * contract suite. Its data is lost when the process ends.
 *
 * @example
 * ```ts
 * const store = createMemoryMembershipStore()
 * const admins = await store.createGroup('org1', 'Admins')
 * await store.addMember('org1', admins.id, 'alice', 'manual', [])
 * ```
 */
export const createMemoryMembershipStore = (
  options: MemoryMembershipStoreOptions = {},
): MembershipStore => {
  const now = options.now ?? (() => new Date())
  const hook = options.testOnlyFaultHook ?? NOOP_HOOK
  const orgs = new Map<string, OrgState>()
  // Org locks: syncs and manual changes hold them shared, group and settings changes exclusive,
  // so a unit of work's snapshot of the org's groups and settings stays true until it commits.
  const orgLocks = new KeyedRwLocks()
  const userLocks = new KeyedRwLocks()
  let closed = false

  const org = (orgId: string): OrgState => {
    let state = orgs.get(orgId)
    if (state === undefined) {
      state = emptyOrg()
      orgs.set(orgId, state)
    }
    return state
  }

  const ensureOpen = (): void => {
    if (closed) {
      throw new StoreError('STORE_UNAVAILABLE', 'The memory store is closed; create a new one.')
    }
  }

  const timestamp = (): number => {
    const t = now().getTime()
    assertStoreDate(new Date(t), 'now()')
    return t
  }

  /**
   * Runs `fn` holding the org lock (shared or exclusive) and, if given, the user's lock. A signal
   * that aborts while the call waits for a lock, or before `commit` publishes its writes, ends
   * the call with `STORE_TIMEOUT` and nothing written.
   */
  const locked = async <A>(
    action: string,
    orgId: string,
    exclusiveOrg: boolean,
    userId: string | undefined,
    signal: AbortSignal | undefined,
    fn: (commit: () => void) => Promise<A> | A,
  ): Promise<A> => {
    const releases: Release[] = []
    const commit = (): void => {
      if (signal?.aborted === true) throw storeTimeout(action, signal.reason)
    }
    try {
      releases.push(await orgLocks.acquire(orgId, exclusiveOrg, signal))
      if (userId !== undefined) {
        releases.push(await userLocks.acquire(JSON.stringify([orgId, userId]), true, signal))
      }
      ensureOpen()
      return await fn(commit)
    } catch (error) {
      throw error instanceof LockWaitAborted ? storeTimeout(action, error.reason) : error
    } finally {
      for (const release of releases.reverse()) release()
    }
  }

  const toGroup = (orgId: string, id: string, g: { name: string; createdAt: number }) =>
    ({ orgId, id, name: g.name, createdAt: new Date(g.createdAt) }) satisfies StoredGroup

  const toMembership = (orgId: string, groupId: string, userId: string, m: MemberRecord) =>
    ({
      orgId,
      groupId,
      userId,
      source: m.source,
      createdAt: new Date(m.createdAt),
    }) satisfies Membership

  const userMemberships = (orgId: string, userId: string): Membership[] => {
    const mine = orgs.get(orgId)?.members.get(userId) ?? new Map<string, MemberRecord>()
    return [...mine]
      .map(([groupId, m]) => toMembership(orgId, groupId, userId, m))
      .sort((a, b) => compareCodeUnits(a.groupId, b.groupId))
  }

  const groupOf = (orgId: string, groupId: string) => {
    const g = orgs.get(orgId)?.groups.get(groupId)
    if (g === undefined) throw groupNotFound(orgId, groupId)
    return g
  }

  const assertNameFree = (state: OrgState, name: string, except?: string): void => {
    for (const [id, g] of state.groups) {
      if (g.name === name && id !== except) {
        throw new StoreError(
          'GROUP_NAME_TAKEN',
          'The organisation already has a group of that name; choose another name.',
          { path: 'name' },
        )
      }
    }
  }

  /**
   * Appends audit events at commit time, so `seq` follows commit order. The events are the
   * caller's private copies (every caller clones its input before the first await).
   */
  const appendAudit = (state: OrgState, events: readonly AuditEventInput[], at: number): void => {
    let seq = state.audit.at(-1)?.seq ?? 0
    for (const input of events) state.audit.push({ input, seq: (seq += 1), at })
  }

  /** Reads, decides and writes an org's settings under the org's exclusive lock. */
  const updateOrgSettings = async (
    orgId: string,
    update: (current: OrgSettings) => OrgSettingsUpdate | null,
    options: GroupChangeOptions | undefined,
  ): Promise<OrgSettings> => {
    ensureOpen()
    assertStoreId(orgId, 'orgId')
    assertGroupChangeOptions(options)
    return locked('updateOrgSettings', orgId, true, undefined, options?.signal, async (commit) => {
      const current: OrgSettings = { ...(orgs.get(orgId)?.settings ?? DEFAULT_ORG_SETTINGS) }
      const decided = update({ ...current })
      if (decided === null) return current
      assertOrgSettings(decided.settings)
      assertAuditEvents(orgId, decided.audit)
      const settings: OrgSettings = {
        manageGroupMemberships: decided.settings.manageGroupMemberships,
        matchMode: decided.settings.matchMode,
      }
      const events = decided.audit.map(cloneAuditInput)
      const at = timestamp()
      await hook('settings:before-commit')
      commit()
      const state = org(orgId)
      state.settings = settings
      appendAudit(state, events, at)
      return { ...settings }
    })
  }

  /** Applies a sync's changes to drafts, calling the fault hook between steps, then publishes. */
  const applySync = async (
    orgId: string,
    userId: string,
    changes: UserSyncChanges,
    commit: () => void,
  ): Promise<void> => {
    const state = org(orgId)
    const at = timestamp()
    const draft = new Map(state.members.get(userId) ?? [])
    for (const id of changes.remove) draft.delete(id)
    await hook('sync:after-remove')
    for (const { groupId, source } of changes.add) {
      if (!draft.has(groupId)) draft.set(groupId, { source, createdAt: at })
    }
    await hook('sync:after-add')
    const audit = changes.audit.map(cloneAuditInput)
    await hook('sync:after-audit')
    const syncedAt = changes.syncedAt?.getTime()
    const tokenIssuedAt = changes.tokenIssuedAt?.getTime()
    await hook('sync:after-last-sync')
    commit()
    // Publish: synchronous from here on, so nobody observes a half-applied sync.
    publishMembers(state, userId, draft)
    appendAudit(state, audit, at)
    if (syncedAt !== undefined) state.lastSync.set(userId, syncedAt)
    if (tokenIssuedAt !== undefined) state.lastTokenIssued.set(userId, tokenIssuedAt)
  }

  /** Sets a user's memberships; an empty set is dropped so deleted users leave no entry. */
  const publishMembers = (
    state: OrgState,
    userId: string,
    members: ReadonlyMap<string, MemberRecord>,
  ): void => {
    if (members.size === 0) state.members.delete(userId)
    else state.members.set(userId, members)
  }

  /**
   * A manual add or remove: `edit` returns the user's new memberships, or undefined when there is
   * nothing to change (then nothing, not even the audit events, is written).
   */
  const changeMember = async (
    orgId: string,
    groupId: string,
    userId: string,
    audit: readonly AuditEventInput[],
    options: GroupChangeOptions | undefined,
    point: MemoryStoreFaultPoint,
    edit: (
      mine: ReadonlyMap<string, MemberRecord>,
      at: number,
    ) => ReadonlyMap<string, MemberRecord> | undefined,
  ): Promise<boolean> => {
    ensureOpen()
    assertStoreId(orgId, 'orgId')
    assertStoreId(groupId, 'groupId')
    assertStoreId(userId, 'userId')
    assertAuditEvents(orgId, audit)
    assertGroupChangeOptions(options)
    const events = audit.map(cloneAuditInput)
    const action = point.startsWith('add') ? 'addMember' : 'removeMember'
    return locked(action, orgId, false, userId, options?.signal, async (commit) => {
      groupOf(orgId, groupId)
      const state = org(orgId)
      const at = timestamp()
      const draft = edit(state.members.get(userId) ?? new Map<string, MemberRecord>(), at)
      if (draft === undefined) return false
      await hook(point)
      commit()
      publishMembers(state, userId, draft)
      appendAudit(state, events, at)
      return true
    })
  }

  const store: MembershipStore = {
    withUserSync: async <A>(
      orgId: string,
      userId: string,
      decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A> | Promise<UserSyncDecision<A>>,
      options?: GroupChangeOptions,
    ): Promise<A> => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreId(userId, 'userId')
      assertGroupChangeOptions(options)
      return locked('withUserSync', orgId, false, userId, options?.signal, async (commit) => {
        const state = orgs.get(orgId)
        const last = state?.lastSync.get(userId)
        const lastToken = state?.lastTokenIssued.get(userId)
        // Built once per version of the org's groups, shared by the syncs until they change.
        const groupsView = state?.groups.view(orgId) ?? EMPTY_GROUPS_VIEW
        const snapshot: UserSyncSnapshot = {
          orgId,
          userId,
          settings: { ...(state?.settings ?? DEFAULT_ORG_SETTINGS) },
          // A copy of the list, so that a decide step that edits it changes no other snapshot.
          groups: [...groupsView.groups],
          groupIndex: groupsView.index,
          memberships: userMemberships(orgId, userId),
          lastSyncedAt: last === undefined ? null : new Date(last),
          lastTokenIssuedAt: lastToken === undefined ? null : new Date(lastToken),
        }
        // Checked against the ids as read: decide may scribble on the snapshot it was given.
        const scope = { orgId, groupIds: groupsView.ids }
        const { changes, result } = await decide(snapshot)
        assertUserSyncChanges(scope, changes)
        if (changes !== null) await applySync(orgId, userId, changes, commit)
        return result
      })
    },

    createGroup: async (orgId, name, options) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreText(name, 'name')
      assertGroupChangeOptions(options)
      return locked('createGroup', orgId, true, undefined, options?.signal, async (commit) => {
        const state = org(orgId)
        assertNameFree(state, name)
        const id = randomUUID()
        const g = { name, createdAt: timestamp() }
        const group = toGroup(orgId, id, g)
        await hook('group:before-commit')
        commit()
        state.groups.set(id, g)
        appendAudit(state, [groupCreatedEvent(group, options?.actor)], g.createdAt)
        return group
      })
    },

    renameGroup: async (orgId, groupId, name, options) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      assertStoreText(name, 'name')
      assertGroupChangeOptions(options)
      return locked('renameGroup', orgId, true, undefined, options?.signal, async (commit) => {
        const before = groupOf(orgId, groupId)
        const g = { ...before, name }
        const state = org(orgId)
        assertNameFree(state, name, groupId)
        const group = toGroup(orgId, groupId, g)
        const at = timestamp()
        await hook('group:before-commit')
        commit()
        state.groups.set(groupId, g)
        appendAudit(state, [groupRenamedEvent(group, before.name, options?.actor)], at)
        return group
      })
    },

    deleteGroup: async (orgId, groupId, options) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      assertGroupChangeOptions(options)
      await locked('deleteGroup', orgId, true, undefined, options?.signal, async (commit) => {
        const { name } = groupOf(orgId, groupId)
        const state = org(orgId)
        const members: { userId: string; source: MembershipSource }[] = []
        for (const [userId, mine] of state.members) {
          const m = mine.get(groupId)
          if (m !== undefined) members.push({ userId, source: m.source })
        }
        const at = timestamp()
        await hook('group:before-commit')
        commit()
        state.groups.delete(groupId)
        for (const { userId } of members) {
          const rest = new Map(state.members.get(userId))
          rest.delete(groupId)
          publishMembers(state, userId, rest)
        }
        appendAudit(
          state,
          groupDeletedEvents({ orgId, id: groupId, name }, members, options?.actor),
          at,
        )
      })
    },

    listGroups: async (orgId) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      await Promise.resolve()
      return [...(orgs.get(orgId)?.groups ?? [])]
        .map(([id, g]) => toGroup(orgId, id, g))
        .sort(compareGroups)
    },

    getOrgSettings: async (orgId) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      await Promise.resolve()
      return { ...(orgs.get(orgId)?.settings ?? DEFAULT_ORG_SETTINGS) }
    },

    setOrgSettings: async (orgId, settings, audit, options) => {
      // Checked before the lock, as every write checks its input before anything else.
      assertOrgSettings(settings)
      assertAuditEvents(orgId, audit)
      await updateOrgSettings(orgId, () => ({ settings, audit }), options)
    },

    updateOrgSettings: (orgId, update, options) => updateOrgSettings(orgId, update, options),

    addMember: async (orgId, groupId, userId, source, audit, options) => {
      assertMembershipSource(source, 'source')
      return changeMember(
        orgId,
        groupId,
        userId,
        audit,
        options,
        'add-member:before-commit',
        (mine, at) =>
          mine.has(groupId) ? undefined : new Map(mine).set(groupId, { source, createdAt: at }),
      )
    },

    removeMember: async (orgId, groupId, userId, audit, options) =>
      changeMember(
        orgId,
        groupId,
        userId,
        audit,
        options,
        'remove-member:before-commit',
        (mine) => {
          if (!mine.has(groupId)) return undefined
          const draft = new Map(mine)
          draft.delete(groupId)
          return draft
        },
      ),

    listMembers: async (orgId, groupId) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      await Promise.resolve()
      groupOf(orgId, groupId)
      const result: Membership[] = []
      for (const [userId, mine] of org(orgId).members) {
        const m = mine.get(groupId)
        if (m !== undefined) result.push(toMembership(orgId, groupId, userId, m))
      }
      return result.sort((a, b) => compareCodeUnits(a.userId, b.userId))
    },

    listUserMemberships: async (orgId, userId) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreId(userId, 'userId')
      await Promise.resolve()
      return userMemberships(orgId, userId)
    },

    listStaleMembers: async (orgId, olderThan) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertStoreDate(olderThan, 'olderThan')
      await Promise.resolve()
      const limit = olderThan.getTime()
      const stale: StaleMember[] = []
      for (const [userId, t] of orgs.get(orgId)?.lastSync ?? []) {
        if (t < limit) stale.push({ userId, lastSyncedAt: new Date(t) })
      }
      return stale.sort(
        (a, b) =>
          a.lastSyncedAt.getTime() - b.lastSyncedAt.getTime() ||
          compareCodeUnits(a.userId, b.userId),
      )
    },

    listAuditEvents: async (orgId, query?: AuditQuery) => {
      ensureOpen()
      assertStoreId(orgId, 'orgId')
      assertAuditQuery(query)
      await Promise.resolve()
      const afterSeq = query?.afterSeq ?? 0
      const matching = (orgs.get(orgId)?.audit ?? []).filter(
        (e) => e.seq > afterSeq && (query?.userId === undefined || e.input.userId === query.userId),
      )
      const page = query?.limit === undefined ? matching : matching.slice(0, query.limit)
      return page.map((e): AuditEvent => ({
        ...cloneAuditInput(e.input),
        seq: e.seq,
        at: new Date(e.at),
      }))
    },

    close: async () => {
      closed = true
      await Promise.resolve()
    },
  }
  return store
}
