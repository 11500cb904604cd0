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
  assertGroupChangeOptions,
  userSyncScope,
  groupNotFound,
  groupCreatedEvent,
  groupDeletedEvents,
  groupRenamedEvent,
  storeTimeout,
  compareCodeUnits,
  compareGroups,
  type AuditEventInput,
  type GroupChangeOptions,
  type MembershipSource,
  type OrgSettings,
  type MembershipStore,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from '@groupsync/core'
import { callDeadline, DeadlinePassed, raceDeadline } from './internal/call-deadline.js'
import { KeyedQueue } from './internal/keyed-queue.js'
import {
  commitOutcomeUnknown,
  isRetryable,
  mapPgError,
  outcomeUnknown,
} from './internal/map-pg-error.js'
import {
  auditArrays,
  auditEventFromRow,
  groupFromJson,
  jsonRows,
  jsonValue,
  membership,
  num,
  settingsFromRow,
  text,
} from './internal/rows.js'
import { quoteSchema } from './internal/schema-name.js'
import { statements } from './internal/statements.js'
import {
  CommitNotSentError,
  type SqlClient,
  type SqlResult,
  type SqlTransaction,
  type TransactionLimits,
} from './sql-client.js'

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
  | 'group:after-write'

/**
 * How long a Postgres store lets things take, in milliseconds (0: no limit). The first three are
 * set on the server for each transaction; `callMs` bounds a whole call, its wait in the user's
 * queue included, on the client. Running out of any is `STORE_TIMEOUT`, with nothing written.
 */
export interface PostgresStoreTimeouts {
  /** `lock_timeout`: the longest a transaction waits for a user's or an org's lock. */
  readonly lockMs: number
  /** `statement_timeout`: the longest one statement runs. */
  readonly statementMs: number
  /**
   * `idle_in_transaction_session_timeout`: the server ends a session that sends nothing for this
   * long inside a transaction (a frozen client), which releases the locks it held.
   */
  readonly idleInTransactionMs: number
  /** The longest a call may take from start to end, on the client. */
  readonly callMs: number
}

/** The timeouts a store has unless told otherwise: generous for a login, finite for a fault. */
export const DEFAULT_POSTGRES_STORE_TIMEOUTS: PostgresStoreTimeouts = {
  lockMs: 10_000,
  statementMs: 10_000,
  idleInTransactionMs: 15_000,
  callMs: 30_000,
}

/** What the store is built from: a SQL client, a validated schema, and how to behave. */
export interface PostgresStoreConfig {
  readonly client: SqlClient
  readonly schema: string
  /** Attempts of a transaction that hits a serialisation failure or deadlock (at least 1). */
  readonly maxAttempts: number
  readonly timeouts: PostgresStoreTimeouts
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

/** The group a row of createGroup or renameGroup describes (JSON [id, name, created ms]). */
const groupFromRow = (orgId: string, row: Record<string, unknown>): StoredGroup =>
  groupFromJson(orgId, jsonValue(row.group) as readonly unknown[])

/**
 * Builds the Postgres membership store on a SQL client whose schema is already migrated. Most
 * callers want `createPostgresMembershipStore`, which also opens PGlite or adapts a pool.
 */
export const postgresMembershipStore = (config: PostgresStoreConfig): MembershipStore => {
  const { client, schema, timeouts } = config
  const st = statements(quoteSchema(schema))
  const hook = config.testOnlyFaultHook ?? (() => undefined)
  const limits: TransactionLimits = {
    lockTimeoutMs: timeouts.lockMs,
    statementTimeoutMs: timeouts.statementMs,
    idleInTransactionTimeoutMs: timeouts.idleInTransactionMs,
  }
  // A user's units of work wait here, without a connection, until the one before them is done:
  // a burst of one user's logins then holds one pool connection instead of all of them.
  const userQueue = new KeyedQueue()
  let closed = false
  const inFlight = new Set<Promise<unknown>>()

  /**
   * Runs an operation unless the store is closed, under its deadline (the caller's signal and the
   * store's call timeout), and tracks it so close() can wait for it.
   */
  const track = <A>(
    action: string,
    options: GroupChangeOptions | undefined,
    work: (signal: AbortSignal) => Promise<A>,
  ): Promise<A> => {
    // Through a promise, so that a synchronous throw (a failed input check) becomes a rejection.
    const p = Promise.resolve().then(async () => {
      if (closed) {
        throw new StoreError('STORE_UNAVAILABLE', 'The Postgres store is closed; create a new one.')
      }
      assertGroupChangeOptions(options)
      const deadline = callDeadline(timeouts.callMs, options?.signal)
      try {
        return await work(deadline.signal)
      } catch (error) {
        throw error instanceof DeadlinePassed ? storeTimeout(action, error.reason) : error
      } finally {
        deadline.end()
      }
    })
    inFlight.add(p)
    const forget = () => {
      inFlight.delete(p)
    }
    p.then(forget, forget)
    return p
  }

  /** Runs a user's work after the user's earlier calls in this process, holding no connection. */
  const inUserQueue = <A>(
    orgId: string,
    userId: string,
    signal: AbortSignal,
    work: () => Promise<A>,
  ): Promise<A> => userQueue.run(JSON.stringify([orgId, userId]), signal, work)

  /** Maps statement failures to StoreErrors; lets the caller's own errors through unchanged. */
  const toStoreError = (error: unknown, action: string): unknown =>
    error instanceof SqlFailure ? mapPgError(error.error, action) : error

  /** Gives a transaction up without waiting for it: its connection may be frozen. */
  const giveUp = (tx: SqlTransaction, reason: unknown): void => {
    const error = new Error('the call ran out of time', { cause: reason })
    if (tx.abandon !== undefined) tx.abandon(error)
    else void tx.rollback()
  }

  /**
   * Runs `fn` in one transaction: BEGIN (with the server-side limits), fn's statements, COMMIT.
   * Any failure rolls back; a serialisation failure or deadlock runs the whole transaction again,
   * up to maxAttempts times. When the deadline passes first, the transaction is given up:
   * `STORE_TIMEOUT` before COMMIT was sent, `STORE_OUTCOME_UNKNOWN` after.
   */
  const transaction = async <A>(
    action: string,
    signal: AbortSignal,
    fn: (tx: SqlTransaction) => Promise<A>,
  ): Promise<A> => {
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) throw storeTimeout(action, signal.reason)
      const beginning = client.begin(limits)
      let tx: SqlTransaction
      try {
        tx = await raceDeadline(beginning, signal)
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          beginning.then(
            (late) => late.rollback(),
            () => undefined,
          )
          throw storeTimeout(action, error.reason)
        }
        throw mapPgError(error, action)
      }
      let result: A
      try {
        result = await raceDeadline(fn(tx), signal)
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          giveUp(tx, error.reason)
          throw storeTimeout(action, error.reason)
        }
        await raceDeadline(tx.rollback(), signal).catch((late: unknown) => {
          giveUp(tx, late)
        })
        if (
          error instanceof SqlFailure &&
          isRetryable(error.error) &&
          attempt < config.maxAttempts
        ) {
          await pause(attempt)
          continue
        }
        throw toStoreError(error, action)
      }
      try {
        await raceDeadline(tx.commit(), signal)
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          giveUp(tx, error.reason)
          throw outcomeUnknown(action, error.reason)
        }
        if (error instanceof CommitNotSentError) throw mapPgError(error.cause, action)
        if (isRetryable(error) && attempt < config.maxAttempts) {
          await pause(attempt)
          continue
        }
        if (commitOutcomeUnknown(error)) throw outcomeUnknown(action, error)
        throw mapPgError(error, action)
      }
      return result
    }
  }

  /** One statement outside a transaction, under the call's deadline. */
  const read = async (
    action: string,
    signal: AbortSignal,
    text: string,
    params: readonly unknown[],
  ) => {
    try {
      return await raceDeadline(client.query(text, params), signal)
    } catch (error) {
      if (error instanceof DeadlinePassed) throw error
      throw mapPgError(error, action)
    }
  }

  const lockUser = (tx: SqlTransaction, orgId: string, userId: string) =>
    run(tx, st.lockUser, [schema, orgId, userId])
  const lockOrg = (tx: SqlTransaction, orgId: string) => run(tx, st.lockOrg, [schema, orgId])

  /** Appends audit events written by the store itself (a group change's). */
  const appendAudit = (tx: SqlTransaction, orgId: string, audit: readonly AuditEventInput[]) =>
    run(tx, st.appendAudit, [orgId, ...auditArrays(audit)])

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
    options: GroupChangeOptions | undefined,
  ): Promise<boolean> =>
    track(action, options, (signal) => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      assertStoreId(userId, 'userId')
      for (const { source } of changes.add) assertMembershipSource(source, 'source')
      assertAuditEvents(orgId, audit)
      return inUserQueue(orgId, userId, signal, () =>
        transaction(action, signal, async (tx) => {
          await lockUser(tx, orgId, userId)
          const row = firstRow(await run(tx, st.readMember, [orgId, groupId, userId]))
          if (row.group_exists !== true) throw groupNotFound(orgId, groupId)
          if ((row.is_member === true) === (action === 'addMember')) return false
          await run(tx, st.writeSync, writeSyncParams(orgId, userId, { ...changes, audit }))
          await hook(
            action === 'addMember' ? 'add-member:after-write' : 'remove-member:after-write',
          )
          return true
        }),
      )
    })

  /** A group change: under the org's exclusive lock, with its audit events, in one transaction. */
  const changeGroup = <A>(
    action: string,
    orgId: string,
    options: GroupChangeOptions | undefined,
    check: () => void,
    write: (tx: SqlTransaction, actor: string | undefined) => Promise<A>,
  ): Promise<A> =>
    track(action, options, (signal) => {
      assertStoreId(orgId, 'orgId')
      check()
      return transaction(action, signal, async (tx) => {
        await lockOrg(tx, orgId)
        const result = await write(tx, options?.actor)
        await hook('group:after-write')
        return result
      })
    })

  return {
    withUserSync: <A>(
      orgId: string,
      userId: string,
      decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A> | Promise<UserSyncDecision<A>>,
      options?: GroupChangeOptions,
    ): Promise<A> =>
      track('withUserSync', options, (signal) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(userId, 'userId')
        // BEGIN, locks, one read, at most one write, COMMIT: five statements whatever the diff.
        return inUserQueue(orgId, userId, signal, () =>
          transaction('withUserSync', signal, async (tx) => {
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
          }),
        )
      }),

    createGroup: (orgId, name, options) =>
      changeGroup(
        'createGroup',
        orgId,
        options,
        () => {
          assertStoreText(name, 'name')
        },
        async (tx, actor) => {
          const group = groupFromRow(orgId, firstRow(await run(tx, st.createGroup, [orgId, name])))
          await appendAudit(tx, orgId, [groupCreatedEvent(group, actor)])
          return group
        },
      ),

    renameGroup: (orgId, groupId, name, options) =>
      changeGroup(
        'renameGroup',
        orgId,
        options,
        () => {
          assertStoreId(groupId, 'groupId')
          assertStoreText(name, 'name')
        },
        async (tx, actor) => {
          const before = (await run(tx, st.readGroupName, [orgId, groupId])).rows[0]
          if (before === undefined) throw groupNotFound(orgId, groupId)
          const group = groupFromRow(
            orgId,
            firstRow(await run(tx, st.renameGroup, [orgId, groupId, name])),
          )
          await appendAudit(tx, orgId, [
            groupRenamedEvent(group, text(jsonValue(before.name)), actor),
          ])
          return group
        },
      ),

    deleteGroup: (orgId, groupId, options) =>
      changeGroup(
        'deleteGroup',
        orgId,
        options,
        () => {
          assertStoreId(groupId, 'groupId')
        },
        async (tx, actor) => {
          const row = firstRow(await run(tx, st.deleteGroup, [orgId, groupId]))
          if (row.name === null || row.name === undefined) throw groupNotFound(orgId, groupId)
          const members = jsonRows(row.members).map(([userId, source]) => ({
            userId: text(userId),
            source: text(source) as MembershipSource,
          }))
          const group = { orgId, id: groupId, name: text(jsonValue(row.name)) }
          await appendAudit(tx, orgId, groupDeletedEvents(group, members, actor))
        },
      ),

    listGroups: (orgId) =>
      track('listGroups', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        const row = firstRow(await read('listGroups', signal, st.listGroups, [orgId]))
        return jsonRows(row.groups)
          .map((g) => groupFromJson(orgId, g))
          .sort(compareGroups)
      }),

    getOrgSettings: (orgId) =>
      track('getOrgSettings', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        const row = (await read('getOrgSettings', signal, st.readSettings, [orgId])).rows[0]
        return row === undefined
          ? { ...DEFAULT_ORG_SETTINGS }
          : settingsFromRow(row.manage_group_memberships, row.match_mode)
      }),

    setOrgSettings: (orgId, settings, audit, options) =>
      track('setOrgSettings', options, async (signal) => {
        assertStoreId(orgId, 'orgId')
        assertOrgSettings(settings)
        assertAuditEvents(orgId, audit)
        await transaction('setOrgSettings', signal, async (tx) => {
          await lockOrg(tx, orgId)
          await writeSettings(tx, orgId, settings, audit)
        })
      }),

    updateOrgSettings: (orgId, update, options) =>
      track('updateOrgSettings', options, async (signal) => {
        assertStoreId(orgId, 'orgId')
        return transaction('updateOrgSettings', signal, async (tx) => {
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

    addMember: (orgId, groupId, userId, source, audit, options) =>
      changeMember(
        'addMember',
        orgId,
        groupId,
        userId,
        audit,
        { add: [{ groupId, source }], remove: [] },
        options,
      ),

    removeMember: (orgId, groupId, userId, audit, options) =>
      changeMember(
        'removeMember',
        orgId,
        groupId,
        userId,
        audit,
        { add: [], remove: [groupId] },
        options,
      ),

    listMembers: (orgId, groupId) =>
      track('listMembers', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        const row = firstRow(await read('listMembers', signal, st.listMembers, [orgId, groupId]))
        if (row.group_exists !== true) throw groupNotFound(orgId, groupId)
        return jsonRows(row.members)
          .map(([userId, source, created]) => membership(orgId, groupId, userId, source, created))
          .sort((a, b) => compareCodeUnits(a.userId, b.userId))
      }),

    listUserMemberships: (orgId, userId) =>
      track('listUserMemberships', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(userId, 'userId')
        const row = firstRow(
          await read('listUserMemberships', signal, st.listUserMemberships, [orgId, userId]),
        )
        return jsonRows(row.memberships)
          .map(([groupId, source, created]) => membership(orgId, groupId, userId, source, created))
          .sort((a, b) => compareCodeUnits(a.groupId, b.groupId))
      }),

    listStaleMembers: (orgId, olderThan) =>
      track('listStaleMembers', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        assertStoreDate(olderThan, 'olderThan')
        const row = firstRow(
          await read('listStaleMembers', signal, st.listStaleMembers, [
            orgId,
            olderThan.toISOString(),
          ]),
        )
        return jsonRows(row.stale)
          .map(([userId, lastSynced]) => ({
            userId: text(userId),
            lastSyncedAt: new Date(num(lastSynced)),
          }))
          .sort(
            (a, b) =>
              a.lastSyncedAt.getTime() - b.lastSyncedAt.getTime() ||
              compareCodeUnits(a.userId, b.userId),
          )
      }),

    listAuditEvents: (orgId, query) =>
      track('listAuditEvents', undefined, async (signal) => {
        assertStoreId(orgId, 'orgId')
        assertAuditQuery(query)
        const { rows } = await read('listAuditEvents', signal, st.listAuditEvents, [
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
