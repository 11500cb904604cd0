import {
  ClaimsError,
  type ClaimsErrorCode,
  type DistributedClaimsResolver,
  type GroupsClaimState,
} from '@groupsync/claims'
import { compareCodeUnits, type MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { createMembershipAdmin, isSyncDenial, syncOnLogin, type SyncPolicy } from '@groupsync/sync'
import { isLeft, type Either } from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import type { PortAnswer } from './serve.js'
import {
  SyncInputCodec,
  type SyncAdminInput,
  type SyncInput,
  type SyncLoginInput,
  type SyncState,
} from './sync-input.js'
import {
  eventOf,
  failure,
  freshnessResult,
  iso,
  loginResult,
  type Ids,
  type Output,
} from './sync-results.js'

// The TypeScript implementation's answer to a `sync` request (docs/rules.md, "Sync vector
// format"): the vector's state put into an org of a store through the store's ports, the login or
// admin operation run through @groupsync/sync, and what it did written in the vector's terms
// (sync-results.ts). The port runs it on a fresh memory store per request; the conformance
// package's own tests run every sync vector with it on each store (memory, PGlite, a server).

/**
 * A store to run sync cases on, and how to make it record a user's removal at a given time: the
 * memory store reads its `now` option; a store that takes the time from the system clock runs
 * `work` with that clock set.
 */
export interface VectorStore {
  readonly store: MembershipStore
  /** Runs `work` with the store's removal clock at `time`, and puts the clock back after. */
  readonly atTime: <A>(time: Date, work: () => Promise<A>) => Promise<A>
  readonly dispose: () => Promise<void>
}

/** A fresh memory store whose `now` option is the removal clock (the real time when not set). */
export function memoryVectorStore(): VectorStore {
  let clock: Date | undefined
  const store = createMemoryMembershipStore({
    now: () => new Date((clock ?? new Date()).getTime()),
  })
  return {
    store,
    atTime: async (time, work) => {
      clock = time
      try {
        return await work()
      } finally {
        clock = undefined
      }
    },
    dispose: () => store.close(),
  }
}

/**
 * The state put into `orgId` through the store's ports, in an order that lets each step happen:
 * groups; each removal at its time (after a last sync, so there is something to remove); manual
 * memberships while mapping is still off; sync memberships and last syncs in a login's unit of
 * work, user by user in code-unit order; the settings last.
 */
async function seed(target: VectorStore, orgId: string, state: SyncState): Promise<Ids> {
  const { store } = target
  const ids = new Map<string, string>()
  for (const group of state.groups)
    ids.set(group.id, (await store.createGroup(orgId, group.name)).id)
  const back = new Map([...ids].map(([vectorId, storeId]) => [storeId, vectorId]))
  const toStore = (id: string): string => {
    const storeId = ids.get(id)
    if (storeId === undefined) throw new TypeError(`the state has no group ${id}`)
    return storeId
  }
  for (const { userId, removedAt } of state.removals ?? []) {
    const at = new Date(removedAt)
    await store.withLoginSync(orgId, userId, [], () => ({
      changes: { add: [], remove: [], audit: [], syncedAt: at },
      result: null,
    }))
    await target.atTime(at, () => store.removeUser(orgId, userId))
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
  for (const userId of [...users].sort(compareCodeUnits)) {
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
  // Stored even when equal to the defaults: an org that stored settings is configured (rule S1).
  const { settings } = state
  if (settings !== undefined) await store.updateOrgSettings(orgId, () => ({ settings, audit: [] }))
  // An id the store did not make for this state is shown as such, never passed off as a vector's.
  return { toStore: (id) => ids.get(id) ?? id, toVector: (id) => back.get(id) ?? `?${id}` }
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
  target: VectorStore,
  orgId: string,
  input: SyncAdminInput,
  ids: Ids,
): Promise<Output> {
  const service = createMembershipAdmin({ store: target.store })
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
      const outcome = await target.atTime(new Date(input.now), () =>
        service.removeUser(orgId, op.userId, by)(),
      )
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

/** The audit events the case appended after `afterSeq`, in the vector's terms. */
async function appendedEvents(
  store: MembershipStore,
  orgId: string,
  afterSeq: number,
  input: SyncLoginInput | SyncAdminInput,
  ids: Ids,
): Promise<Output[]> {
  const appended = await store.listAuditEvents(orgId, { afterSeq })
  if (!('admin' in input && input.admin.operation === 'removeUser')) {
    return appended.map((e) => eventOf(e, ids))
  }
  // An offboarding writes its membership.removed events first, by group id: the store's order is
  // checked, then they are put in the order of the vector's ids, as if the store had made those.
  const removals = appended.filter((e) => e.type === 'membership.removed')
  const storeOrder = removals.map((e) => e.groupId ?? '')
  if (storeOrder.join('\u0000') !== [...storeOrder].sort(compareCodeUnits).join('\u0000')) {
    throw new Error('removeUser wrote its membership.removed events out of group-id order')
  }
  const events = appended.map((e) => eventOf(e, ids))
  const inVectorOrder = events.slice(0, removals.length)
  inVectorOrder.sort((a, b) => compareCodeUnits(String(a['groupId']), String(b['groupId'])))
  events.splice(0, removals.length, ...inVectorOrder)
  return events
}

/** The input decoded, or a TypeError naming the path of what is wrong. */
function decodeSyncInput(input: unknown): SyncInput {
  const decoded = SyncInputCodec.decode(input)
  if (isLeft(decoded)) {
    // The runner sends what the vector file holds, and the vectors are checked against their
    // schema: an input of another shape is a broken runner or vector, so the port stops on it.
    throw new TypeError(
      `a sync input of the wrong shape: ${PathReporter.report(decoded).join('; ')}`,
    )
  }
  return decoded.right
}

/**
 * The answer of the TypeScript implementation to a `sync` request, on the org `orgId` of
 * `target` (which must not have it yet): `{result}` for a freshness case; for a store case, also
 * every named user's memberships and last sync afterwards, the audit events the case appended and
 * the settings. The store makes its own group ids: they are written back as the vector's, and the
 * lists ordered by group id (memberships, an offboarding's `membership.removed` events) are put
 * in the order of the vector's ids.
 */
export async function answerSyncOn(
  target: VectorStore,
  orgId: string,
  input: unknown,
): Promise<PortAnswer> {
  const given = decodeSyncInput(input)
  if ('freshness' in given) return { output: { result: freshnessResult(given) } }
  const { store } = target
  const ids = await seed(target, orgId, given.state)
  const before = (await store.listAuditEvents(orgId)).at(-1)?.seq ?? 0
  const result =
    'login' in given
      ? await login(store, orgId, given, ids)
      : await admin(target, orgId, given, ids)
  const events = await appendedEvents(store, orgId, before, given, ids)
  const memberships: Output = {}
  const lastSync: Output = {}
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
    output: {
      result,
      memberships,
      events,
      lastSync,
      settings: settings === null ? null : { ...settings },
    },
  }
}

/** The TypeScript port's answer to a `sync` request: {@link answerSyncOn} a fresh memory store. */
export async function answerSync(input: unknown): Promise<PortAnswer> {
  const target = memoryVectorStore()
  try {
    return await answerSyncOn(target, 'org', input)
  } finally {
    await target.dispose()
  }
}
