import type {
  AdapterCall,
  LoginSliceRead,
  MembershipStoreAdapter,
  UserSyncChanges,
  UserSyncDecision,
} from '@groupsync/core'
import type { SqlTransaction } from '../sql-client.js'
import {
  auditArrays,
  groupFromJson,
  jsonRows,
  jsonValue,
  membership,
  optionalTime,
  settingsFromJson,
  text,
} from './rows.js'
import { lockOrg, lockUser, type StoreContext } from './store-context.js'
import { fold } from './slice-fold.js'
import { firstRow, run } from './transaction-runner.js'

// The units of work: a login, a manual change, a user removal and a settings change. Each is one
// transaction that takes its locks, reads what it decides on in one statement, calls `work`
// (which the store's wrapper built: it checks and decides; this file only reads and writes), and
// applies what `work` returned in one more statement.

/** A login's read, from the one row of `readLogin`. */
const loginRead = (orgId: string, userId: string, row: Record<string, unknown>): LoginSliceRead => {
  const last =
    row.last_sync === null || row.last_sync === undefined
      ? [null, null]
      : (jsonValue(row.last_sync) as readonly unknown[])
  return {
    settings: settingsFromJson(row.settings),
    groups: jsonRows(row.groups).map((g) => groupFromJson(orgId, g)),
    memberships: jsonRows(row.memberships).map(([groupId, source, created]) =>
      membership(orgId, groupId, userId, source, created),
    ),
    lastSyncedAt: optionalTime(last[0]),
    lastTokenIssuedAt: optionalTime(last[1]),
    removedAt: optionalTime(row.removed_ms),
  }
}

/** The units of work of one store, as the adapter's methods. */
export const unitsOfWork = (
  ctx: StoreContext,
): Pick<
  MembershipStoreAdapter,
  'loginUnit' | 'memberUnit' | 'removeUserUnit' | 'updateSettings'
> => {
  const { units, runner, hook } = ctx

  /**
   * A transaction of one user's, after the user's earlier calls in this process (waiting without
   * a connection), under the call's deadline: BEGIN, the user's locks and the read go together
   * (one round trip on a pipelining client); `fn` gets the read's first row. The server binds the
   * read only once the locks are granted, so it sees what the user's previous unit committed.
   */
  const userUnit = <A>(
    action: string,
    orgId: string,
    userId: string,
    read: readonly [string, readonly unknown[]],
    call: AdapterCall,
    fn: (tx: SqlTransaction, row: Record<string, unknown>) => Promise<A>,
  ): Promise<A> =>
    runner.timed(action, call.signal, (signal) =>
      ctx.userQueue.run(JSON.stringify([orgId, userId]), signal, () =>
        runner.transaction(action, signal, async (tx) => {
          // Both awaited together: a lock that fails (lock_timeout) answers before the read.
          const [, result] = await Promise.all([lockUser(ctx, tx, orgId, userId), run(tx, ...read)])
          return fn(tx, firstRow(result))
        }),
      ),
    )

  /** The parameters of the `writeSync` statement for one set of changes. */
  const writeSyncParams = (orgId: string, userId: string, changes: UserSyncChanges) => [
    orgId,
    userId,
    changes.remove,
    changes.add.map((a) => a.groupId),
    changes.add.map((a) => a.source),
    ...auditArrays(changes.audit),
    changes.syncedAt?.toISOString() ?? null,
    changes.tokenIssuedAt?.toISOString() ?? null,
    ...units.writeSyncExtra(changes.add.length),
  ]

  /**
   * Issues a login's or manual change's changes as one statement (none: no statement), without
   * waiting for its answer: the last-sync upsert alone when that is all there is (a login that
   * changes nothing), else the whole write. Resolves when the write has been answered.
   */
  const applyChanges = (
    tx: SqlTransaction,
    orgId: string,
    userId: string,
    changes: UserSyncChanges | null,
  ): Promise<unknown> | null => {
    if (changes === null) return null
    const { add, remove, audit, syncedAt } = changes
    return add.length === 0 && remove.length === 0 && audit.length === 0 && syncedAt !== undefined
      ? run(tx, units.writeSyncTime, [
          orgId,
          userId,
          syncedAt.toISOString(),
          changes.tokenIssuedAt?.toISOString() ?? null,
        ])
      : run(tx, units.writeSync, writeSyncParams(orgId, userId, changes))
  }

  return {
    // BEGIN, the locks, one read, at most one write, COMMIT: five statements whatever the size
    // of the claim, of the diff or of the organisation, in two round trips on a pipelining
    // client (BEGIN, the locks and the read; the write and COMMIT).
    loginUnit: <A>(
      orgId: string,
      userId: string,
      sliceKeys: readonly string[],
      work: (read: LoginSliceRead) => UserSyncDecision<A>,
      call: AdapterCall,
    ): Promise<A> =>
      userUnit(
        'withLoginSync',
        orgId,
        userId,
        [units.readLogin, [orgId, userId, [...new Set(sliceKeys.map(fold))]]],
        call,
        async (tx, row) => {
          await hook('sync:after-read')
          const { changes, result } = work(loginRead(orgId, userId, row))
          // Not awaited: COMMIT follows it at once, and the runner reads both answers.
          applyChanges(tx, orgId, userId, changes)?.catch(() => undefined)
          return result
        },
      ),

    memberUnit: (orgId, groupId, userId, work, call) =>
      userUnit(
        'manual membership change',
        orgId,
        userId,
        [units.readMember, [orgId, groupId, userId]],
        call,
        async (tx, row) => {
          const { changes, result } = work({
            settings: settingsFromJson(row.settings),
            group:
              row.group === null || row.group === undefined
                ? null
                : groupFromJson(orgId, jsonValue(row.group) as readonly unknown[]),
            isMember: row.is_member === true,
          })
          const write = applyChanges(tx, orgId, userId, changes)
          if (write !== null) {
            await write
            await hook('manual-member:after-write')
          }
          return result
        },
      ),

    removeUserUnit: (orgId, userId, work, call) =>
      userUnit(
        'removeUser',
        orgId,
        userId,
        [units.readRemoval, [orgId, userId]],
        call,
        async (tx, row) => {
          const read: Parameters<typeof work>[0] = {
            memberships: jsonRows(row.memberships).map(([groupId, source, created, name]) => ({
              ...membership(orgId, groupId, userId, source, created),
              groupName: text(name),
            })),
            hasLastSync: row.has_last_sync === true,
          }
          const { write, result } = work(read)
          if (write !== null) {
            await run(tx, units.writeRemoval, [
              orgId,
              userId,
              write.removedAt.toISOString(),
              ...auditArrays(write.audit),
              read.memberships.map((m) => m.groupId),
            ])
            await hook('remove-user:after-write')
          }
          return result
        },
      ),

    updateSettings: (orgId, work, call) =>
      runner.inTransaction('updateOrgSettings', call.signal, async (tx, signal) => {
        await lockOrg(ctx, tx, orgId, signal)
        const current = settingsFromJson(
          firstRow(await run(tx, units.readSettings, [orgId])).settings,
        )
        const update = work(current)
        if (update === null) return
        await run(tx, units.writeSettings, [
          orgId,
          update.settings.manageGroupMemberships,
          update.settings.matchMode,
          ...auditArrays(update.audit),
        ])
        await hook('settings:after-write')
      }),
  }
}
