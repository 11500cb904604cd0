import type {
  AdapterCall,
  AdapterUnitResult,
  LoginSliceRead,
  MemberChangeRead,
  MembershipStoreAdapter,
  UserRemovalRead,
  UserSyncChanges,
} from '@groupsync/core'
import type { SqlStatement, SqlTransaction } from '../sql-client.js'
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
import { firstRow, run, runAll } from './transaction-runner.js'

// The units of work: a login, a manual change, a user removal and a settings change. Each is one
// transaction that takes its locks, reads what it decides on in one statement, calls `work`
// (which the store's wrapper built: it checks and decides; this file only reads and writes), and
// applies what `work` returned in one more statement.

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
   * a connection), under the call's deadline: the user's locks and then `read`, sent together
   * with BEGIN where the client batches (one round trip); `fn` gets the read's first row. The read starts after the locks are granted, so it sees what the user's
   * previous unit of work committed.
   */
  const userUnit = <A>(
    action: string,
    orgId: string,
    userId: string,
    read: SqlStatement,
    call: AdapterCall,
    fn: (tx: SqlTransaction, row: Record<string, unknown>) => Promise<A>,
  ): Promise<A> =>
    runner.timed(action, call.signal, (signal) =>
      ctx.userQueue.run(JSON.stringify([orgId, userId]), signal, () =>
        runner.transaction(action, signal, async (tx) => {
          const [, result] = await runAll(tx, [lockUser(ctx, orgId, userId), read])
          return fn(tx, firstRow(result ?? { rows: [] }))
        }),
      ),
    )

  /**
   * Applies a login's or manual change's changes in one statement (none: no statement): the
   * last-sync upsert alone when that is all there is (a login that changes nothing), else the
   * whole write.
   */
  const applyChanges = async (
    tx: SqlTransaction,
    orgId: string,
    userId: string,
    changes: UserSyncChanges | null,
  ): Promise<boolean> => {
    if (changes === null) return false
    const { add, remove, audit, syncedAt } = changes
    if (add.length === 0 && remove.length === 0 && audit.length === 0 && syncedAt !== undefined) {
      await run(tx, units.writeSyncTime, [
        orgId,
        userId,
        syncedAt.toISOString(),
        changes.tokenIssuedAt?.toISOString() ?? null,
      ])
    } else {
      await run(tx, units.writeSync, writeSyncParams(orgId, userId, changes))
    }
    return true
  }

  return {
    // BEGIN, the locks, one read, at most one write, COMMIT: five statements whatever the size
    // of the claim, of the diff or of the organisation, in three round trips on node-postgres
    // (BEGIN, the locks and the read go together).
    loginUnit: <A>(
      orgId: string,
      userId: string,
      sliceKeys: readonly string[],
      work: (read: LoginSliceRead) => AdapterUnitResult<A>,
      call: AdapterCall,
    ): Promise<A> =>
      userUnit(
        'withLoginSync',
        orgId,
        userId,
        { text: units.readLogin, params: [orgId, userId, sliceKeys] },
        call,
        async (tx, row) => {
          await hook('sync:after-read')
          const { changes, result } = work(loginRead(orgId, userId, row))
          await applyChanges(tx, orgId, userId, changes)
          await hook('sync:after-write')
          return result
        },
      ),

    memberUnit: <A>(
      orgId: string,
      groupId: string,
      userId: string,
      work: (read: MemberChangeRead) => AdapterUnitResult<A>,
      call: AdapterCall,
    ): Promise<A> =>
      userUnit(
        'manual membership change',
        orgId,
        userId,
        { text: units.readMember, params: [orgId, groupId, userId] },
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
          if (await applyChanges(tx, orgId, userId, changes))
            await hook('manual-member:after-write')
          return result
        },
      ),

    removeUserUnit: (orgId, userId, work, call) =>
      userUnit(
        'removeUser',
        orgId,
        userId,
        { text: units.readRemoval, params: [orgId, userId] },
        call,
        async (tx, row) => {
          const read: UserRemovalRead = {
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
            ])
            await hook('remove-user:after-write')
          }
          return result
        },
      ),

    updateSettings: (orgId, work, call) =>
      runner.inTransaction('updateOrgSettings', call.signal, async (tx) => {
        await lockOrg(ctx, tx, orgId)
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
