import {
  ClaimsError,
  type ClaimsErrorCode,
  type DistributedClaimsResolver,
  type GroupsClaimState,
} from '@groupsync/claims'
import {
  compareCodeUnits,
  type AuditEvent,
  type MembershipStore,
} from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import {
  createFreshnessGuard,
  createMembershipAdmin,
  isSyncDenial,
  syncOnLogin,
  type ClaimSummary,
  type FreshnessLimits,
  type SyncPolicy,
  type SyncResult,
} from '@groupsync/sync'
import { isLeft, type Either } from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import type { PortAnswer } from './serve.js'
import {
  SyncInputCodec,
  type SyncAdminInput,
  type SyncFreshnessInput,
  type SyncLoginInput,
  type SyncState,
} from './sync-input.js'

// The TypeScript implementation's answer to a `sync` request (docs/rules.md, "Sync vector
// format"): a fresh memory store, the vector's state put in through the store's ports, the login
// or admin operation run through @groupsync/sync, and what it did written in the vector's terms.

type Output = Record<string, unknown>

const iso = (d: Date): string => d.toISOString()

/** The store's ids and the vector's, both ways. */
interface Ids {
  readonly toStore: (vectorId: string) => string
  readonly toVector: (storeId: string) => string
}

/**
 * The state put into `orgId` through the store's ports, in an order that lets each step happen:
 * groups; each removal at its time (after a last sync, so there is something to remove); manual
 * memberships while mapping is still off; sync memberships and last syncs in a login's unit of
 * work; the settings last.
 */
async function seed(
  store: MembershipStore,
  orgId: string,
  state: SyncState,
  setClock: (time: Date | undefined) => void,
): Promise<Ids> {
  const ids = new Map<string, string>()
  for (const group of state.groups)
    ids.set(group.id, (await store.createGroup(orgId, group.name)).id)
  const back = new Map([...ids].map(([vectorId, storeId]) => [storeId, vectorId]))
  const toStore = (id: string): string => ids.get(id) ?? id
  for (const { userId, removedAt } of state.removals ?? []) {
    const at = new Date(removedAt)
    await store.withLoginSync(orgId, userId, [], () => ({
      changes: { add: [], remove: [], audit: [], syncedAt: at },
      result: null,
    }))
    setClock(at)
    await store.removeUser(orgId, userId)
    setClock(undefined)
  }
  const memberships = state.memberships ?? []
  for (const m of memberships) {
    if (m.source === 'manual') await store.addManualMember(orgId, toStore(m.groupId), m.userId)
  }
  const nameOf = new Map(state.groups.map((g) => [g.id, g.name]))
  const lastSyncs = state.lastSync ?? []
  const users = new Set([
    ...memberships.filter((m) => m.source === 'sync').map((m) => m.userId),
    ...lastSyncs.map((l) => l.userId),
  ])
  for (const userId of users) {
    const groups = memberships
      .filter((m) => m.source === 'sync' && m.userId === userId)
      .map((m) => m.groupId)
    const last = lastSyncs.find((l) => l.userId === userId)
    await store.withLoginSync(
      orgId,
      userId,
      groups.map((id) => nameOf.get(id) ?? ''),
      () => ({
        changes: {
          add: groups.map((id) => ({ groupId: toStore(id), source: 'sync' as const })),
          remove: [],
          audit: [],
          ...(last === undefined ? {} : { syncedAt: new Date(last.syncedAt) }),
          ...(last?.tokenIssuedAt == null ? {} : { tokenIssuedAt: new Date(last.tokenIssuedAt) }),
        },
        result: null,
      }),
    )
  }
  const { settings } = state
  await store.updateOrgSettings(orgId, (current) =>
    current.manageGroupMemberships === settings.manageGroupMemberships &&
    current.matchMode === settings.matchMode
      ? null
      : { settings, audit: [] },
  )
  return { toStore, toVector: (id) => back.get(id) ?? id }
}

function resolverOf(canned: NonNullable<SyncLoginInput['resolver']>): DistributedClaimsResolver {
  if ('answer' in canned) {
    const state = canned.answer as unknown as GroupsClaimState
    return { resolve: () => TE.right(state) }
  }
  const { code, value } = canned.error
  const error = new ClaimsError(code as ClaimsErrorCode, 'the canned resolver fails', {
    ...(value === undefined ? {} : { value }),
  })
  return { resolve: () => TE.left(error) }
}

const claimOf = (claim: ClaimSummary): Output => ({
  state: claim.state,
  source: claim.source,
  groups: [...claim.groups],
  droppedEmpty: claim.droppedEmpty,
  policy: claim.policy,
  digest: claim.digest,
  ...(claim.sent === undefined ? {} : { sent: [...claim.sent] }),
})

const failure = (
  status: 'denied' | 'error',
  error: { readonly code: string; readonly path?: string | undefined },
): Output => ({
  status,
  code: error.code,
  ...(error.path === undefined ? {} : { path: error.path }),
})

function loginResult(result: SyncResult, ids: Ids): Output {
  const list = (groups: readonly { readonly id: string }[]) => groups.map((g) => ids.toVector(g.id))
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
        cause: result.cause,
        ...(result.cause === 'older-than-last-sync'
          ? { lastTokenIssuedAt: iso(result.lastTokenIssuedAt) }
          : { removedAt: iso(result.removedAt) }),
      }
    case 'synced':
      return {
        status: 'synced',
        claim: claimOf(result.claim),
        removalMode: result.removalMode,
        diff: {
          toAdd: list(result.diff.toAdd),
          toRemove: list(result.diff.toRemove),
          unchanged: list(result.diff.unchanged),
          unmatchedClaims: [...result.diff.unmatchedClaims],
          caseOnlyMatches: result.diff.caseOnlyMatches.map((pair) => ({
            claim: pair.claim,
            group: ids.toVector(pair.group.id),
          })),
        },
        added: list(result.added),
        removed: list(result.removed),
        keptManual: list(result.keptManual),
        syncedAt: iso(result.syncedAt),
      }
  }
}

async function login(
  store: MembershipStore,
  orgId: string,
  input: SyncLoginInput,
  ids: Ids,
): Promise<Output> {
  const now = new Date(input.now)
  const { userId, claims, userinfo, accessToken } = input.login
  const outcome = await syncOnLogin(
    {
      orgId,
      userId,
      claims: claims as Readonly<Record<string, unknown>>,
      ...(Object.hasOwn(input.login, 'userinfo') ? { userinfo } : {}),
      ...(accessToken === undefined ? {} : { accessToken }),
    },
    {
      store,
      clock: () => new Date(now.getTime()),
      ...(input.policy === undefined ? {} : { policy: () => input.policy as SyncPolicy }),
      ...(input.resolver === undefined ? {} : { resolver: resolverOf(input.resolver) }),
    },
  )()
  if (outcome._tag === 'Left') {
    return failure(isSyncDenial(outcome.left) ? 'denied' : 'error', outcome.left)
  }
  return loginResult(outcome.right, ids)
}

async function admin(
  store: MembershipStore,
  orgId: string,
  input: SyncAdminInput,
  ids: Ids,
  setClock: (time: Date | undefined) => void,
): Promise<Output> {
  const service = createMembershipAdmin({ store })
  const op = input.admin
  const by = 'actor' in op ? { actor: op.actor } : {}
  const ok = <E extends { readonly code: string; readonly path?: string | undefined }, A>(
    outcome: Either<E, A>,
    shape: (a: A) => Output,
  ): Output =>
    outcome._tag === 'Left'
      ? failure('error', outcome.left)
      : { status: 'ok', ...shape(outcome.right) }
  const settingsChange = (c: { changed: boolean; settings: object }) => ({
    changed: c.changed,
    settings: { ...c.settings },
  })
  switch (op.operation) {
    case 'addMember':
      return ok(
        await service.addMember(orgId, ids.toStore(op.groupId), op.userId, by)(),
        (changed) => ({ changed }),
      )
    case 'removeMember':
      return ok(
        await service.removeMember(orgId, ids.toStore(op.groupId), op.userId, by)(),
        (changed) => ({ changed }),
      )
    case 'removeUser': {
      setClock(new Date(input.now))
      const outcome = await service.removeUser(orgId, op.userId, by)()
      setClock(undefined)
      return ok(outcome, (r) => ({ removed: r.removed, memberships: r.memberships }))
    }
    case 'setManageGroupMemberships':
      return ok(await service.setManageGroupMemberships(orgId, op.enabled, by)(), settingsChange)
    case 'setMatchMode':
      return ok(await service.setMatchMode(orgId, op.matchMode, by)(), settingsChange)
    case 'listStaleMembers':
      return ok(await service.listStaleMembers(orgId, new Date(op.olderThan))(), (stale) => ({
        staleMembers: stale.map((s) => ({ userId: s.userId, lastSyncedAt: iso(s.lastSyncedAt) })),
      }))
  }
}

function freshness(input: SyncFreshnessInput): Output {
  const { lastSyncedAt, now, limits } = input.freshness
  const guard = createFreshnessGuard(limits as FreshnessLimits)
  if (guard._tag === 'Left') return failure('error', guard.left)
  const checked = guard.right.check(
    lastSyncedAt === null ? null : new Date(lastSyncedAt),
    new Date(now),
  )
  switch (checked.status) {
    case 'never-synced':
      return { status: 'never-synced' }
    case 'fresh':
      return { status: 'fresh', ageMs: checked.ageMs }
    case 'stale':
      return { status: 'stale', reason: checked.reason, ageMs: checked.ageMs }
  }
}

const eventOf = (event: AuditEvent, ids: Ids): Output => ({
  type: event.type,
  ...(event.userId === undefined ? {} : { userId: event.userId }),
  ...(event.groupId === undefined ? {} : { groupId: ids.toVector(event.groupId) }),
  ...(event.groupName === undefined ? {} : { groupName: event.groupName }),
  ...(event.source === undefined ? {} : { source: event.source }),
  ...(event.actor === undefined ? {} : { actor: event.actor }),
  ...(event.claimDigest === undefined ? {} : { claimDigest: event.claimDigest }),
  ...(event.detail === undefined ? {} : { detail: event.detail }),
})

/** Every user a case names: in its state, and the user of its login or operation. */
function usersOf(input: SyncLoginInput | SyncAdminInput): string[] {
  const { state } = input
  const named =
    'login' in input ? [input.login.userId] : 'userId' in input.admin ? [input.admin.userId] : []
  return [
    ...new Set([
      ...(state.memberships ?? []).map((m) => m.userId),
      ...(state.lastSync ?? []).map((l) => l.userId),
      ...(state.removals ?? []).map((r) => r.userId),
      ...named,
    ]),
  ].sort(compareCodeUnits)
}

const byGroupId = (a: { readonly groupId: string }, b: { readonly groupId: string }): number =>
  compareCodeUnits(a.groupId, b.groupId)

/**
 * The answer of the TypeScript implementation to a `sync` request: `{result}` for a freshness
 * case; for a store case, also every named user's memberships and last sync afterwards, the audit
 * events the case appended and the settings. The memory store makes its own group ids: they are
 * written back as the vector's, and the lists ordered by group id (memberships, an offboarding's
 * `membership.removed` events) are put in the order of the vector's ids.
 */
export async function answerSync(input: unknown): Promise<PortAnswer> {
  const decoded = SyncInputCodec.decode(input)
  if (isLeft(decoded)) {
    // The runner sends what the vector file holds, and the vectors are checked against their
    // schema: an input of another shape is a broken runner or vector, so the port stops on it.
    throw new TypeError(
      `a sync input of the wrong shape: ${PathReporter.report(decoded).join('; ')}`,
    )
  }
  const given = decoded.right
  if ('freshness' in given) return { output: { result: freshness(given) } }
  let clock: Date | undefined
  const setClock = (time: Date | undefined): void => {
    clock = time
  }
  const store = createMemoryMembershipStore({
    now: () => new Date((clock ?? new Date()).getTime()),
  })
  try {
    const orgId = 'org'
    const ids = await seed(store, orgId, given.state, setClock)
    const before = (await store.listAuditEvents(orgId)).at(-1)?.seq ?? 0
    const result =
      'login' in given
        ? await login(store, orgId, given, ids)
        : await admin(store, orgId, given, ids, setClock)
    const appended = (await store.listAuditEvents(orgId, { afterSeq: before })).map((e) =>
      eventOf(e, ids),
    )
    const removals = appended.filter((e) => e['type'] === 'membership.removed')
    if ('admin' in given && given.admin.operation === 'removeUser') {
      // An offboarding writes its membership.removed events first, by group id.
      removals.sort((a, b) => compareCodeUnits(String(a['groupId']), String(b['groupId'])))
      appended.splice(0, removals.length, ...removals)
    }
    const memberships: Record<string, unknown> = {}
    const lastSync: Record<string, unknown> = {}
    for (const userId of usersOf(given)) {
      memberships[userId] = (await store.listUserMemberships(orgId, userId))
        .map((m) => ({ groupId: ids.toVector(m.groupId), source: m.source }))
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
    return {
      output: { result, memberships, events: appended, lastSync, settings: { ...settings } },
    }
  } finally {
    await store.close()
  }
}
