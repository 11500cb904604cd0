import {
  MAX_STORE_TIME,
  MIN_STORE_TIME,
  compareCodeUnits,
  type MatchMode,
  type StoreLimits,
} from '@groupsync/core'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { withStore, type LoginContext } from './login-harness.js'
import { END_OF_TIME, must } from './context.js'
import { expectLogReplays } from './log-replay.js'
import { modelStoredSettings, newOrgModel, withoutStamp, type OrgModel } from './model.js'
import {
  BAD_KINDS,
  BadSync,
  CreateGroup,
  DeleteGroup,
  ManualChange,
  RemoveUser,
  RenameGroup,
  Sync,
  USER_LABELS,
  UpdateSettings,
  checkCore,
  type Command,
  type Real,
} from './model-commands.js'
import { namesAtLimit, type StoreKit } from './store-kit.js'

/**
 * Names that collide often (so uniqueness and renames get exercised), hostile ones, junk, and
 * names at the store's limit and one byte past it (refused).
 */
const nameArbOf = (limits: StoreLimits): fc.Arbitrary<string> => {
  const { atLimit, twin } = namesAtLimit(limits)
  return fc.oneof(
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
    {
      weight: 1,
      arbitrary: fc.constantFrom('nul\u0000', '\uD800', atLimit, twin, `${atLimit}x`),
    },
  )
}

/** The arbitraries of a model run on a store: every kind of operation, valid and not. */
const arbitrariesOf = (kit: StoreKit, users: readonly string[]) => {
  const nameArb = nameArbOf(kit.limits)
  const userArb = fc.constantFrom(...users)
  const pickArb = fc.option(fc.nat(), { nil: undefined, freq: 8 })
  const actorArb = fc.option(fc.constantFrom('admin', 'root@example.com'), { nil: undefined })
  const claimArb = fc.array(nameArb, { maxLength: 6 })
  const manualChangeArb = fc
    .tuple(fc.constantFrom('add' as const, 'remove' as const), userArb, pickArb, actorArb)
    .map(([kind, u, p, a]) => new ManualChange(kind, u, p, a))
  const settingsArb = fc
    .tuple(fc.boolean(), fc.constantFrom<MatchMode>('exact', 'case-insensitive'), fc.boolean())
    .map(([on, mode, keep]) => new UpdateSettings(on, mode, keep))
  const removeUserArb = fc.tuple(userArb, actorArb).map(([u, a]) => new RemoveUser(u, a))
  const timeArb = fc.option(fc.integer({ min: MIN_STORE_TIME, max: MAX_STORE_TIME }), {
    nil: undefined,
  })
  /** The writes that change groups or memberships, each as a service would make it (audited). */
  const replay: fc.Arbitrary<Command>[] = [
    nameArb.map((n) => new CreateGroup(n)),
    nameArb.map((n) => new CreateGroup(n)),
    fc.tuple(pickArb, nameArb).map(([p, n]) => new RenameGroup(p, n)),
    pickArb.map((p) => new DeleteGroup(p)),
    fc.tuple(userArb, claimArb).map(([u, claim]) => new Sync(u, claim, undefined)),
    manualChangeArb,
    manualChangeArb,
    settingsArb,
    removeUserArb,
  ]
  const all: fc.Arbitrary<Command>[] = [
    ...replay,
    fc.tuple(userArb, claimArb, timeArb).map(([u, claim, t]) => new Sync(u, claim, t)),
    fc
      .tuple(userArb, claimArb, fc.constantFrom(...BAD_KINDS))
      .map(([u, claim, k]) => new BadSync(u, claim, k)),
  ]
  return { replay, all }
}

/** At the end of a run: everything else the store shows equals the model too. */
const checkAll = async (m: OrgModel, r: Real): Promise<void> => {
  await checkCore(m, r)
  expect(await r.store.getOrgSettings(m.orgId)).toEqual(modelStoredSettings(m))
  for (const g of m.groups) {
    const members = await r.store.listMembers(m.orgId, g.id)
    const expected = r.users
      .filter((u) => m.members.get(u)?.has(g.id) === true)
      .map((u) => [u, m.members.get(u)?.get(g.id)])
      .sort(([a], [b]) => compareCodeUnits(a ?? '', b ?? ''))
    expect(members.map((x) => [x.userId, x.source])).toEqual(expected)
  }
  const stale = await r.store.listStaleMembers(m.orgId, END_OF_TIME)
  expect(stale.map((s) => [s.userId, s.lastSyncedAt.getTime()])).toEqual(
    [...m.lastSync].sort(([ua, ta], [ub, tb]) => ta - tb || compareCodeUnits(ua, ub)),
  )
  for (const u of r.users) {
    expect((await r.store.readLastSync(m.orgId, u))?.lastSyncedAt.getTime()).toBe(m.lastSync.get(u))
  }
  const audit = await r.store.listAuditEvents(m.orgId)
  expect(audit.map(withoutStamp)).toEqual(m.audit)
  expect(audit.every((e, i) => i === 0 || e.seq > must(audit[i - 1], 'an event').seq)).toBe(true)
  await expectLogReplays(r.store, m.orgId, r.users)
}

/** The model-based property and the replay property. */
export const describeModelTests = (ctx: LoginContext): void => {
  it(
    `replaying the audit log from empty rebuilds the groups and memberships exactly, after random group creates, renames, deletes, manual changes, settings changes, logins and user removals (${ctx.options.modelRuns} runs)`,
    () =>
      withStore(ctx, async (store, kit) => {
        const users = USER_LABELS.map(kit.user)
        const { replay } = arbitrariesOf(kit, users)
        await fc.assert(
          fc.asyncProperty(fc.commands(replay, { maxCommands: 30 }), async (cmds) => {
            const model = newOrgModel(kit.newOrg('replay'))
            await fc.asyncModelRun(() => ({ model, real: { store, kit, users } }), cmds)
            await expectLogReplays(store, model.orgId, users)
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
      withStore(ctx, async (store, kit) => {
        const users = USER_LABELS.map(kit.user)
        const { all } = arbitrariesOf(kit, users)
        await fc.assert(
          fc.asyncProperty(fc.commands(all, { maxCommands: 25 }), async (cmds) => {
            const model = newOrgModel(kit.newOrg('model'))
            const real = { store, kit, users }
            await fc.asyncModelRun(() => ({ model, real }), cmds)
            await checkAll(model, real)
            return true
          }),
          { numRuns: ctx.options.modelRuns },
        )
      }),
    ctx.options.slowTestTimeoutMs,
  )
}
