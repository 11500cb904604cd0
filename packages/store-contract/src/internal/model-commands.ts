import {
  type AuditEventInput,
  type MatchMode,
  type MembershipStore,
  type UserSyncChanges,
  type UserSyncDecision,
} from '@groupsync/core'
import type fc from 'fast-check'
import { expect } from 'vitest'
import { expectLockError, expectStoreError, must } from './context.js'
import {
  isStorable,
  modelDeleteGroup,
  modelGroups,
  modelMembersOf,
  modelMemberships,
  modelRemoveUser,
  modelStoredSettings,
  storeMemberships,
  type OrgModel,
} from './model.js'
import { applyChanges, loginChangesFor } from './serial-order.js'
import { expectTimes, utf8Bytes, type StoreKit } from './store-kit.js'

/** The store a model run drives, its kit, and the users of the run. */
export interface Real {
  readonly store: MembershipStore
  readonly kit: StoreKit
  readonly users: readonly string[]
}
export type Command = fc.AsyncCommand<OrgModel, Real>

/** The users of a model run, as labels: ids of the store's kind are made from them. */
export const USER_LABELS = ['alice', "o'brien", '用户😀'] as const

/** Picks an existing group by index (modulo the count), or none: then a missing group id is used. */
const picked = (m: OrgModel, r: Real, pick: number | undefined): string =>
  pick === undefined || m.groups.length === 0
    ? r.kit.missingGroup
    : must(m.groups[pick % m.groups.length], 'a group').id

/** Why the store must refuse a name: unstorable text, or longer than its limit. */
const refusedName = (r: Real, name: string): boolean =>
  !isStorable(name) || utf8Bytes(name) > r.kit.limits.maxNameBytes

/** After every command: the groups and every user's memberships equal the model's. */
export const checkCore = async (m: OrgModel, r: Real): Promise<void> => {
  const groups = await r.store.listGroups(m.orgId)
  expect(groups.map((g) => [g.id, g.name])).toEqual(modelGroups(m))
  expectTimes(r.store, 'groups', groups)
  for (const u of r.users) {
    const mine = await r.store.listUserMemberships(m.orgId, u)
    expect(storeMemberships(mine)).toEqual(modelMemberships(m, u))
    expectTimes(r.store, 'memberships', mine)
  }
}

/** The slice of a login (rule 11), stated directly: the claim's names in any case, and mine. */
const modelSlice = (m: OrgModel, userId: string, claim: readonly string[]): [string, string][] => {
  const keys = new Set(claim.map((c) => c.toLowerCase()))
  const mine = m.members.get(userId)
  return modelGroups(m).filter(
    ([id, name]) => keys.has(name.toLowerCase()) || mine?.has(id) === true,
  )
}

export class CreateGroup implements Command {
  constructor(readonly name: string) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const attempt = r.store.createGroup(m.orgId, this.name)
    if (refusedName(r, this.name)) await expectStoreError(attempt, 'STORE_INVALID_INPUT')
    else if (m.groups.some((g) => g.name === this.name)) {
      await expectStoreError(attempt, 'GROUP_NAME_TAKEN')
    } else {
      const g = await attempt
      expect(g).toMatchObject({ orgId: m.orgId, name: this.name })
      m.groups.push({ id: g.id, name: g.name })
      m.audit.push({ type: 'group.created', orgId: m.orgId, groupId: g.id, groupName: this.name })
    }
    await checkCore(m, r)
  }
  toString = () => `createGroup(${JSON.stringify(this.name)})`
}

export class RenameGroup implements Command {
  constructor(
    readonly pick: number | undefined,
    readonly name: string,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, r, this.pick)
    const attempt = r.store.renameGroup(m.orgId, id, this.name)
    if (refusedName(r, this.name)) await expectStoreError(attempt, 'STORE_INVALID_INPUT')
    else if (id === r.kit.missingGroup) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
    else if (m.groups.some((g) => g.name === this.name && g.id !== id)) {
      await expectStoreError(attempt, 'GROUP_NAME_TAKEN')
    } else {
      expect(await attempt).toMatchObject({ id, name: this.name })
      const previousName = must(
        m.groups.find((g) => g.id === id),
        'the renamed group',
      ).name
      m.groups = m.groups.map((g) => (g.id === id ? { id, name: this.name } : g))
      m.audit.push({
        type: 'group.renamed',
        orgId: m.orgId,
        groupId: id,
        groupName: this.name,
        detail: { previousName },
      })
    }
    await checkCore(m, r)
  }
  toString = () => `renameGroup(#${String(this.pick)}, ${JSON.stringify(this.name)})`
}

export class DeleteGroup implements Command {
  constructor(readonly pick: number | undefined) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, r, this.pick)
    const attempt = r.store.deleteGroup(m.orgId, id)
    if (id === r.kit.missingGroup) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
    else {
      await attempt
      modelDeleteGroup(m, id)
    }
    await checkCore(m, r)
  }
  toString = () => `deleteGroup(#${String(this.pick)})`
}

/** A login: the store's snapshot must equal the model's, and the diff is applied to both. */
export class Sync implements Command {
  constructor(
    readonly userId: string,
    readonly claim: readonly string[],
    readonly syncedAt: number | undefined,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const changes = await r.store.withLoginSync(m.orgId, this.userId, this.claim, (snap) => {
      expect(snap.settings).toEqual(m.settings)
      expect(snap.groups.map((g) => [g.id, g.name])).toEqual(modelSlice(m, this.userId, this.claim))
      expect(storeMemberships(snap.memberships)).toEqual(modelMemberships(m, this.userId))
      expect(snap.lastSyncedAt?.getTime()).toBe(m.lastSync.get(this.userId))
      expect(snap.removedAt !== null, 'the snapshot shows a removal').toBe(
        m.removed.has(this.userId),
      )
      const syncedAt = this.syncedAt === undefined ? undefined : new Date(this.syncedAt)
      const changes = loginChangesFor(snap, this.claim, syncedAt, {
        claimDigest: 'f'.repeat(64),
        detail: { claim: this.claim.filter(isStorable) },
      })
      return { changes, result: changes }
    })
    // Applied to the model only once the store has committed (a store may retry decide).
    applyChanges(modelMembersOf(m, this.userId), changes)
    m.audit.push(...changes.audit)
    if (this.syncedAt !== undefined) m.lastSync.set(this.userId, this.syncedAt)
    await checkCore(m, r)
  }
  toString = () =>
    `sync(${JSON.stringify(this.userId)}, ${JSON.stringify(this.claim)}, ${String(this.syncedAt)})`
}

/** The ways a login's unit of work fails in a model run. */
export const BAD_KINDS = [
  'throws',
  'foreign-group',
  'outside-slice',
  'nul-audit',
  'twice',
  'promise',
] as const
export type BadKind = (typeof BAD_KINDS)[number]

/** A login whose unit of work fails: nothing may change. */
export class BadSync implements Command {
  constructor(
    readonly userId: string,
    readonly claim: readonly string[],
    readonly kind: BadKind,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const boom = new Error('decide failed')
    // A group of the org outside this login's slice, if there is one.
    const inSlice = new Set(modelSlice(m, this.userId, this.claim).map(([id]) => id))
    const outside = m.groups.find((g) => !inSlice.has(g.id))?.id ?? r.kit.missingGroup
    const attempt = r.store.withLoginSync(m.orgId, this.userId, this.claim, (snap) => {
      const first = snap.groups[0]?.id ?? r.kit.missingGroup
      const base = { add: [], remove: [], audit: [], syncedAt: new Date() }
      const changes: Record<Exclude<BadKind, 'throws' | 'promise'>, UserSyncChanges> = {
        'foreign-group': {
          ...base,
          remove: snap.groups.map((g) => g.id).concat(r.kit.missingGroup),
        },
        'outside-slice': {
          ...base,
          remove: snap.memberships.map((x) => x.groupId),
          add: [{ groupId: outside, source: 'sync' }],
        },
        'nul-audit': {
          ...base,
          remove: snap.memberships.map((x) => x.groupId),
          audit: [{ type: 'sync.denied', orgId: m.orgId, detail: { why: 'nul\u0000' } }],
        },
        twice: { ...base, remove: [first, first] },
      }
      if (this.kind === 'throws') throw boom
      if (this.kind === 'promise') {
        const valid = { ...base, remove: snap.memberships.map((x) => x.groupId) }
        return Promise.resolve({
          changes: valid,
          result: undefined,
        }) as unknown as UserSyncDecision<undefined>
      }
      return { changes: changes[this.kind], result: undefined }
    })
    if (this.kind === 'throws') await expect(attempt).rejects.toBe(boom)
    else await expectStoreError(attempt, 'STORE_INVALID_INPUT')
    await checkCore(m, r)
  }
  toString = () =>
    `badSync(${JSON.stringify(this.userId)}, ${JSON.stringify(this.claim)}, ${this.kind})`
}

/**
 * A manual add or remove: refused by the lock while mapping is on; otherwise true and audited
 * (source `manual`, the actor) when it changes something, false when it does not.
 */
export class ManualChange implements Command {
  constructor(
    readonly kind: 'add' | 'remove',
    readonly userId: string,
    readonly pick: number | undefined,
    readonly actor: string | undefined,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, r, this.pick)
    const add = this.kind === 'add'
    const options = this.actor === undefined ? undefined : { actor: this.actor }
    const attempt = add
      ? r.store.addManualMember(m.orgId, id, this.userId, options)
      : r.store.removeManualMember(m.orgId, id, this.userId, options)
    if (m.settings.manageGroupMemberships) await expectLockError(attempt)
    else if (id === r.kit.missingGroup) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
    else {
      const mine = modelMembersOf(m, this.userId)
      const changes = mine.has(id) !== add
      expect(await attempt).toBe(changes)
      if (changes) {
        if (add) mine.set(id, 'manual')
        else mine.delete(id)
        m.audit.push({
          type: add ? 'membership.added' : 'membership.removed',
          orgId: m.orgId,
          userId: this.userId,
          groupId: id,
          groupName: must(
            m.groups.find((g) => g.id === id),
            'the group',
          ).name,
          source: 'manual',
          ...(this.actor === undefined ? {} : { actor: this.actor }),
        })
      }
    }
    await checkCore(m, r)
  }
  toString = () =>
    `${this.kind}ManualMember(${JSON.stringify(this.userId)}, #${String(this.pick)}, ${String(this.actor)})`
}

/** A settings update: stores the new settings with an event, or (null) writes nothing. */
export class UpdateSettings implements Command {
  constructor(
    readonly manageGroupMemberships: boolean,
    readonly matchMode: MatchMode,
    readonly keep: boolean,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const settings = {
      manageGroupMemberships: this.manageGroupMemberships,
      matchMode: this.matchMode,
    }
    const event: AuditEventInput = {
      type: 'settings.changed',
      orgId: m.orgId,
      actor: 'admin',
      detail: { ...settings },
    }
    const inForce = await r.store.updateOrgSettings(m.orgId, (current) => {
      expect(current).toEqual(m.settings)
      return this.keep ? null : { settings, audit: [event] }
    })
    if (!this.keep) {
      m.settings = settings
      m.settingsStored = true
      m.audit.push(event)
    }
    expect(inForce).toEqual(m.settings)
    expect(await r.store.getOrgSettings(m.orgId)).toEqual(modelStoredSettings(m))
  }
  toString = () =>
    `updateOrgSettings(${this.keep ? 'null' : `${String(this.manageGroupMemberships)}, ${this.matchMode}`})`
}

/** Offboarding: every membership goes, whatever its source and whatever the settings. */
export class RemoveUser implements Command {
  constructor(
    readonly userId: string,
    readonly actor: string | undefined,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const result = await r.store.removeUser(
      m.orgId,
      this.userId,
      this.actor === undefined ? undefined : { actor: this.actor },
    )
    expect(result).toEqual(modelRemoveUser(m, this.userId, this.actor))
    expect(await r.store.readLastSync(m.orgId, this.userId)).toBeNull()
    await checkCore(m, r)
  }
  toString = () => `removeUser(${JSON.stringify(this.userId)}, ${String(this.actor)})`
}
