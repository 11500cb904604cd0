import { CLAIMS_ERROR_CODES, type GroupsClaimState } from '@groupsync/claims'
import { CORE_ERROR_CODES, GroupsyncError } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import fc from 'fast-check'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, describe, expect, it } from 'vitest'
import { isSyncDenial, SYNC_ERROR_CODES, syncOnLoginAsync } from '../src/index.js'

// Any JSON value in place of any member of the verified claims input, of its claims, or of the
// dependencies object: the sync either succeeds, or rejects with a coded groupsync error (never
// SYNC_FAILED, the code of a bug) and then writes no membership and no last-sync time anywhere
// it could have written — at most the one `sync.denied` event rule S7 defines for a denial.
// One memory store serves every case, each case in an organisation of its own.

const RUNS = Math.max(10_000, Number(process.env['FC_NUM_RUNS'] ?? 0))
const NOW = new Date('2026-03-01T12:00:00Z')
const IAT = NOW.getTime() / 1000 - 60

const store = createMemoryMembershipStore({ now: () => NOW })
afterAll(() => store.close())

const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...SYNC_ERROR_CODES,
  ...CLAIMS_ERROR_CODES,
  ...CORE_ERROR_CODES,
])

const resolved: GroupsClaimState = {
  state: 'present',
  source: 'distributed',
  groups: ['ops'],
  droppedEmpty: 0,
}

/** A login that would sync: alice has dev (sync) and ops (manual); her claim names dev only. */
const baseInput = (orgId: string): Record<string, unknown> => ({
  orgId,
  userId: 'alice',
  claims: { sub: 'alice', iat: IAT, auth_time: IAT, exp: IAT + 3600, groups: ['dev'] },
  userinfo: { sub: 'alice', groups: ['dev'] },
  accessToken: 'access-token',
})

/** Every member the sync's dependencies may have, each set to something that works. */
const baseDeps = (): Record<string, unknown> => ({
  store,
  verification: {
    issuer: 'https://idp.example',
    audience: 'app',
    jwks: { keys: [] },
    algorithms: ['ES256'],
  },
  preset: 'okta',
  claimsOptions: { maxGroups: 50 },
  resolver: { resolve: () => TE.right(resolved) },
  policy: () => ({ massRemovalGuard: { maxRemovals: 5 } }),
  clock: () => NOW,
  telemetry: { recordGroupNames: false },
})

type Target = readonly ['input' | 'claims' | 'deps', string]

const TARGETS: readonly Target[] = [
  ...['orgId', 'userId', 'claims', 'userinfo', 'accessToken', 'idToken'].map(
    (m) => ['input', m] as const,
  ),
  ...['sub', 'iat', 'auth_time', 'exp', 'groups', '_claim_names'].map(
    (m) => ['claims', m] as const,
  ),
  ...[
    'store',
    'verification',
    'preset',
    'claimsOptions',
    'resolver',
    'policy',
    'clock',
    'telemetry',
  ].map((m) => ['deps', m] as const),
]

/** One to three members, each replaced by a JSON value or taken out. */
const changes = fc.uniqueArray(
  fc.record({
    target: fc.constantFrom(...TARGETS),
    value: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined, freq: 8 }),
  }),
  { minLength: 1, maxLength: 3, selector: (c) => c.target },
)

let cases = 0

/** A fresh org: groups dev and ops; alice in dev (sync, with a last sync) and ops (manual). */
async function seedOrg(): Promise<string> {
  cases += 1
  const orgId = `prop-${cases}`
  const dev = await store.createGroup(orgId, 'dev')
  const ops = await store.createGroup(orgId, 'ops')
  await store.withLoginSync(orgId, 'alice', ['dev', 'ops'], () => ({
    changes: {
      add: [
        { groupId: dev.id, source: 'sync' },
        { groupId: ops.id, source: 'manual' },
      ],
      remove: [],
      audit: [],
      syncedAt: new Date(NOW.getTime() - 86_400_000),
      tokenIssuedAt: new Date((IAT - 86_400) * 1000),
    },
    result: null,
  }))
  await store.updateOrgSettings(orgId, (s) => ({
    settings: { ...s, manageGroupMemberships: true },
    audit: [],
  }))
  return orgId
}

/** What a login could have written for `userIds` in `orgIds`; a name no store takes has nothing. */
async function observe(orgIds: readonly string[], userIds: readonly string[]) {
  const seen: unknown[] = []
  for (const orgId of orgIds) {
    for (const userId of userIds) {
      try {
        seen.push([
          (await store.listUserMemberships(orgId, userId)).map((m) => [m.groupId, m.source]),
          await store.readLastSync(orgId, userId),
        ])
      } catch {
        seen.push('not storable')
      }
    }
  }
  return seen
}

/** The audit events appended to `orgIds` after `before` events each. */
async function appended(orgIds: readonly string[], before: readonly number[]) {
  const events = []
  for (const [i, orgId] of orgIds.entries()) {
    try {
      events.push(...(await store.listAuditEvents(orgId)).slice(before[i]))
    } catch {
      // not a storable org id: nothing can have been written there
    }
  }
  return events
}

const countEvents = async (orgIds: readonly string[]) =>
  Promise.all(
    orgIds.map((o) =>
      store.listAuditEvents(o).then(
        (e) => e.length,
        () => 0,
      ),
    ),
  )

describe('any JSON value in place of a member of the login input, its claims or the dependencies', () => {
  it(`the sync succeeds, or rejects with a coded error and writes nothing but a denial's one event (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(changes, async (replaced) => {
        const orgId = await seedOrg()
        const input = baseInput(orgId)
        const claims = { ...(input['claims'] as Record<string, unknown>) }
        const deps = baseDeps()
        const objects = { input, claims, deps }
        for (const { target, value } of replaced) {
          const [where, member] = target
          if (value === undefined) Reflect.deleteProperty(objects[where], member)
          else objects[where][member] = value
        }
        if (!replaced.some((c) => c.target[0] === 'input' && c.target[1] === 'claims')) {
          input['claims'] = claims
        }
        // Where a login could write: its org and user, whatever they were replaced with.
        const orgIds = [...new Set([orgId, input['orgId']])].filter(
          (o): o is string => typeof o === 'string',
        )
        const userIds = [...new Set(['alice', input['userId']])].filter(
          (u): u is string => typeof u === 'string',
        )
        const before = await observe(orgIds, userIds)
        const eventsBefore = await countEvents(orgIds)

        const outcome = await syncOnLoginAsync(input as never, deps as never).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        )
        if ('result' in outcome) return true
        const { error } = outcome
        if (!(error instanceof GroupsyncError)) return false
        const code = String(error.code)
        if (!KNOWN_CODES.has(code) || code === 'SYNC_FAILED') return false
        expect(await observe(orgIds, userIds)).toEqual(before)
        const events = await appended(orgIds, eventsBefore)
        const denial = isSyncDenial(error as never)
        return denial
          ? events.length === 1 && events[0]?.type === 'sync.denied'
          : events.length === 0
      }),
      { numRuns: RUNS },
    )
  })
})
