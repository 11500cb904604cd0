import { randomUUID } from 'node:crypto'
import {
  StoreError,
  groupCreatedEvent,
  groupDeletedEvents,
  groupRenamedEvent,
  type MembershipStoreAdapter,
} from '@groupsync/core'
import { auditCopies } from './audit-log.js'
import type { MemoryStoreContext, OrgState } from './memory-state.js'
import { storedGroup } from './org-groups.js'

const nameTaken = (): StoreError =>
  new StoreError(
    'GROUP_NAME_TAKEN',
    'The organisation already has a group of that name; choose another name.',
    { path: 'name' },
  )

/** Refuses a name another group of the organisation has (names are unique, rule 8). */
const checkNameFree = (state: OrgState | undefined, name: string, except?: string): void => {
  const holder = state?.groups.idNamed(name)
  if (holder !== undefined && holder !== except) throw nameTaken()
}

/**
 * The changes of an organisation's groups and settings. Each holds the organisation's exclusive
 * lock, so no user's unit of work has read the groups or settings it changes and not yet
 * committed; each writes its audit events in the same step as the change.
 */
export const orgChanges = (
  ctx: MemoryStoreContext,
): Pick<
  MembershipStoreAdapter,
  'createGroup' | 'renameGroup' | 'deleteGroup' | 'updateSettings'
> => ({
  createGroup: (orgId, name, call) =>
    ctx.locks.run('createGroup', orgId, undefined, call.signal, async (commit) => {
      checkNameFree(ctx.orgs.find(orgId), name)
      const id = randomUUID()
      const record = { name, createdAt: ctx.time() }
      const group = storedGroup(orgId, id, record)
      const audit = auditCopies([groupCreatedEvent(group, call.actor)])
      await ctx.fault('group:before-commit')
      commit()
      const state = ctx.orgs.open(orgId)
      state.groups.set(id, record)
      state.audit.append(audit, record.createdAt)
      return group
    }),

  renameGroup: (orgId, groupId, name, call) =>
    ctx.locks.run('renameGroup', orgId, undefined, call.signal, async (commit) => {
      const state = ctx.orgs.find(orgId)
      const before = state?.groups.get(groupId)
      if (state === undefined || before === undefined) return null
      checkNameFree(state, name, groupId)
      const record = { name, createdAt: before.createdAt }
      const group = storedGroup(orgId, groupId, record)
      const audit = auditCopies([groupRenamedEvent(group, before.name, call.actor)])
      const at = ctx.time()
      await ctx.fault('group:before-commit')
      commit()
      state.groups.set(groupId, record)
      state.audit.append(audit, at)
      return group
    }),

  deleteGroup: (orgId, groupId, call) =>
    ctx.locks.run('deleteGroup', orgId, undefined, call.signal, async (commit) => {
      const state = ctx.orgs.find(orgId)
      const record = state?.groups.get(groupId)
      if (state === undefined || record === undefined) return false
      const members = Array.from(state.memberships.ofGroup(groupId), ([userId, m]) => ({
        userId,
        source: m.source,
      }))
      const audit = auditCopies(
        groupDeletedEvents({ orgId, id: groupId, name: record.name }, members, call.actor),
      )
      const at = ctx.time()
      await ctx.fault('group:before-commit')
      commit()
      state.memberships.deleteGroup(groupId)
      state.groups.delete(groupId)
      state.audit.append(audit, at)
      return true
    }),

  updateSettings: (orgId, work, call) =>
    ctx.locks.run('updateOrgSettings', orgId, undefined, call.signal, async (commit) => {
      const update = work(ctx.orgs.find(orgId)?.settings ?? null)
      if (update === null) return
      const audit = auditCopies(update.audit)
      const at = ctx.time()
      await ctx.fault('settings:before-commit')
      commit()
      const state = ctx.orgs.open(orgId)
      // The wrapper hands over settings of its own and copies what it reads back.
      state.settings = update.settings
      state.audit.append(audit, at)
    }),
})
