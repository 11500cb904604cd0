import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  ClaimsError,
  decodeWith,
  strictObject,
  type ClaimsErrorCode,
  type DistributedClaimsResolver,
  type GroupsClaimState,
} from '@groupsync/claims'
import {
  compareCodeUnits,
  type AuditEvent,
  type MembershipStore,
  type OrgSettings,
} from '@groupsync/core'
import * as TE from 'fp-ts/lib/TaskEither.js'
import * as t from 'io-ts'
import {
  createFreshnessGuard,
  createMembershipAdmin,
  isSyncDenial,
  syncOnLogin,
  type ClaimSummary,
  type LoginSyncError,
  type MembershipAdminError,
  type SyncDeps,
  type SyncPolicy,
  type SyncResult,
} from '../../src/index.js'

// The scenario vectors of Part 3 (docs/vectors/sync-*.json, "Sync vector format" in
// docs/rules.md): read with strict codecs, the state seeded through a store's public ports, the
// login or admin operation run through the sync's public API, and what it did written back in the
// vectors' own terms (their group ids, ISO times) so that it compares with `expected` exactly.

const VECTORS_DIR = fileURLToPath(new URL('../../../../docs/vectors/', import.meta.url))

/** An instant as `Date.prototype.toISOString` writes it, the only spelling the vectors use. */
const isIsoTime = (u: unknown): u is string =>
  typeof u === 'string' &&
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(u) &&
  !Number.isNaN(Date.parse(u)) &&
  new Date(u).toISOString() === u
const IsoTime = new t.Type<string, string>(
  'an ISO 8601 UTC time with milliseconds',
  isIsoTime,
  (u, c) => (isIsoTime(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

const MatchModeCodec = t.union([t.literal('exact'), t.literal('case-insensitive')])
const SettingsCodec = strictObject(
  t.type({ manageGroupMemberships: t.boolean, matchMode: MatchModeCodec }),
  'Settings',
)
const SourceCodec = t.union([t.literal('sync'), t.literal('manual')])

const StateCodec = strictObject(
  t.intersection([
    t.type({
      settings: SettingsCodec,
      groups: t.array(strictObject(t.type({ id: t.string, name: t.string }), 'Group')),
    }),
    t.partial({
      memberships: t.array(
        strictObject(
          t.type({ userId: t.string, groupId: t.string, source: SourceCodec }),
          'Membership',
        ),
      ),
      lastSync: t.array(
        strictObject(
          t.type({
            userId: t.string,
            syncedAt: IsoTime,
            tokenIssuedAt: t.union([IsoTime, t.null]),
          }),
          'LastSync',
        ),
      ),
      removals: t.array(strictObject(t.type({ userId: t.string, removedAt: IsoTime }), 'Removal')),
    }),
  ]),
  'State',
)

const LoginCodec = strictObject(
  t.intersection([
    t.type({ userId: t.string, claims: t.unknown }),
    t.partial({ userinfo: t.unknown, accessToken: t.string }),
  ]),
  'Login',
)

const ResolverCodec = t.union([
  strictObject(t.type({ answer: t.UnknownRecord }), 'ResolverAnswer'),
  strictObject(
    t.type({
      error: strictObject(
        t.intersection([t.type({ code: t.string }), t.partial({ value: t.string })]),
        'ResolverError',
      ),
    }),
    'ResolverFailure',
  ),
])

const actor = { actor: t.string }
const AdminCodec = t.union([
  strictObject(
    t.intersection([
      t.type({
        operation: t.union([t.literal('addMember'), t.literal('removeMember')]),
        groupId: t.string,
        userId: t.string,
      }),
      t.partial(actor),
    ]),
    'ManualChange',
  ),
  strictObject(
    t.intersection([
      t.type({ operation: t.literal('removeUser'), userId: t.string }),
      t.partial(actor),
    ]),
    'RemoveUser',
  ),
  strictObject(
    t.intersection([
      t.type({ operation: t.literal('setManageGroupMemberships'), enabled: t.boolean }),
      t.partial(actor),
    ]),
    'SetMapping',
  ),
  strictObject(
    t.intersection([
      t.type({ operation: t.literal('setMatchMode'), matchMode: MatchModeCodec }),
      t.partial(actor),
    ]),
    'SetMatchMode',
  ),
  strictObject(
    t.type({ operation: t.literal('listStaleMembers'), olderThan: IsoTime }),
    'ListStale',
  ),
])

const LoginInputCodec = strictObject(
  t.intersection([
    t.type({ state: StateCodec, now: IsoTime, login: LoginCodec }),
    t.partial({ policy: t.unknown, resolver: ResolverCodec }),
  ]),
  'LoginInput',
)
const AdminInputCodec = strictObject(
  t.type({ state: StateCodec, now: IsoTime, admin: AdminCodec }),
  'AdminInput',
)
const FreshnessInputCodec = strictObject(
  t.type({
    freshness: strictObject(
      t.type({ lastSyncedAt: t.union([IsoTime, t.null]), now: IsoTime, limits: t.unknown }),
      'Freshness',
    ),
  }),
  'FreshnessInput',
)

const EventCodec = strictObject(
  t.intersection([
    t.type({ type: t.string }),
    t.partial({
      userId: t.string,
      groupId: t.string,
      groupName: t.string,
      source: SourceCodec,
      actor: t.string,
      claimDigest: t.string,
      detail: t.UnknownRecord,
    }),
  ]),
  'Event',
)
const ResultCodec = t.intersection([t.type({ status: t.string }), t.UnknownRecord])

const StoreExpectedCodec = strictObject(
  t.intersection([
    t.type({
      result: ResultCodec,
      memberships: t.record(
        t.string,
        t.array(strictObject(t.type({ groupId: t.string, source: SourceCodec }), 'Held')),
      ),
      events: t.array(EventCodec),
      lastSync: t.record(
        t.string,
        t.union([
          t.null,
          strictObject(
            t.type({ syncedAt: IsoTime, tokenIssuedAt: t.union([IsoTime, t.null]) }),
            'LastSyncAfter',
          ),
        ]),
      ),
    }),
    t.partial({ settings: SettingsCodec }),
  ]),
  'StoreExpected',
)
const FreshnessExpectedCodec = strictObject(t.type({ result: ResultCodec }), 'FreshnessExpected')

const VectorCodec = strictObject(
  t.type({
    name: t.string,
    rule: t.string,
    input: t.union([LoginInputCodec, AdminInputCodec, FreshnessInputCodec]),
    expected: t.union([StoreExpectedCodec, FreshnessExpectedCodec]),
  }),
  'SyncVector',
)
const FileCodec = strictObject(
  t.type({ $schema: t.string, description: t.string, vectors: t.array(VectorCodec) }),
  'SyncVectorFile',
)

export type SyncVector = t.TypeOf<typeof VectorCodec>
type State = t.TypeOf<typeof StateCodec>
type LoginInput = t.TypeOf<typeof LoginInputCodec>
type AdminInput = t.TypeOf<typeof AdminInputCodec>
type FreshnessInput = t.TypeOf<typeof FreshnessInputCodec>
type StoreExpected = t.TypeOf<typeof StoreExpectedCodec>
type Event = t.TypeOf<typeof EventCodec>
type Held = StoreExpected['memberships'][string][number]
type LastSyncAfter = StoreExpected['lastSync'][string]

const decodeFile = decodeWith(FileCodec, (failure) => {
  const where = `/${failure.path.join('/')}`
  return new Error(
    failure.kind === 'unknown-key'
      ? `${where}: no such member (known: ${failure.known.join(', ')})`
      : `${where}: expected ${failure.expected}`,
  )
})

/** Every `sync-*.json` vector file, decoded strictly (a misspelt member is an error, not a default). */
export function loadSyncVectors(): {
  readonly file: string
  readonly vectors: readonly SyncVector[]
}[] {
  return readdirSync(VECTORS_DIR)
    .filter((file) => /^sync-.*\.json$/.test(file) && file !== 'sync-schema.json')
    .sort()
    .map((file) => {
      const decoded = decodeFile(JSON.parse(readFileSync(`${VECTORS_DIR}${file}`, 'utf8')))
      if (decoded._tag === 'Left') throw new Error(`${file}: ${decoded.left.message}`)
      return { file, vectors: decoded.right.vectors }
    })
}

/** Whether a vector needs a store that can be given the time of a user's removal. */
export const needsRemovalTime = (vector: SyncVector): boolean =>
  'state' in vector.input && (vector.input.state.removals ?? []).length > 0

/**
 * A store to run vectors on, and how to make it record a user's removal at a given time: the
 * memory store reads its `now` option; a store that takes the time from the system clock is run
 * with that clock set.
 */
export interface VectorStore {
  readonly store: MembershipStore
  readonly atTime: <A>(time: Date, work: () => Promise<A>) => Promise<A>
  readonly dispose: () => Promise<void>
}

/** What a vector's run produced, in the vectors' terms. */
export type Outcome = { readonly result: Readonly<Record<string, unknown>> } & Partial<
  Omit<StoreExpected, 'result'>
>

const iso = (d: Date): string => d.toISOString()

/** Every user a store vector is about: in its state, and the one its login or operation names. */
function usersOf(input: LoginInput | AdminInput): string[] {
  const { state } = input
  const named =
    'login' in input ? [input.login.userId] : 'userId' in input.admin ? [input.admin.userId] : []
  const users = new Set([
    ...(state.memberships ?? []).map((m) => m.userId),
    ...(state.lastSync ?? []).map((l) => l.userId),
    ...(state.removals ?? []).map((r) => r.userId),
    ...named,
  ])
  return [...users].sort(compareCodeUnits)
}

/**
 * Puts the vector's state into a fresh org through the store's ports, and returns the store's id
 * of each of the vector's group ids: groups with `createGroup`; each removal at its time with
 * `removeUser` (after a last sync, so that there is something to remove); manual memberships with
 * `addManualMember` while mapping is still off; sync memberships and last syncs with
 * `withLoginSync`; the settings last, with `updateOrgSettings`.
 */
async function seed(
  target: VectorStore,
  orgId: string,
  state: State,
): Promise<Map<string, string>> {
  const { store } = target
  const ids = new Map<string, string>()
  for (const group of state.groups)
    ids.set(group.id, (await store.createGroup(orgId, group.name)).id)
  const idOf = (groupId: string): string => {
    const id = ids.get(groupId)
    if (id === undefined) throw new Error(`the state names a group ${groupId} it does not have`)
    return id
  }
  for (const removal of state.removals ?? []) {
    const removedAt = new Date(removal.removedAt)
    await store.withLoginSync(orgId, removal.userId, [], () => ({
      changes: { add: [], remove: [], audit: [], syncedAt: removedAt },
      result: null,
    }))
    await target.atTime(removedAt, () => store.removeUser(orgId, removal.userId))
  }
  const memberships = state.memberships ?? []
  for (const m of memberships.filter((m) => m.source === 'manual')) {
    await store.addManualMember(orgId, idOf(m.groupId), m.userId)
  }
  const names = new Map(state.groups.map((g) => [g.id, g.name]))
  const syncUsers = new Set([
    ...memberships.filter((m) => m.source === 'sync').map((m) => m.userId),
    ...(state.lastSync ?? []).map((l) => l.userId),
  ])
  for (const userId of [...syncUsers].sort(compareCodeUnits)) {
    const groups = memberships.filter((m) => m.source === 'sync' && m.userId === userId)
    const last = (state.lastSync ?? []).find((l) => l.userId === userId)
    await store.withLoginSync(
      orgId,
      userId,
      groups.map((m) => names.get(m.groupId) ?? ''),
      () => ({
        changes: {
          add: groups.map((m) => ({ groupId: idOf(m.groupId), source: 'sync' as const })),
          remove: [],
          audit: [],
          ...(last === undefined ? {} : { syncedAt: new Date(last.syncedAt) }),
          ...(last?.tokenIssuedAt == null ? {} : { tokenIssuedAt: new Date(last.tokenIssuedAt) }),
        },
        result: null,
      }),
    )
  }
  const wanted: OrgSettings = state.settings
  await store.updateOrgSettings(orgId, (current) =>
    current.manageGroupMemberships === wanted.manageGroupMemberships &&
    current.matchMode === wanted.matchMode
      ? null
      : { settings: wanted, audit: [] },
  )
  return ids
}

/** A resolver that answers every overage with the vector's canned answer. */
function cannedResolver(canned: NonNullable<LoginInput['resolver']>): DistributedClaimsResolver {
  if ('answer' in canned) {
    return { resolve: () => TE.right(canned.answer as unknown as GroupsClaimState) }
  }
  const { code, value } = canned.error
  const error = new ClaimsError(code as ClaimsErrorCode, 'the vector resolver fails', {
    ...(value === undefined ? {} : { value }),
  })
  return { resolve: () => TE.left(error) }
}

const claimOf = (claim: ClaimSummary): Record<string, unknown> => ({
  state: claim.state,
  source: claim.source,
  groups: [...claim.groups],
  droppedEmpty: claim.droppedEmpty,
  policy: claim.policy,
  digest: claim.digest,
  ...(claim.sent === undefined ? {} : { sent: [...claim.sent] }),
})

/** A failure as a vector's result: its status, its code, and a path when the error has one. */
const failureOf = (
  status: 'denied' | 'error',
  error: { code: string; path?: string | undefined },
) => ({
  status,
  code: error.code,
  ...(error.path === undefined ? {} : { path: error.path }),
})

function loginResult(
  result: SyncResult,
  vectorId: (storeId: string) => string,
): Record<string, unknown> {
  const ids = (groups: readonly { readonly id: string }[]) => groups.map((g) => vectorId(g.id))
  switch (result.status) {
    case 'disabled':
      return { status: 'disabled' }
    case 'kept':
      return { status: 'kept', claim: claimOf(result.claim) }
    case 'stale':
      return {
        status: 'stale',
        claim: claimOf(result.claim),
        tokenIssuedAt: iso(result.tokenIssuedAt),
        ...(result.cause === 'older-than-last-sync'
          ? { cause: result.cause, lastTokenIssuedAt: iso(result.lastTokenIssuedAt) }
          : { cause: result.cause, removedAt: iso(result.removedAt) }),
      }
    case 'synced':
      return {
        status: 'synced',
        claim: claimOf(result.claim),
        removalMode: result.removalMode,
        diff: {
          toAdd: ids(result.diff.toAdd),
          toRemove: ids(result.diff.toRemove),
          unchanged: ids(result.diff.unchanged),
          unmatchedClaims: [...result.diff.unmatchedClaims],
          caseOnlyMatches: result.diff.caseOnlyMatches.map((m) => ({
            claim: m.claim,
            group: vectorId(m.group.id),
          })),
        },
        added: ids(result.added),
        removed: ids(result.removed),
        keptManual: ids(result.keptManual),
        syncedAt: iso(result.syncedAt),
      }
  }
}

async function runLogin(
  store: MembershipStore,
  orgId: string,
  input: LoginInput,
  vectorId: (storeId: string) => string,
): Promise<Record<string, unknown>> {
  const { login } = input
  const now = new Date(input.now)
  const deps: SyncDeps = {
    store,
    clock: () => new Date(now.getTime()),
    ...(input.policy === undefined ? {} : { policy: () => input.policy as SyncPolicy }),
    ...(input.resolver === undefined ? {} : { resolver: cannedResolver(input.resolver) }),
  }
  const result = await syncOnLogin(
    {
      orgId,
      userId: login.userId,
      claims: login.claims as Readonly<Record<string, unknown>>,
      ...('userinfo' in login ? { userinfo: login.userinfo } : {}),
      ...(login.accessToken === undefined ? {} : { accessToken: login.accessToken }),
    },
    deps,
  )()
  if (result._tag === 'Left') {
    const error: LoginSyncError = result.left
    return failureOf(isSyncDenial(error) ? 'denied' : 'error', error)
  }
  return loginResult(result.right, vectorId)
}

async function runAdmin(
  target: VectorStore,
  orgId: string,
  input: AdminInput,
  storeId: (vectorId: string) => string,
): Promise<Record<string, unknown>> {
  const admin = createMembershipAdmin({ store: target.store })
  const { admin: operation } = input
  const by = 'actor' in operation ? { actor: operation.actor } : {}
  const ok = <A>(
    outcome: { _tag: 'Left'; left: MembershipAdminError } | { _tag: 'Right'; right: A },
    shape: (a: A) => Record<string, unknown>,
  ) =>
    outcome._tag === 'Left'
      ? failureOf('error', outcome.left)
      : { status: 'ok', ...shape(outcome.right) }
  switch (operation.operation) {
    case 'addMember':
    case 'removeMember': {
      const change = operation.operation === 'addMember' ? admin.addMember : admin.removeMember
      const outcome = await change(orgId, storeId(operation.groupId), operation.userId, by)()
      return ok(outcome, (changed) => ({ changed }))
    }
    case 'removeUser': {
      const outcome = await target.atTime(new Date(input.now), () =>
        admin.removeUser(orgId, operation.userId, by)(),
      )
      return ok(outcome, (r) => ({ removed: r.removed, memberships: r.memberships }))
    }
    case 'setManageGroupMemberships':
      return ok(await admin.setManageGroupMemberships(orgId, operation.enabled, by)(), (c) => ({
        changed: c.changed,
        settings: { ...c.settings },
      }))
    case 'setMatchMode':
      return ok(await admin.setMatchMode(orgId, operation.matchMode, by)(), (c) => ({
        changed: c.changed,
        settings: { ...c.settings },
      }))
    case 'listStaleMembers':
      return ok(await admin.listStaleMembers(orgId, new Date(operation.olderThan))(), (stale) => ({
        staleMembers: stale.map((s) => ({ userId: s.userId, lastSyncedAt: iso(s.lastSyncedAt) })),
      }))
  }
}

function freshnessResult(input: FreshnessInput): Record<string, unknown> {
  const { lastSyncedAt, now, limits } = input.freshness
  const guard = createFreshnessGuard(limits as { maxAgeMs: number })
  if (guard._tag === 'Left') return failureOf('error', guard.left)
  const freshness = guard.right.check(
    lastSyncedAt === null ? null : new Date(lastSyncedAt),
    new Date(now),
  )
  switch (freshness.status) {
    case 'never-synced':
      return { status: 'never-synced' }
    case 'fresh':
      return { status: 'fresh', ageMs: freshness.ageMs }
    case 'stale':
      return { status: 'stale', reason: freshness.reason, ageMs: freshness.ageMs }
  }
}

/** An appended audit event in the vectors' terms: the seq, time and org left out. */
function eventOf(event: AuditEvent, vectorId: (storeId: string) => string): Event {
  return {
    type: event.type,
    ...(event.userId === undefined ? {} : { userId: event.userId }),
    ...(event.groupId === undefined ? {} : { groupId: vectorId(event.groupId) }),
    ...(event.groupName === undefined ? {} : { groupName: event.groupName }),
    ...(event.source === undefined ? {} : { source: event.source }),
    ...(event.actor === undefined ? {} : { actor: event.actor }),
    ...(event.claimDigest === undefined ? {} : { claimDigest: event.claimDigest }),
    ...(event.detail === undefined ? {} : { detail: { ...event.detail } }),
  }
}

const byGroupId = (a: Held, b: Held): number => compareCodeUnits(a.groupId, b.groupId)

/**
 * Runs one vector: a freshness case directly; a store case on a fresh org of `target` — seed, act,
 * then read back the users' memberships and last syncs, the events appended and the settings.
 * Lists the rules order by group id (memberships, an offboarding's `membership.removed` events)
 * are put in the order of the vector's ids, as if the store had made those; that the store kept
 * its own ids in that order is checked here.
 */
export async function runSyncVector(
  target: VectorStore,
  orgId: string,
  vector: SyncVector,
): Promise<Outcome> {
  const { input } = vector
  if ('freshness' in input) return { result: freshnessResult(input) }
  const { store } = target
  const ids = await seed(target, orgId, input.state)
  const toVector = new Map([...ids].map(([v, s]) => [s, v]))
  const vectorId = (storeId: string): string => toVector.get(storeId) ?? `?${storeId}`
  const storeId = (id: string): string => ids.get(id) ?? id
  const before = (await store.listAuditEvents(orgId)).at(-1)?.seq ?? 0

  const result =
    'login' in input
      ? await runLogin(store, orgId, input, vectorId)
      : await runAdmin(target, orgId, input, storeId)

  const appended = await store.listAuditEvents(orgId, { afterSeq: before })
  const removalRun = appended.filter((e) => e.type === 'membership.removed')
  if ('admin' in input && input.admin.operation === 'removeUser') {
    const storeOrder = removalRun.map((e) => e.groupId ?? '')
    const sorted = [...storeOrder].sort(compareCodeUnits)
    if (storeOrder.join('\u0000') !== sorted.join('\u0000')) {
      throw new Error(`removeUser wrote its membership.removed events out of group-id order`)
    }
  }
  const events = appended.map((e) => eventOf(e, vectorId))
  if ('admin' in input && input.admin.operation === 'removeUser') {
    // A removal's membership.removed events come first, by group id: re-ordered by the vector's.
    const removed = events.filter((e) => e.type === 'membership.removed')
    removed.sort((a, b) => compareCodeUnits(a.groupId ?? '', b.groupId ?? ''))
    events.splice(0, removed.length, ...removed)
  }

  const memberships: Record<string, Held[]> = {}
  const lastSync: Record<string, LastSyncAfter> = {}
  for (const userId of usersOf(input)) {
    memberships[userId] = (await store.listUserMemberships(orgId, userId))
      .map((m) => ({ groupId: vectorId(m.groupId), source: m.source }))
      .sort(byGroupId)
    const last = await store.readLastSync(orgId, userId)
    lastSync[userId] =
      last === null
        ? null
        : {
            syncedAt: iso(last.lastSyncedAt),
            tokenIssuedAt: last.lastTokenIssuedAt === null ? null : iso(last.lastTokenIssuedAt),
          }
  }
  const settings = await store.getOrgSettings(orgId)
  return { result, memberships, events, lastSync, settings: { ...settings } }
}

const pick = (
  actual: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): Record<string, unknown> =>
  Object.fromEntries(
    keys.filter((key) => Object.hasOwn(actual, key)).map((key) => [key, actual[key]]),
  )

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * The outcome as the vector format compares it with `expected` (docs/rules.md, "Sync vector
 * format"): a failure's result by `status`, `code` and the members the vector gives; each event by
 * the members the vector gives (its `detail` member by member); `settings` when the vector gives
 * it; everything else exactly. Compare the value returned with `expected` for deep equality.
 */
export function asCompared(expected: SyncVector['expected'], outcome: Outcome): Outcome {
  const status = expected.result['status']
  const result =
    status === 'denied' || status === 'error'
      ? pick(outcome.result, Object.keys(expected.result))
      : outcome.result
  if (!('events' in expected)) return { result }
  const actualEvents = outcome.events ?? []
  const events =
    actualEvents.length !== expected.events.length
      ? actualEvents
      : actualEvents.map((actual, i) => {
          const wanted = expected.events[i] as Event
          const shown = pick(actual, Object.keys(wanted)) as Event
          return isRecord(wanted.detail) && isRecord(actual.detail)
            ? { ...shown, detail: pick(actual.detail, Object.keys(wanted.detail)) }
            : shown
        })
  const { settings, ...rest } = outcome
  return {
    ...rest,
    result,
    events,
    ...(expected.settings === undefined || settings === undefined ? {} : { settings }),
  }
}
