import {
  sliceKey,
  storeTimeout,
  type AdapterCall,
  type AuditEventInput,
  type LoginSyncAdapter,
  type MembershipSource,
  type MembershipStoreAdapter,
  type OrgSettings,
  type StoreLimits,
  type StoredGroup,
} from '@groupsync/core'
import { randomUUID } from 'node:crypto'
import type { TestOnlyFaultHook } from '../../src/internal/context.js'
import type { LoginSyncSeed } from '../../src/index.js'

// An application's own tables, as plain maps: the smallest login-sync adapter that passes the
// suite, and the seed that sets its tables up. What an adopter writes over their database.

interface Member {
  readonly source: MembershipSource
  readonly createdAt: Date | null
}

/** The application's tables. */
export interface MapTables {
  /** What the tables keep: the kinds of their ids, the longest name; undefined: the defaults. */
  readonly limits: StoreLimits | undefined
  /** Whether the tables keep creation times. */
  readonly times: boolean
  readonly groups: Map<string, Map<string, StoredGroup>>
  readonly settings: Map<string, OrgSettings>
  /** [orgId, userId] → groupId → membership. */
  readonly members: Map<string, ReadonlyMap<string, Member>>
  readonly lastSync: Map<string, { readonly at: Date; readonly token: Date | null }>
  readonly audit: Map<string, AuditEventInput[]>
  /** [orgId, userId] → when the user was last removed. */
  readonly removedAt: Map<string, Date>
}

export const mapTables = (
  options: { readonly limits?: StoreLimits; readonly times?: boolean } = {},
): MapTables => ({
  limits: options.limits,
  times: options.times ?? true,
  groups: new Map(),
  settings: new Map(),
  members: new Map(),
  lastSync: new Map(),
  audit: new Map(),
  removedAt: new Map(),
})

const userKey = (orgId: string, userId: string) => JSON.stringify([orgId, userId])

/** One unit of work per key at a time; a call whose signal aborts while it waits gives up. */
const keyedQueue = () => {
  const tails = new Map<string, Promise<void>>()
  return async <A>(key: string, signal: AbortSignal | undefined, fn: () => Promise<A>) => {
    const previous = tails.get(key) ?? Promise.resolve()
    let release: () => void = () => undefined
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => mine)
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          reject(storeTimeout('loginUnit', signal?.reason))
        }
        if (signal?.aborted === true) {
          onAbort()
          return
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        void previous.then(() => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        })
      })
      return await fn()
    } finally {
      release()
    }
  }
}

/**
 * A login-sync adapter over the tables, with a removal unit under the same per-user queue; `hook`
 * is called between the steps of a write.
 */
export const mapLoginAdapter = (
  t: MapTables,
  hook: TestOnlyFaultHook = () => undefined,
): LoginSyncAdapter & Pick<MembershipStoreAdapter, 'removeUserUnit'> => {
  const queue = keyedQueue()
  return {
    ...(t.limits !== undefined && { limits: t.limits }),
    readSettings: (orgId) => Promise.resolve(t.settings.get(orgId) ?? null),
    readLastSync: (orgId, userId) => {
      const last = t.lastSync.get(userKey(orgId, userId))
      return Promise.resolve(
        last === undefined ? null : { lastSyncedAt: last.at, lastTokenIssuedAt: last.token },
      )
    },
    loginUnit: (orgId, userId, sliceKeys, work, call: AdapterCall) =>
      queue(userKey(orgId, userId), call.signal, async () => {
        const keys = new Set(sliceKeys)
        const groups = t.groups.get(orgId) ?? new Map<string, StoredGroup>()
        const mine = t.members.get(userKey(orgId, userId)) ?? new Map<string, Member>()
        const last = t.lastSync.get(userKey(orgId, userId))
        const { changes, result } = work({
          settings: t.settings.get(orgId) ?? null,
          groups: [...groups.values()].filter((g) => keys.has(sliceKey(g.name)) || mine.has(g.id)),
          memberships: [...mine].map(([groupId, m]) => ({ orgId, groupId, userId, ...m })),
          lastSyncedAt: last?.at ?? null,
          lastTokenIssuedAt: last?.token ?? null,
          removedAt: t.removedAt.get(userKey(orgId, userId)) ?? null,
        })
        if (changes === null) return result
        // Written to drafts between the fault points, published at once at the end.
        const draft = new Map(mine)
        for (const id of changes.remove) draft.delete(id)
        await hook('login:after-remove')
        const now = t.times ? new Date() : null
        for (const { groupId, source } of changes.add) {
          if (!draft.has(groupId)) draft.set(groupId, { source, createdAt: now })
        }
        await hook('login:after-add')
        const audit = [...(t.audit.get(orgId) ?? []), ...structuredClone(changes.audit)]
        await hook('login:before-commit')
        if (call.signal?.aborted === true) throw storeTimeout('loginUnit', call.signal.reason)
        t.members.set(userKey(orgId, userId), draft)
        t.audit.set(orgId, audit)
        if (changes.syncedAt !== undefined) {
          t.lastSync.set(userKey(orgId, userId), {
            at: changes.syncedAt,
            token: changes.tokenIssuedAt ?? last?.token ?? null,
          })
        }
        return result
      }),
    removeUserUnit: (orgId, userId, work, call: AdapterCall) =>
      queue(userKey(orgId, userId), call.signal, () => {
        const key = userKey(orgId, userId)
        const groups = t.groups.get(orgId) ?? new Map<string, StoredGroup>()
        const mine = [...(t.members.get(key) ?? new Map<string, Member>())]
        const { write, result } = work({
          memberships: mine.map(([groupId, m]) => ({
            orgId,
            groupId,
            userId,
            ...m,
            groupName: groups.get(groupId)?.name ?? '',
          })),
          hasLastSync: t.lastSync.has(key),
        })
        if (write !== null) {
          t.members.delete(key)
          t.lastSync.delete(key)
          t.removedAt.set(key, write.removedAt)
          t.audit.set(orgId, [...(t.audit.get(orgId) ?? []), ...structuredClone(write.audit)])
        }
        return Promise.resolve(result)
      }),
  }
}

let nextId = 0

/** The seed of the tables: direct writes, as an application's fixtures would make them. */
export const mapSeed = (t: MapTables, withAudit: boolean): LoginSyncSeed => ({
  createGroup: (orgId, name) => {
    const groups = t.groups.get(orgId) ?? new Map<string, StoredGroup>()
    t.groups.set(orgId, groups)
    if ([...groups.values()].some((g) => g.name === name)) {
      return Promise.reject(new Error(`seed: ${orgId} already has a group ${name}`))
    }
    nextId += 1
    const kind = t.limits?.ids.group ?? 'text'
    const id =
      kind === 'uuid'
        ? randomUUID()
        : kind === 'integer' || kind === 'bigint'
          ? `${nextId}`
          : `team-${nextId}`
    groups.set(id, { orgId, id, name, createdAt: t.times ? new Date() : null })
    return Promise.resolve({ id })
  },
  setSettings: (orgId, settings) => {
    t.settings.set(orgId, { ...settings })
    return Promise.resolve()
  },
  addMembership: (orgId, groupId, userId, source) => {
    const key = userKey(orgId, userId)
    const createdAt = t.times ? new Date() : null
    t.members.set(key, new Map(t.members.get(key)).set(groupId, { source, createdAt }))
    return Promise.resolve()
  },
  listMemberships: (orgId, userId) =>
    Promise.resolve(
      [...(t.members.get(userKey(orgId, userId)) ?? [])].map(([groupId, m]) => ({
        groupId,
        source: m.source,
      })),
    ),
  ...(withAudit && { listAuditEvents: (orgId) => Promise.resolve(t.audit.get(orgId) ?? []) }),
})
