import { MAX_STORE_TIME, MIN_STORE_TIME, compareCodeUnits, type MatchMode } from '@groupsync/core'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { END_OF_TIME, freshOrgId, must, withStore, type ContractContext } from './context.js'
import { expectLogReplays } from './log-replay.js'
import { newOrgModel, withoutStamp, type OrgModel } from './model.js'
import {
  BadSync,
  CreateGroup,
  DeleteGroup,
  ManualChange,
  RemoveUser,
  RenameGroup,
  Sync,
  USERS,
  UpdateSettings,
  checkCore,
  type BadKind,
  type Command,
  type Real,
} from './model-commands.js'

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

/** Every kind of operation, valid and not. */
const commandArbs: fc.Arbitrary<Command>[] = [
  nameArb.map((n) => new CreateGroup(n)),
  nameArb.map((n) => new CreateGroup(n)),
  fc.tuple(pickArb, nameArb).map(([p, n]) => new RenameGroup(p, n)),
  pickArb.map((p) => new DeleteGroup(p)),
  fc.tuple(userArb, claimArb, timeArb).map(([u, claim, t]) => new Sync(u, claim, t)),
  fc.tuple(userArb, claimArb).map(([u, claim]) => new Sync(u, claim, undefined)),
  fc
    .tuple(
      userArb,
      claimArb,
      fc.constantFrom<BadKind>(
        'throws',
        'foreign-group',
        'outside-slice',
        'nul-audit',
        'twice',
        'promise',
      ),
    )
    .map(([u, claim, k]) => new BadSync(u, claim, k)),
  manualChangeArb,
  manualChangeArb,
  settingsArb,
  removeUserArb,
]

/** The writes that change groups or memberships, each as a service would make it (audited). */
const replayCommandArbs: fc.Arbitrary<Command>[] = [
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
  for (const u of USERS) {
    expect((await r.store.readLastSync(m.orgId, u))?.lastSyncedAt.getTime()).toBe(m.lastSync.get(u))
  }
  const audit = await r.store.listAuditEvents(m.orgId)
  expect(audit.map(withoutStamp)).toEqual(m.audit)
  expect(audit.every((e, i) => i === 0 || e.seq > must(audit[i - 1], 'an event').seq)).toBe(true)
  await expectLogReplays(r.store, m.orgId, USERS)
}

/** The model-based property and the replay property. */
export const describeModelTests = (ctx: ContractContext): void => {
  it(
    `replaying the audit log from empty rebuilds the groups and memberships exactly, after random group creates, renames, deletes, manual changes, settings changes, logins and user removals (${ctx.options.modelRuns} runs)`,
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
            return true
          }),
          { numRuns: ctx.options.modelRuns },
        )
      }),
    ctx.options.slowTestTimeoutMs,
  )
}
