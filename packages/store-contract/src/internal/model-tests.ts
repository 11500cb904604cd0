import {
  MAX_STORE_TIME,
  MIN_STORE_TIME,
  compareCodeUnits,
  computeMembershipDiff,
  type AuditEventInput,
  type MatchMode,
  type MembershipSource,
  type MembershipStore,
  type UserSyncChanges,
} from '@groupsync/core'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import {
  END_OF_TIME,
  expectStoreError,
  freshOrgId,
  must,
  withStore,
  type ContractContext,
} from './context.js'
import {
  isStorable,
  modelDeleteGroup,
  modelGroups,
  modelMembersOf,
  modelMemberships,
  newOrgModel,
  replayLog,
  storeMemberships,
  withoutStamp,
  type OrgModel,
} from './model.js'

interface Real {
  readonly store: MembershipStore
}
type Command = fc.AsyncCommand<OrgModel, Real>

const USERS = ['alice', "o'brien", '用户😀'] as const
const MISSING_GROUP = 'no-such-group'

/** Names that collide often (so uniqueness and renames get exercised), hostile ones, and junk. */
const nameArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'a',
      'A',
      'b',
      "it's",
      '50%',
      'back\\slash',
      '😀',
      '"q"',
      '',
      'e\u0301',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('nul\u0000', '\uD800', `${'long '.repeat(600)}name`) },
)
const userArb = fc.constantFrom(...USERS)
/** Picks an existing group by index (modulo the count), or none: then a missing group id is used. */
const pickArb = fc.option(fc.nat(), { nil: undefined, freq: 8 })
const sourceArb = fc.constantFrom<MembershipSource>('sync', 'manual')

const picked = (m: OrgModel, pick: number | undefined): string =>
  pick === undefined || m.groups.length === 0
    ? MISSING_GROUP
    : must(m.groups[pick % m.groups.length], 'a group').id

/** After every command: the groups and every user's memberships equal the model's. */
const checkCore = async (m: OrgModel, r: Real): Promise<void> => {
  const groups = await r.store.listGroups(m.orgId)
  expect(groups.map((g) => [g.id, g.name])).toEqual(modelGroups(m))
  for (const u of USERS) {
    expect(storeMemberships(await r.store.listUserMemberships(m.orgId, u))).toEqual(
      modelMemberships(m, u),
    )
  }
}

/**
 * Replays the org's whole audit log from empty and checks it rebuilds exactly the groups (ids,
 * names, creation times) and every user's memberships (sources, creation times) the store shows.
 */
export const expectLogReplays = async (
  store: MembershipStore,
  orgId: string,
  users: readonly string[],
): Promise<void> => {
  const replayed = replayLog(await store.listAuditEvents(orgId))
  if (typeof replayed === 'string') expect.fail(`the audit log does not replay: ${replayed}`)
  const byId = ([a]: readonly [string, ...unknown[]], [b]: readonly [string, ...unknown[]]) =>
    compareCodeUnits(a, b)
  expect(
    [...replayed.groups].map(([id, g]) => [id, g.name, g.createdAt] as const).sort(byId),
    'groups rebuilt from the log',
  ).toEqual(
    (await store.listGroups(orgId))
      .map((g) => [g.id, g.name, g.createdAt.getTime()] as const)
      .sort(byId),
  )
  for (const [userId, mine] of replayed.members) {
    if (mine.size > 0) expect(users, 'a user the log rebuilt memberships for').toContain(userId)
  }
  for (const u of users) {
    expect(
      [...(replayed.members.get(u) ?? [])]
        .map(([groupId, m]) => [groupId, m.source, m.createdAt] as const)
        .sort(byId),
      `memberships of ${u} rebuilt from the log`,
    ).toEqual(
      (await store.listUserMemberships(orgId, u)).map(
        (x) => [x.groupId, x.source, x.createdAt.getTime()] as const,
      ),
    )
  }
}

/** At the end of a run: everything else the store shows equals the model too. */
const checkAll = async (m: OrgModel, r: Real): Promise<void> => {
  await checkCore(m, r)
  expect(await r.store.getOrgSettings(m.orgId)).toEqual(m.settings)
  for (const g of m.groups) {
    const members = await r.store.listMembers(m.orgId, g.id)
    const expected = USERS.filter((u) => m.members.get(u)?.has(g.id) === true)
      .map((u) => [u, m.members.get(u)?.get(g.id)])
      .sort(([a], [b]) => compareCodeUnits(a ?? '', b ?? ''))
    expect(members.map((x) => [x.userId, x.source])).toEqual(expected)
  }
  const stale = await r.store.listStaleMembers(m.orgId, END_OF_TIME)
  expect(stale.map((s) => [s.userId, s.lastSyncedAt.getTime()])).toEqual(
    [...m.lastSync].sort(([ua, ta], [ub, tb]) => ta - tb || compareCodeUnits(ua, ub)),
  )
  const audit = await r.store.listAuditEvents(m.orgId)
  expect(audit.map(withoutStamp)).toEqual(m.audit)
  expect(audit.every((e, i) => i === 0 || e.seq > must(audit[i - 1], 'an event').seq)).toBe(true)
  await expectLogReplays(r.store, m.orgId, USERS)
}

class CreateGroup implements Command {
  constructor(readonly name: string) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const attempt = r.store.createGroup(m.orgId, this.name)
    if (!isStorable(this.name)) await expectStoreError(attempt, 'STORE_INVALID_INPUT')
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

class RenameGroup implements Command {
  constructor(
    readonly pick: number | undefined,
    readonly name: string,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, this.pick)
    const attempt = r.store.renameGroup(m.orgId, id, this.name)
    if (!isStorable(this.name)) await expectStoreError(attempt, 'STORE_INVALID_INPUT')
    else if (id === MISSING_GROUP) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
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

class DeleteGroup implements Command {
  constructor(readonly pick: number | undefined) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, this.pick)
    const attempt = r.store.deleteGroup(m.orgId, id)
    if (id === MISSING_GROUP) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
    else {
      await attempt
      modelDeleteGroup(m, id)
    }
    await checkCore(m, r)
  }
  toString = () => `deleteGroup(#${String(this.pick)})`
}

/** A login sync: the store's snapshot must equal the model, and the diff is applied to both. */
class Sync implements Command {
  constructor(
    readonly userId: string,
    readonly claim: readonly string[],
    readonly syncedAt: number | undefined,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    let audit: AuditEventInput[] = []
    const diff = await r.store.withUserSync(m.orgId, this.userId, (snap) => {
      audit = []
      expect(snap.settings).toEqual(m.settings)
      expect(snap.groups.map((g) => [g.id, g.name])).toEqual(modelGroups(m))
      expect(storeMemberships(snap.memberships)).toEqual(modelMemberships(m, this.userId))
      expect(snap.lastSyncedAt?.getTime()).toBe(m.lastSync.get(this.userId))
      const diff = computeMembershipDiff(
        this.claim,
        snap.groups,
        snap.memberships.map((x) => x.groupId),
        { match: snap.settings.matchMode },
      )
      const event = (type: AuditEventInput['type'], g: { id: string; name: string }) =>
        audit.push({
          type,
          orgId: m.orgId,
          userId: this.userId,
          groupId: g.id,
          groupName: g.name,
          source: 'sync',
          claimDigest: 'f'.repeat(64),
          detail: { claim: this.claim.filter(isStorable) },
        })
      diff.toRemove.forEach((g) => event('membership.removed', g))
      diff.toAdd.forEach((g) => event('membership.added', g))
      const changes: UserSyncChanges = {
        add: diff.toAdd.map((g) => ({ groupId: g.id, source: 'sync' })),
        remove: diff.toRemove.map((g) => g.id),
        audit,
        ...(this.syncedAt !== undefined && { syncedAt: new Date(this.syncedAt) }),
      }
      return { changes, result: diff }
    })
    // Applied to the model only once the store has committed (a store may retry decide).
    const mine = modelMembersOf(m, this.userId)
    for (const g of diff.toRemove) mine.delete(g.id)
    for (const g of diff.toAdd) mine.set(g.id, 'sync')
    m.audit.push(...audit)
    if (this.syncedAt !== undefined) m.lastSync.set(this.userId, this.syncedAt)
    await checkCore(m, r)
  }
  toString = () =>
    `sync(${JSON.stringify(this.userId)}, ${JSON.stringify(this.claim)}, ${String(this.syncedAt)})`
}

type BadKind = 'throws' | 'foreign-group' | 'nul-audit' | 'twice'

/** A unit of work that fails: nothing may change. */
class BadSync implements Command {
  constructor(
    readonly userId: string,
    readonly kind: BadKind,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const boom = new Error('decide failed')
    const attempt = r.store.withUserSync(m.orgId, this.userId, (snap) => {
      const first = snap.groups[0]?.id ?? MISSING_GROUP
      const base = { add: [], remove: [], audit: [], syncedAt: new Date() }
      const changes: Record<Exclude<BadKind, 'throws'>, UserSyncChanges> = {
        'foreign-group': { ...base, remove: snap.groups.map((g) => g.id).concat(MISSING_GROUP) },
        'nul-audit': {
          ...base,
          remove: snap.memberships.map((x) => x.groupId),
          audit: [{ type: 'sync.denied', orgId: m.orgId, detail: { why: 'nul\u0000' } }],
        },
        twice: { ...base, remove: [first, first] },
      }
      if (this.kind === 'throws') throw boom
      return { changes: changes[this.kind], result: undefined }
    })
    if (this.kind === 'throws') await expect(attempt).rejects.toBe(boom)
    else await expectStoreError(attempt, 'STORE_INVALID_INPUT')
    await checkCore(m, r)
  }
  toString = () => `badSync(${JSON.stringify(this.userId)}, ${this.kind})`
}

/** A manual add or remove: true and audited when it changes something, false otherwise. */
class ManualChange implements Command {
  constructor(
    readonly kind: 'add' | 'remove',
    readonly userId: string,
    readonly pick: number | undefined,
    readonly source: MembershipSource,
  ) {}
  check = () => true
  async run(m: OrgModel, r: Real) {
    const id = picked(m, this.pick)
    const add = this.kind === 'add'
    const event: AuditEventInput = {
      type: add ? 'membership.added' : 'membership.removed',
      orgId: m.orgId,
      userId: this.userId,
      groupId: id,
      source: this.source,
      actor: 'admin',
    }
    const attempt = add
      ? r.store.addMember(m.orgId, id, this.userId, this.source, [event])
      : r.store.removeMember(m.orgId, id, this.userId, [event])
    if (id === MISSING_GROUP) await expectStoreError(attempt, 'GROUP_NOT_FOUND')
    else {
      const mine = modelMembersOf(m, this.userId)
      const changes = mine.has(id) !== add
      expect(await attempt).toBe(changes)
      if (changes) {
        if (add) mine.set(id, this.source)
        else mine.delete(id)
        m.audit.push(event)
      }
    }
    await checkCore(m, r)
  }
  toString = () =>
    `${this.kind}Member(${JSON.stringify(this.userId)}, #${String(this.pick)}, ${this.source})`
}

class SetSettings implements Command {
  constructor(
    readonly manageGroupMemberships: boolean,
    readonly matchMode: MatchMode,
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
    await r.store.setOrgSettings(m.orgId, settings, [event])
    m.settings = settings
    m.audit.push(event)
    expect(await r.store.getOrgSettings(m.orgId)).toEqual(settings)
  }
  toString = () => `setOrgSettings(${String(this.manageGroupMemberships)}, ${this.matchMode})`
}

const manualChangeArb = fc
  .tuple(fc.constantFrom('add' as const, 'remove' as const), userArb, pickArb, sourceArb)
  .map(([kind, u, p, s]) => new ManualChange(kind, u, p, s))

const commandArbs: fc.Arbitrary<Command>[] = [
  nameArb.map((n) => new CreateGroup(n)),
  nameArb.map((n) => new CreateGroup(n)),
  fc.tuple(pickArb, nameArb).map(([p, n]) => new RenameGroup(p, n)),
  pickArb.map((p) => new DeleteGroup(p)),
  fc
    .tuple(
      userArb,
      fc.array(nameArb, { maxLength: 6 }),
      fc.option(fc.integer({ min: MIN_STORE_TIME, max: MAX_STORE_TIME }), { nil: undefined }),
    )
    .map(([u, claim, t]) => new Sync(u, claim, t)),
  fc
    .tuple(userArb, fc.array(nameArb, { maxLength: 6 }), fc.constant(undefined))
    .map(([u, claim, t]) => new Sync(u, claim, t)),
  fc
    .tuple(userArb, fc.constantFrom<BadKind>('throws', 'foreign-group', 'nul-audit', 'twice'))
    .map(([u, k]) => new BadSync(u, k)),
  manualChangeArb,
  manualChangeArb,
  fc
    .tuple(fc.boolean(), fc.constantFrom<MatchMode>('exact', 'case-insensitive'))
    .map(([on, mode]) => new SetSettings(on, mode)),
]

/** The writes that change groups or memberships, each as a service would make it (audited). */
const replayCommandArbs: fc.Arbitrary<Command>[] = [
  nameArb.map((n) => new CreateGroup(n)),
  nameArb.map((n) => new CreateGroup(n)),
  fc.tuple(pickArb, nameArb).map(([p, n]) => new RenameGroup(p, n)),
  pickArb.map((p) => new DeleteGroup(p)),
  fc
    .tuple(userArb, fc.array(nameArb, { maxLength: 6 }), fc.constant(undefined))
    .map(([u, claim, t]) => new Sync(u, claim, t)),
  manualChangeArb,
  manualChangeArb,
  fc
    .tuple(fc.boolean(), fc.constantFrom<MatchMode>('exact', 'case-insensitive'))
    .map(([on, mode]) => new SetSettings(on, mode)),
]

export const describeModelTests = (ctx: ContractContext): void => {
  it(
    `replaying the audit log from empty rebuilds the groups and memberships exactly, after random group creates, renames, deletes, manual changes and syncs (${ctx.options.modelRuns} runs)`,
    () =>
      withStore(ctx, async (store) => {
        await fc.assert(
          fc.asyncProperty(fc.commands(replayCommandArbs, { maxCommands: 30 }), async (cmds) => {
            const model = newOrgModel(freshOrgId('replay'))
            await fc.asyncModelRun(() => ({ model, real: { store } }), cmds)
            await expectLogReplays(store, model.orgId, USERS)
            return true
          }),
          { numRuns: ctx.options.modelRuns },
        )
      }),
    ctx.options.slowTestTimeoutMs,
  )

  it(
    `behaves like the model over random operations (fc.commands, ${ctx.options.modelRuns} runs)`,
    () =>
      withStore(ctx, async (store) => {
        await fc.assert(
          fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 25 }), async (cmds) => {
            const model = newOrgModel(freshOrgId('model'))
            const real = { store }
            await fc.asyncModelRun(() => ({ model, real }), cmds)
            await checkAll(model, real)
          }),
          { numRuns: ctx.options.modelRuns },
        )
      }),
    ctx.options.slowTestTimeoutMs,
  )
}
