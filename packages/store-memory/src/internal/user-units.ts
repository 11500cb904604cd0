import type {
  AuditEventInput,
  LoginSliceRead,
  MembershipStoreAdapter,
  StoredGroup,
  UserSyncChanges,
} from '@groupsync/core'
import { auditCopies } from './audit-log.js'
import type { MemoryStoreContext, MemoryStoreFaultPoint, OrgState } from './memory-state.js'
import { storedGroup } from './org-groups.js'
import { membership, type MemberRecord } from './org-memberships.js'

/** A user's writes of one unit of work, made off to the side of what is stored. */
interface StagedWrite {
  readonly memberships: ReadonlyMap<string, MemberRecord>
  readonly audit: readonly AuditEventInput[]
  readonly syncedAt: number | undefined
  readonly tokenIssuedAt: number | undefined
  readonly at: number
}

/** The steps of a unit of work's writes, after each of which a login calls the fault hook. */
type Step = 'remove' | 'add' | 'audit' | 'last-sync'

/**
 * Stages `changes` against the user's memberships `mine`, calling `between` after each step.
 * Nothing stored changes here: a throw at any step (a fault) leaves no trace. Everything is read
 * from `changes` before the first await, so a caller's later edits of it change nothing.
 */
const stage = async (
  mine: ReadonlyMap<string, MemberRecord>,
  changes: UserSyncChanges,
  at: number,
  between: (step: Step) => void | Promise<void>,
): Promise<StagedWrite> => {
  const remove = [...changes.remove]
  const add = changes.add.map(({ groupId, source }) => ({ groupId, source }))
  const audit = auditCopies(changes.audit)
  const syncedAt = changes.syncedAt?.getTime()
  const tokenIssuedAt = changes.tokenIssuedAt?.getTime()

  const draft = new Map(mine)
  for (const groupId of remove) draft.delete(groupId)
  await between('remove')
  for (const { groupId, source } of add) {
    // An existing membership is left as it is, with its source and time.
    if (!draft.has(groupId)) draft.set(groupId, { source, createdAt: at })
  }
  await between('add')
  await between('audit')
  await between('last-sync')
  return { memberships: draft, audit, syncedAt, tokenIssuedAt, at }
}

/** Publishes a staged write: synchronous, so nobody observes half of it. */
const publish = (state: OrgState, userId: string, write: StagedWrite): void => {
  state.memberships.replaceUser(userId, write.memberships)
  state.audit.append(write.audit, write.at)
  if (write.syncedAt !== undefined) state.lastSync.set(userId, write.syncedAt)
  if (write.tokenIssuedAt !== undefined) state.lastTokenIssued.set(userId, write.tokenIssuedAt)
}

const dateOrNull = (t: number | undefined): Date | null => (t === undefined ? null : new Date(t))

/**
 * What a login reads: the groups under its slice keys and the groups of the user's memberships,
 * each found through an index. Its cost grows with the keys, the groups that have them and the
 * user's memberships, never with the rest of the organisation.
 */
const loginRead = (
  orgId: string,
  userId: string,
  sliceKeys: readonly string[],
  state: OrgState | undefined,
): LoginSliceRead => {
  if (state === undefined) {
    return {
      settings: null,
      groups: [],
      memberships: [],
      lastSyncedAt: null,
      lastTokenIssuedAt: null,
      removedAt: null,
    }
  }
  const mine = state.memberships.ofUser(userId)
  const groups = new Map<string, StoredGroup>()
  const take = (groupId: string): void => {
    if (groups.has(groupId)) return
    const record = state.groups.get(groupId)
    if (record !== undefined) groups.set(groupId, storedGroup(orgId, groupId, record))
  }
  for (const key of sliceKeys) {
    for (const groupId of state.groups.idsWithKey(key)) take(groupId)
  }
  for (const groupId of mine.keys()) take(groupId)
  return {
    settings: state.settings,
    groups: [...groups.values()],
    memberships: Array.from(mine, ([groupId, m]) => membership(orgId, groupId, userId, m)),
    lastSyncedAt: dateOrNull(state.lastSync.get(userId)),
    lastTokenIssuedAt: dateOrNull(state.lastTokenIssued.get(userId)),
    removedAt: dateOrNull(state.removedAt.get(userId)),
  }
}

/** The name of a group the user is a member of; every membership's group exists. */
const groupNameOf = (state: OrgState, groupId: string): string => {
  const record = state.groups.get(groupId)
  if (record === undefined) {
    throw new Error(`memory store: a membership of group ${groupId}, which does not exist`)
  }
  return record.name
}

/** The units of work of one user: a login, a manual change, a removal from the organisation. */
export const userUnits = (
  ctx: MemoryStoreContext,
): Pick<MembershipStoreAdapter, 'loginUnit' | 'memberUnit' | 'removeUserUnit'> => ({
  loginUnit: (orgId, userId, sliceKeys, work, call) =>
    ctx.locks.run('withLoginSync', orgId, userId, call.signal, async (commit) => {
      const { changes, result } = work(loginRead(orgId, userId, sliceKeys, ctx.orgs.find(orgId)))
      if (changes === null) return result
      const state = ctx.orgs.open(orgId)
      const write = await stage(state.memberships.ofUser(userId), changes, ctx.time(), (step) =>
        ctx.fault(`sync:after-${step}`),
      )
      commit()
      publish(state, userId, write)
      return result
    }),

  memberUnit: (orgId, groupId, userId, work, call) =>
    ctx.locks.run('manual membership change', orgId, userId, call.signal, async (commit) => {
      const state = ctx.orgs.find(orgId)
      const record = state?.groups.get(groupId)
      const { changes, result } = work({
        settings: state?.settings ?? null,
        group: record === undefined ? null : storedGroup(orgId, groupId, record),
        isMember: state?.memberships.ofUser(userId).has(groupId) ?? false,
      })
      if (changes === null) return result
      const point: MemoryStoreFaultPoint =
        changes.add.length > 0 ? 'add-member:before-commit' : 'remove-member:before-commit'
      const target = ctx.orgs.open(orgId)
      const write = await stage(target.memberships.ofUser(userId), changes, ctx.time(), () => {})
      await ctx.fault(point)
      commit()
      publish(target, userId, write)
      return result
    }),

  removeUserUnit: (orgId, userId, work, call) =>
    ctx.locks.run('removeUser', orgId, userId, call.signal, async (commit) => {
      const state = ctx.orgs.find(orgId)
      const { write, result } = work({
        memberships:
          state === undefined
            ? []
            : Array.from(state.memberships.ofUser(userId), ([groupId, m]) => ({
                ...membership(orgId, groupId, userId, m),
                groupName: groupNameOf(state, groupId),
              })),
        hasLastSync: state?.lastSync.has(userId) ?? false,
      })
      if (write === null) return result
      const audit = auditCopies(write.audit)
      const removedAt = write.removedAt.getTime()
      const at = ctx.time()
      await ctx.fault('remove-user:before-commit')
      commit()
      const target = ctx.orgs.open(orgId)
      target.memberships.replaceUser(userId, new Map())
      target.lastSync.delete(userId)
      target.lastTokenIssued.delete(userId)
      target.removedAt.set(userId, removedAt)
      target.audit.append(audit, at)
      return result
    }),
})
