import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MatchMode } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import {
  createMembershipAdmin,
  planOnLogin,
  syncOnLogin,
  type LoginSyncInput,
  type PlannedChanges,
  type SyncPlan,
  SyncPolicyCodec,
  type SyncPolicy,
} from '@groupsync/sync'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PLAN_LOGIN } from '../src/commands/plan.js'
import { EXIT_CODES } from '../src/internal/exit-codes.js'
import { runCli } from './support/run-cli.js'

// `groupsync plan` decides nothing itself: it is the sync's dry run on the state its files
// describe. So for any org, policy and login, `plan --json` must say, step by step, what
// planOnLogin says on a real store holding that state — the memory store here, seeded through the
// admin service and a login, as a real org's state comes about. The expected side is read from
// the SyncPlan itself, not through the CLI's JSON renderer, so a renderer that dropped or changed
// a step would fail too.

/** Names an org may have: case variants, so both match modes and near misses come up. */
const NAMES = ['dev', 'Dev', 'ops', 'OPS', 'sales', 'hr', 'ÉQUIPE', 'équipe']
/** Entries a claim may hold besides those names: other cases, empty, junk. */
const EXTRA_ENTRIES = ['DEV', 'Ops', 'Sales', 'ghost', '']

type Start = 'none' | 'manual' | 'sync'

interface OrgState {
  readonly groups: readonly { readonly name: string; readonly start: Start }[]
  readonly mapping: boolean
  readonly matchMode: MatchMode
}

const orgState: fc.Arbitrary<OrgState> = fc.record({
  groups: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...NAMES),
      start: fc.constantFrom<Start>('none', 'manual', 'sync', 'sync'),
    }),
    { selector: (g) => g.name, maxLength: NAMES.length },
  ),
  mapping: fc.oneof(
    { weight: 9, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  matchMode: fc.constantFrom<MatchMode>('exact', 'case-insensitive'),
})

const claimEntries = fc.array(fc.constantFrom(...NAMES, ...EXTRA_ENTRIES), { maxLength: 7 })

/**
 * A login: its claim as a list (the `--claims` array form), or as ID token claims whose groups
 * are at `groups` or `roles`, absent, or malformed.
 */
type Login =
  | { readonly form: 'list'; readonly groups: readonly string[] }
  | { readonly form: 'claims'; readonly claims: Readonly<Record<string, unknown>> }

const login: fc.Arbitrary<Login> = fc.oneof(
  fc.record({ form: fc.constant('list' as const), groups: claimEntries }),
  fc.record({
    form: fc.constant('claims' as const),
    claims: fc.oneof(
      { weight: 4, arbitrary: fc.record({ groups: claimEntries }) },
      { weight: 2, arbitrary: fc.record({ roles: claimEntries }) },
      { weight: 1, arbitrary: fc.constant({ sub: 'someone' }) },
      { weight: 1, arbitrary: fc.constantFrom({ groups: 7 }, { groups: ['dev', 7] }) },
    ),
  }),
)

/** The org's policy: every field the plan must not decide on its own. */
const validPolicy = (login: Login): fc.Arbitrary<SyncPolicy> =>
  fc.record(
    {
      absent: fc.constantFrom('empty', 'keep', 'deny'),
      removalMode: fc.constantFrom('authoritative', 'sync-owned'),
      massRemovalGuard: fc.record(
        {
          maxRemovals: fc.integer({ min: 0, max: 3 }),
          maxRemovalPercent: fc.integer({ min: 0, max: 100 }),
        },
        { requiredKeys: [] },
      ),
      // A list is the claim itself, so only a claims object is read at a path.
      claimsOptions:
        login.form === 'list'
          ? fc.record({ maxGroups: fc.integer({ min: 0, max: 6 }) }, { requiredKeys: [] })
          : fc.record(
              {
                maxGroups: fc.integer({ min: 0, max: 6 }),
                path: fc.constantFrom('groups', 'roles'),
              },
              { requiredKeys: [] },
            ),
    },
    { requiredKeys: [] },
  )

/** Mostly valid policies, and now and then one the sync refuses as configuration. */
const policyFor = (login: Login): fc.Arbitrary<SyncPolicy> =>
  fc.oneof(
    { weight: 20, arbitrary: validPolicy(login) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { absent: 'never' } as unknown as SyncPolicy,
        { removalMod: 'sync-owned' } as unknown as SyncPolicy,
      ),
    },
  )

const input = fc
  .tuple(orgState, login)
  .chain(([state, claim]) => fc.tuple(fc.constant(state), fc.constant(claim), policyFor(claim)))

/** What the CLI prints for a group, and for a step. */
const group = (g: { readonly id: string; readonly name: string }) => ({ id: g.id, name: g.name })

/** The changes of a SyncPlan as `plan --json` must show them. */
const expectedChanges = (changes: PlannedChanges) => ({
  claim: JSON.parse(JSON.stringify(changes.claim)) as unknown,
  removalMode: changes.removalMode,
  toAdd: changes.toAdd.map(group),
  toRemove: changes.toRemove.map(group),
  keptManual: changes.keptManual.map(group),
  unchanged: changes.diff.unchanged.map(group),
  unmatchedClaims: changes.diff.unmatchedClaims,
  caseOnlyMatches: changes.diff.caseOnlyMatches.map((m) => ({
    claim: m.claim,
    group: group(m.group),
  })),
  steps: changes.steps.map((s) => ({
    action: s.action,
    groupId: s.group.id,
    groupName: s.group.name,
    reason: s.reason,
  })),
  notes: changes.notes,
})

/** `plan --json` for a SyncPlan, field by field from the plan itself. */
function expectedJson(plan: SyncPlan): unknown {
  switch (plan.status) {
    case 'planned':
      return { status: 'planned', ...expectedChanges(plan) }
    case 'denied':
      return {
        status: 'denied',
        error: {
          code: plan.error.code,
          message: plan.error.message,
          ...(plan.error.path === undefined ? {} : { path: plan.error.path }),
        },
        ...(plan.planned === undefined ? {} : { refused: expectedChanges(plan.planned) }),
      }
    default:
      return JSON.parse(JSON.stringify(plan)) as unknown
  }
}

/** An org in a fresh memory store in the state given, for the user `PLAN_LOGIN.userId`. */
async function seededStore(state: OrgState) {
  const store = createMemoryMembershipStore()
  const admin = createMembershipAdmin({ store })
  const { orgId, userId } = PLAN_LOGIN
  const ids = new Map<string, string>()
  for (const { name } of state.groups) ids.set(name, (await ok(admin.createGroup(orgId, name))).id)
  for (const { name, start } of state.groups) {
    if (start === 'manual') await ok(admin.addMember(orgId, ids.get(name)!, userId))
  }
  // The sync's memberships come from an earlier login. Its claims carry no token time, so no
  // later login is stale: the plan's files hold no earlier sync either.
  await ok(admin.setManageGroupMemberships(orgId, true))
  const seed = state.groups.filter((g) => g.start === 'sync').map((g) => g.name)
  await ok(
    syncOnLogin(
      { orgId, userId, claims: { groups: seed } },
      { store, policy: () => ({ removalMode: 'sync-owned' }) },
    ),
  )
  await ok(admin.setMatchMode(orgId, state.matchMode))
  await ok(admin.setManageGroupMemberships(orgId, state.mapping))
  return { store, admin }
}

describe('groupsync plan agrees with the sync’s dry run', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'groupsync-plan-property-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('property: for any org, policy and login, plan --json is planOnLogin step by step', async () => {
    const outcomes = new Set<string>()
    await fc.assert(
      fc.asyncProperty(input, async ([state, claim, policy]) => {
        const { store, admin } = await seededStore(state)
        const { orgId, userId } = PLAN_LOGIN
        const groups = await ok(admin.listGroups(orgId))
        const memberships = await store.listUserMemberships(orgId, userId)
        const settings = await store.getOrgSettings(orgId)

        const files = {
          claims: claim.form === 'list' ? claim.groups : claim.claims,
          groups: groups.map(group),
          current: memberships.map((m) => ({ groupId: m.groupId, source: m.source })),
          settings,
          policy,
        }
        for (const [name, value] of Object.entries(files)) {
          await writeFile(join(dir, `${name}.json`), JSON.stringify(value))
        }
        const run = await runCli(
          [
            'plan',
            ...['--claims', 'claims.json', '--org-groups', 'groups.json'],
            ...['--current', 'current.json', '--settings', 'settings.json'],
            ...['--policy', 'policy.json', '--json'],
          ],
          { cwd: dir },
        )

        const loginInput: LoginSyncInput = {
          orgId,
          userId,
          claims: claim.form === 'list' ? { groups: claim.groups } : claim.claims,
        }
        const expected = await planOnLogin(loginInput, { store, policy: () => policy })()
        await store.close()

        if (!SyncPolicyCodec.is(policy)) {
          // The CLI decodes the policy file with the sync's own codec before anything runs, so a
          // broken file is refused even where the sync would not read it (mapping off, rule S1).
          outcomes.add('invalid policy file')
          expect(run.stdout).toBe('')
          expect(run.stderr).toMatch(
            /^error CLI_INPUT_INVALID: The policy \(--policy\) in "policy.json"/,
          )
          expect(run.code).toBe(EXIT_CODES.invalidInput)
          expect(expected._tag === 'Left' ? expected.left.code : expected.right.status).toBe(
            state.mapping ? 'SYNC_POLICY_INVALID' : 'disabled',
          )
          return
        }
        if (expected._tag === 'Left') {
          outcomes.add('failed')
          expect(run.stdout).toBe('')
          expect(run.stderr.startsWith(`error ${expected.left.code}: `)).toBe(true)
          expect(run.code).not.toBe(EXIT_CODES.ok)
          return
        }
        outcomes.add(expected.right.status)
        expect(run.stderr).toBe('')
        expect(run.code).toBe(EXIT_CODES.ok)
        expect(JSON.parse(run.stdout)).toEqual(expectedJson(expected.right))
      }),
      { numRuns: 150 },
    )
    // Every outcome came up, so no branch of the agreement went unchecked.
    expect([...outcomes].sort()).toEqual([
      'denied',
      'disabled',
      'invalid policy file',
      'kept',
      'planned',
    ])
  }, 120_000)
})

async function ok<A>(
  task: () => Promise<{ _tag: 'Left'; left: Error } | { _tag: 'Right'; right: A }>,
): Promise<A> {
  const result = await task()
  if (result._tag === 'Left') throw result.left
  return result.right
}
