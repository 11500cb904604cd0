import {
  DEFAULT_ORG_SETTINGS,
  StoreError,
  assertAuditEvents,
  assertAuditQuery,
  assertMembershipSource,
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  assertUserSyncChanges,
  userSyncScope,
  groupNotFound,
  compareCodeUnits,
  compareGroups,
  type AuditEventInput,
  type OrgSettings,
  type MembershipStore,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from '@groupsync/core'
import { isRetryable, mapPgError } from './internal/map-pg-error.js'
import {
  auditArrays,
  auditEventFromRow,
  groupFromJson,
  jsonRows,
  membership,
  num,
  settingsFromRow,
  text,
  toGroup,
} from './internal/rows.js'
import { quoteSchema } from './internal/schema-name.js'
import { statements } from './internal/statements.js'
import type { SqlClient, SqlResult, SqlTransaction } from './sql-client.js'

/**
 * The points inside a transaction where a Postgres store calls its test-only fault hook: after
 * the locks, after the read, and after the write but before COMMIT.
 */
export type PostgresStoreFaultPoint =
  | 'sync:after-lock'
  | 'sync:after-read'
  | 'sync:after-write'
  | 'add-member:after-write'
  | 'remove-member:after-write'
  | 'settings:after-write'

/** What the store is built from: a SQL client, a validated schema, and how to behave. */
export interface PostgresStoreConfig {
  readonly client: SqlClient
  readonly schema: string
  /** Attempts of a transaction that hits a serialisation failure or deadlock (at least 1). */
  readonly maxAttempts: number
  readonly testOnlyFaultHook: ((point: PostgresStoreFaultPoint) => void | Promise<void>) | undefined
  /** Releases what the store owns (an embedded database it opened), once work has drained. */
  readonly release: () => Promise<void>
}

/** A statement's failure, kept apart from errors thrown by `decide` or the fault hook. */
class SqlFailure extends Error {
  constructor(readonly error: unknown) {
    super('SQL statement failed', { cause: error })
  }
}

const run = async (db: SqlClient | SqlTransaction, text: string, params: readonly unknown[]) => {
  try {
    return await db.query(text, params)
  } catch (error) {
    throw new SqlFailure(error)
  }
}

const firstRow = (result: SqlResult): Record<string, unknown> => result.rows[0] ?? {}

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 10))

/** The parameters of the `writeSync` statement for one set of changes. */
const writeSyncParams = (
  orgId: string,
  userId: string,
  changes: UserSyncChanges,
): readonly unknown[] => [
  orgId,
  userId,
  changes.remove,
  changes.add.map((a) => a.groupId),
  changes.add.map((a) => a.source),
  ...auditArrays(changes.audit),
  changes.syncedAt?.toISOString() ?? null,
  changes.tokenIssuedAt?.toISOString() ?? null,
]

const hasWrites = (c: UserSyncChanges): boolean =>
  c.add.length > 0 || c.remove.length > 0 || c.audit.length > 0 || c.syncedAt !== undefined

/**
 * Builds the Postgres membership store on a SQL client whose schema is already migrated. Most
 * callers want `createPostgresMembershipStore`, which also opens PGlite or adapts a pool.
 */
export const postgresMembershipStore = (config: PostgresStoreConfig): MembershipStore => {
  const { client, schema } = config
  const st = statements(quoteSchema(schema))
  const hook = config.testOnlyFaultHook ?? (() => undefined)
  let closed = false
  const inFlight = new Set<Promise<unknown>>()

  /** Runs an operation unless the store is closed, and tracks it so close() can wait for it. */
  const track = <A>(work: () => Promise<A>): Promise<A> => {
    // Through a promise, so that a synchronous throw (a failed input check) becomes a rejection.
    const p = Promise.resolve().then(() => {
      if (closed) {
        throw new StoreError('STORE_UNAVAILABLE', 'The Postgres store is closed; create a new one.')
      }
      return work()
    })
    inFlight.add(p)
    const forget = () => {
      inFlight.delete(p)
    }
    p.then(forget, forget)
    return p
  }

  /** Maps statement failures to StoreErrors; lets the caller's own errors through unchanged. */
  const surface = (error: unknown, action: string): unknown =>
    error instanceof SqlFailure ? mapPgError(error.error, action) : error

  /**
   * Runs `fn` in one transaction: BEGIN, fn's statements, COMMIT. Any failure rolls back; a
   * serialisation failure or deadlock runs the whole transaction again, up to maxAttempts times.
   */
  const transaction = async <A>(
    action: string,
    fn: (tx: SqlTransaction) => Promise<A>,
  ): Promise<A> => {
    for (let attempt = 1; ; attempt += 1) {
      let tx: SqlTransaction
      try {
        tx = await client.begin()
      } catch (error) {
        throw mapPgError(error, action)
      }
      let result: A
      try {
        result = await fn(tx)
      } catch (error) {
        await tx.rollback()
        if (
          error instanceof SqlFailure &&
          isRetryable(error.error) &&
          attempt < config.maxAttempts
        ) {
          await pause(attempt)
          continue
        }
        throw surface(error, action)
      }
      try {
        await tx.commit()
      } catch (error) {
        if (isRetryable(error) && attempt < config.maxAttempts) {
          await pause(attempt)
          continue
        }
        throw mapPgError(error, action)
      }
      return result
    }
  }

  const read = async (action: string, text: string, params: readonly unknown[]) => {
    try {
      return await client.query(text, params)
    } catch (error) {
      throw mapPgError(error, action)
    }
  }

  const lockUser = (tx: SqlTransaction, orgId: string, userId: string) =>
    run(tx, st.lockUser, [schema, orgId, userId])
  const lockOrg = (tx: SqlTransaction, orgId: string) => run(tx, st.lockOrg, [schema, orgId])

  /** Stores an org's settings and appends their audit events, in one statement. */
  const writeSettings = async (
    tx: SqlTransaction,
    orgId: string,
    settings: OrgSettings,
    audit: readonly AuditEventInput[],
  ): Promise<void> => {
    await run(tx, st.writeSettings, [
      orgId,
      settings.manageGroupMemberships,
      settings.matchMode,
      ...auditArrays(audit),
    ])
    await hook('settings:after-write')
  }

  const readSnapshot = async (
    tx: SqlTransaction,
    orgId: string,
    userId: string,
  ): Promise<UserSyncSnapshot> => {
    const row = firstRow(await run(tx, st.readSnapshot, [orgId, userId]))
    const settings =
      row.settings === null || row.settings === undefined
        ? DEFAULT_ORG_SETTINGS
        : settingsFromRow(...(JSON.parse(text(row.settings)) as [unknown, unknown]))
    return {
      orgId,
      userId,
      settings: { ...settings },
      groups: jsonRows(row.groups)
        .map((g) => groupFromJson(orgId, g))
        .sort(compareGroups),
      memberships: jsonRows(row.memberships)
        .map(([groupId, source, created]) => membership(orgId, groupId, userId, source, created))
        .sort((a, b) => compareCodeUnits(a.groupId, b.groupId)),
      lastSyncedAt:
        row.last_synced_ms === null || row.last_synced_ms === undefined
          ? null
          : new Date(num(row.last_synced_ms)),
      lastTokenIssuedAt:
        row.last_token_ms === null || row.last_token_ms === undefined
          ? null
          : new Date(num(row.last_token_ms)),
    }
  }

  /** A manual add or remove: under the user's lock, write only if it changes something. */
  const changeMember = (
    action: 'addMember' | 'removeMember',
    orgId: string,
    groupId: string,
    userId: string,
    audit: readonly AuditEventInput[],
    changes: Omit<UserSyncChanges, 'audit'>,
  ): Promise<boolean> =>
    track(() => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      assertStoreId(userId, 'userId')
      for (const { source } of changes.add) assertMembershipSource(source, 'source')
      assertAuditEvents(orgId, audit)
      return transaction(action, async (tx) => {
        await lockUser(tx, orgId, userId)
        const row = firstRow(await run(tx, st.readMember, [orgId, groupId, userId]))
        if (row.group_exists !== true) throw groupNotFound(orgId, groupId)
        if ((row.is_member === true) === (action === 'addMember')) return false
        await run(tx, st.writeSync, writeSyncParams(orgId, userId, { ...changes, audit }))
        await hook(action === 'addMember' ? 'add-member:after-write' : 'remove-member:after-write')
        return true
      })
    })

  /** A group change under the org's exclusive lock; GROUP_NOT_FOUND if it touched no row. */
  const changeGroup = async (
    action: string,
    orgId: string,
    groupId: string | undefined,
    text: string,
    params: readonly unknown[],
  ): Promise<Record<string, unknown>> => {
    const result = await transaction(action, async (tx) => {
      await lockOrg(tx, orgId)
      return run(tx, text, params)
    })
    const row = result.rows[0]
    if (row === undefined) throw groupNotFound(orgId, groupId ?? '')
    return row
  }

  return {
    withUserSync: <A>(
      orgId: string,
      userId: string,
      decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A> | Promise<UserSyncDecision<A>>,
    ): Promise<A> =>
      track(() => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(userId, 'userId')
        // BEGIN, locks, one read, at most one write, COMMIT: five statements whatever the diff.
        return transaction('withUserSync', async (tx) => {
          await lockUser(tx, orgId, userId)
          await hook('sync:after-lock')
          const snapshot = await readSnapshot(tx, orgId, userId)
          await hook('sync:after-read')
          // Checked against the ids as read: decide may scribble on the snapshot it was given.
          const scope = userSyncScope(snapshot)
          const { changes, result } = await decide(snapshot)
          assertUserSyncChanges(scope, changes)
          if (changes !== null && hasWrites(changes)) {
            await run(tx, st.writeSync, writeSyncParams(orgId, userId, changes))
          }
          await hook('sync:after-write')
          return result
        })
      }),

    createGroup: (orgId, name) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreText(name, 'name')
        return toGroup(
          orgId,
          await changeGroup('createGroup', orgId, undefined, st.createGroup, [orgId, name]),
        )
      }),

    renameGroup: (orgId, groupId, name) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        assertStoreText(name, 'name')
        const row = await changeGroup('renameGroup', orgId, groupId, st.renameGroup, [
          orgId,
          groupId,
          name,
        ])
        return toGroup(orgId, row)
      }),

    deleteGroup: (orgId, groupId) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        await changeGroup('deleteGroup', orgId, groupId, st.deleteGroup, [orgId, groupId])
      }),

    listGroups: (orgId) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        const { rows } = await read('listGroups', st.listGroups, [orgId])
        return rows.map((row): StoredGroup => toGroup(orgId, row)).sort(compareGroups)
      }),

    getOrgSettings: (orgId) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        const row = (await read('getOrgSettings', st.readSettings, [orgId])).rows[0]
        return row === undefined
          ? { ...DEFAULT_ORG_SETTINGS }
          : settingsFromRow(row.manage_group_memberships, row.match_mode)
      }),

    setOrgSettings: (orgId, settings, audit) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertOrgSettings(settings)
        assertAuditEvents(orgId, audit)
        await transaction('setOrgSettings', async (tx) => {
          await lockOrg(tx, orgId)
          await writeSettings(tx, orgId, settings, audit)
        })
      }),

    updateOrgSettings: (orgId, update) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        return transaction('updateOrgSettings', async (tx) => {
          await lockOrg(tx, orgId)
          const row = (await run(tx, st.readSettings, [orgId])).rows[0]
          const current =
            row === undefined
              ? { ...DEFAULT_ORG_SETTINGS }
              : settingsFromRow(row.manage_group_memberships, row.match_mode)
          const decided = update({ ...current })
          if (decided === null) return current
          assertOrgSettings(decided.settings)
          assertAuditEvents(orgId, decided.audit)
          await writeSettings(tx, orgId, decided.settings, decided.audit)
          return {
            manageGroupMemberships: decided.settings.manageGroupMemberships,
            matchMode: decided.settings.matchMode,
          }
        })
      }),

    addMember: (orgId, groupId, userId, source, audit) =>
      changeMember('addMember', orgId, groupId, userId, audit, {
        add: [{ groupId, source }],
        remove: [],
      }),

    removeMember: (orgId, groupId, userId, audit) =>
      changeMember('removeMember', orgId, groupId, userId, audit, { add: [], remove: [groupId] }),

    listMembers: (orgId, groupId) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        const row = firstRow(await read('listMembers', st.listMembers, [orgId, groupId]))
        if (row.group_exists !== true) throw groupNotFound(orgId, groupId)
        return jsonRows(row.members)
          .map(([userId, source, created]) => membership(orgId, groupId, userId, source, created))
          .sort((a, b) => compareCodeUnits(a.userId, b.userId))
      }),

    listUserMemberships: (orgId, userId) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(userId, 'userId')
        const { rows } = await read('listUserMemberships', st.listUserMemberships, [orgId, userId])
        return rows
          .map((r) => membership(orgId, r.group_id, userId, r.source, r.created_ms))
          .sort((a, b) => compareCodeUnits(a.groupId, b.groupId))
      }),

    listStaleMembers: (orgId, olderThan) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertStoreDate(olderThan, 'olderThan')
        const { rows } = await read('listStaleMembers', st.listStaleMembers, [
          orgId,
          olderThan.toISOString(),
        ])
        return rows
          .map((r) => ({
            userId: text(r.user_id),
            lastSyncedAt: new Date(num(r.last_synced_ms)),
          }))
          .sort(
            (a, b) =>
              a.lastSyncedAt.getTime() - b.lastSyncedAt.getTime() ||
              compareCodeUnits(a.userId, b.userId),
          )
      }),

    listAuditEvents: (orgId, query) =>
      track(async () => {
        assertStoreId(orgId, 'orgId')
        assertAuditQuery(query)
        const { rows } = await read('listAuditEvents', st.listAuditEvents, [
          orgId,
          String(query?.afterSeq ?? 0),
          query?.userId ?? null,
          query?.limit === undefined ? null : String(query.limit),
        ])
        return rows.map((row) => auditEventFromRow(orgId, row))
      }),

    close: async () => {
      if (closed) return
      closed = true
      await Promise.allSettled([...inFlight])
      await config.release()
    },
  }
}
