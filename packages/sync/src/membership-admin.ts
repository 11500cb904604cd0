import type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  MatchMode,
  MembershipAdminStore,
  OrgSettings,
  StaleMember,
  StoredGroup,
  UserRemoval,
} from '@groupsync/core'
import type { LazyArg } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { decodeWith, formatJsonPointer, strictObject } from '@groupsync/claims'
import * as t from 'io-ts'
import { SyncError, toAdminError, type MembershipAdminError } from './errors.js'
import { role } from './internal/codecs.js'

/** What the admin service needs. */
export interface MembershipAdminDeps {
  /** The admin role of a store (a `MembershipStore` plays it). */
  readonly store: MembershipAdminStore
}

/**
 * Who is acting, recorded in the audit events of manual changes, group changes, user removals and
 * settings changes.
 */
export interface ActorOptions {
  readonly actor?: string
}

/** The outcome of a settings change: whether anything changed, and the settings now. */
export interface SettingsChange {
  readonly changed: boolean
  readonly settings: OrgSettings
}

/**
 * What an application's admin screens call: manual membership changes guarded by the
 * manual-change lock, group create/rename/delete and user removal (always allowed), the org's
 * mapping settings (every change audited), staleness and the audit log.
 */
export interface MembershipAdmin {
  /**
   * Adds a user to a group by hand; `MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED` while the org's
   * mapping is on. Right(false) when the user already was a member.
   */
  readonly addMember: (
    orgId: string,
    groupId: string,
    userId: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, boolean>
  /**
   * Removes a user from a group by hand; `MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED` while the org's
   * mapping is on. Right(false) when the user was not a member.
   */
  readonly removeMember: (
    orgId: string,
    groupId: string,
    userId: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, boolean>
  /**
   * Removes a user from the organisation (offboarding): every membership, whatever its source,
   * and the user's last sync, each membership audited and then one `user.removed` event, with the
   * actor. Allowed while mapping is on: it is the user's departure, not a manual change. A login
   * whose token was issued at or before the removal cannot bring the memberships back (rule S13).
   * Right(`{ removed: false, memberships: 0 }`) when the user had nothing there (nothing written).
   */
  readonly removeUser: (
    orgId: string,
    userId: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, UserRemoval>
  /**
   * Creates a group (allowed while mapping is on), audited with the actor; `GROUP_NAME_TAKEN` if
   * the name is in use.
   */
  readonly createGroup: (
    orgId: string,
    name: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, StoredGroup>
  /**
   * Renames a group (allowed while mapping is on), audited with the actor; memberships follow the
   * group, not the name.
   */
  readonly renameGroup: (
    orgId: string,
    groupId: string,
    name: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, StoredGroup>
  /**
   * Deletes a group and its memberships (allowed while mapping is on); the store audits each
   * membership removed and the delete, with the actor.
   */
  readonly deleteGroup: (
    orgId: string,
    groupId: string,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, void>
  /** The org's groups, by name then id. */
  readonly listGroups: (orgId: string) => TaskEither<MembershipAdminError, readonly StoredGroup[]>
  /**
   * The org's settings: whether mapping is on, and the match mode; null when the org never
   * stored any (it was never configured: the defaults, mapping off, apply).
   */
  readonly getSettings: (orgId: string) => TaskEither<MembershipAdminError, OrgSettings | null>
  /** Turns mapping on or off, with a `settings.changed` audit event in the same transaction. */
  readonly setManageGroupMemberships: (
    orgId: string,
    enabled: boolean,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, SettingsChange>
  /** Changes how claim entries match group names, audited like any settings change. */
  readonly setMatchMode: (
    orgId: string,
    matchMode: MatchMode,
    options?: ActorOptions,
  ) => TaskEither<MembershipAdminError, SettingsChange>
  /**
   * Users whose last sync is older than `olderThan`: they have not logged in since, so changes at
   * the provider have not reached them yet.
   */
  readonly listStaleMembers: (
    orgId: string,
    olderThan: Date,
  ) => TaskEither<MembershipAdminError, readonly StaleMember[]>
  /** The org's audit log in commit order: syncs, denials, manual changes, settings changes. */
  readonly listAuditEvents: (
    orgId: string,
    query?: AuditQuery,
  ) => TaskEither<MembershipAdminError, readonly AuditEvent[]>
}

/** A store call as a task: a rejection becomes the admin's coded error (`SYNC_FAILED` if uncoded). */
const fromStore = <A>(call: LazyArg<Promise<A>>): TaskEither<MembershipAdminError, A> =>
  TE.tryCatch(call, toAdminError)

/** The members of the admin role the service calls, in the order of its operations. */
const AdminDepsCodec = strictObject(
  t.type({
    store: role<MembershipAdminStore>('a store with the admin role', [
      'addManualMember',
      'removeManualMember',
      'removeUser',
      'createGroup',
      'renameGroup',
      'deleteGroup',
      'listGroups',
      'getOrgSettings',
      'updateOrgSettings',
      'listStaleMembers',
      'listAuditEvents',
    ]),
  }),
  "the admin service's dependencies",
)

const checkAdminDeps = decodeWith(AdminDepsCodec, (failure) => {
  const path = formatJsonPointer(failure.path)
  const [member, inner] = failure.path
  return new SyncError(
    'SYNC_INPUT_INVALID',
    failure.kind === 'unknown-key'
      ? `The admin service takes { store } only: it has no dependency ${JSON.stringify(member)}.`
      : inner === undefined
        ? 'The admin service needs a store (deps.store) with the admin role, such as a MembershipStore.'
        : `deps.store has no ${inner} function: it lacks the admin role (a login-sync store over your own tables has only the login role). Pass a MembershipStore.`,
    { path },
  )
})

/**
 * Makes the admin service: the manual-change lock (the seed: "when enabled, manual management of
 * group memberships will be disabled") and the admin operations around it. Like every factory of
 * the package it throws on bad configuration: a store without the admin role is a `SyncError`
 * `SYNC_INPUT_INVALID` at the first member it lacks (`/store/addManualMember`), when the service
 * is made rather than at its first call.
 *
 * The lock is the store's: its manual changes read the org's settings in the same unit of work as
 * the write and refuse with `MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED` while mapping is on, so a
 * change racing the switch to mapping can never land after it.
 *
 * @example
 * ```ts
 * const admin = createMembershipAdmin({ store })
 * const r = await admin.addMember('acme', groupId, 'bob', { actor: 'alice' })()
 * if (r._tag === 'Left' && r.left.code === 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED') showIdpHint()
 * ```
 */
export function createMembershipAdmin(deps: MembershipAdminDeps): MembershipAdmin {
  const checked = checkAdminDeps(deps)
  if (checked._tag === 'Left') throw checked.left
  const { store } = checked.right

  const changeSettings = (
    orgId: string,
    patch: Partial<OrgSettings>,
    options: ActorOptions,
  ): TaskEither<MembershipAdminError, SettingsChange> =>
    fromStore(async () => {
      // Read, compare and write in one store transaction under the org's lock: a concurrent
      // change of the other field (say the match mode) must not write mapping back off.
      let changed = false
      const settings = await store.updateOrgSettings(orgId, (before) => {
        const after: OrgSettings = { ...before, ...patch }
        changed =
          after.manageGroupMemberships !== before.manageGroupMemberships ||
          after.matchMode !== before.matchMode
        if (!changed) return null
        const event: AuditEventInput = {
          type: 'settings.changed',
          orgId,
          ...(options.actor === undefined ? {} : { actor: options.actor }),
          detail: { before: { ...before }, after: { ...after } },
        }
        return { settings: after, audit: [event] }
      })
      return { changed, settings }
    })

  return {
    addMember: (orgId, groupId, userId, options = {}) =>
      fromStore(() => store.addManualMember(orgId, groupId, userId, options)),
    removeMember: (orgId, groupId, userId, options = {}) =>
      fromStore(() => store.removeManualMember(orgId, groupId, userId, options)),
    removeUser: (orgId, userId, options = {}) =>
      fromStore(() => store.removeUser(orgId, userId, options)),
    createGroup: (orgId, name, options = {}) =>
      fromStore(() => store.createGroup(orgId, name, options)),
    renameGroup: (orgId, groupId, name, options = {}) =>
      fromStore(() => store.renameGroup(orgId, groupId, name, options)),
    deleteGroup: (orgId, groupId, options = {}) =>
      fromStore(() => store.deleteGroup(orgId, groupId, options)),
    listGroups: (orgId) => fromStore(() => store.listGroups(orgId)),
    getSettings: (orgId) => fromStore(() => store.getOrgSettings(orgId)),
    setManageGroupMemberships: (orgId, enabled, options = {}) =>
      changeSettings(orgId, { manageGroupMemberships: enabled }, options),
    setMatchMode: (orgId, matchMode, options = {}) => changeSettings(orgId, { matchMode }, options),
    listStaleMembers: (orgId, olderThan) =>
      fromStore(() => store.listStaleMembers(orgId, olderThan)),
    listAuditEvents: (orgId, query) => fromStore(() => store.listAuditEvents(orgId, query ?? {})),
  }
}
