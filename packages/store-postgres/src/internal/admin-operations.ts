import {
  groupCreatedEvent,
  groupDeletedEvents,
  groupRenamedEvent,
  StoreError,
  type AuditEventInput,
  type MembershipSource,
  type MembershipStoreAdapter,
  type StoredGroup,
} from '@groupsync/core'
import type { SqlTransaction } from '../sql-client.js'
import {
  auditArrays,
  auditEventFromRow,
  groupFromJson,
  jsonRows,
  jsonValue,
  membership,
  num,
  optionalTime,
  settingsFromJson,
  text,
} from './rows.js'
import { lockOrg, type StoreContext } from './store-context.js'
import { fold } from './slice-fold.js'
import { firstRow, run } from './transaction-runner.js'

// Group changes (each one transaction under the org's exclusive lock, with the events core
// builds for it) and the reads outside any unit of work: settings, last sync, the listings.
// Lists come back in whatever order the database gives; the store's wrapper orders them.

/** Another group of the organisation has the name. */
const nameTaken = (action: string): StoreError =>
  new StoreError(
    'GROUP_NAME_TAKEN',
    `${action}: the organisation already has a group of that name; choose another name.`,
  )

/** The group a row of createGroup or renameGroup describes (JSON [id, name, created ms]). */
const groupFromRow = (orgId: string, row: Record<string, unknown>): StoredGroup =>
  groupFromJson(orgId, jsonValue(row.group) as readonly unknown[])

type AdminOperations = Omit<
  MembershipStoreAdapter,
  'loginUnit' | 'memberUnit' | 'removeUserUnit' | 'updateSettings' | 'close'
>

/** The admin operations and plain reads of one store, as the adapter's methods. */
export const adminOperations = (ctx: StoreContext): AdminOperations => {
  const { admin, units, runner, hook } = ctx

  /** A group change: under the org's exclusive lock, with its audit events, in one transaction. */
  const changeGroup = <A>(
    action: string,
    orgId: string,
    call: Parameters<MembershipStoreAdapter['createGroup']>[2],
    write: (tx: SqlTransaction) => Promise<A>,
  ): Promise<A> =>
    runner.inTransaction(action, call.signal, async (tx, signal) => {
      await lockOrg(ctx, tx, orgId, signal)
      return write(tx)
    })

  /** Appends audit events written by the store itself (a group change's). */
  const appendAudit = async (
    tx: SqlTransaction,
    orgId: string,
    audit: readonly AuditEventInput[],
  ): Promise<void> => {
    await run(tx, admin.appendAudit, [orgId, ...auditArrays(audit)])
    await hook('group:after-write')
  }

  return {
    readSettings: async (orgId, call) =>
      settingsFromJson(
        firstRow(await runner.query('getOrgSettings', call.signal, units.readSettings, [orgId]))
          .settings,
      ),

    readLastSync: async (orgId, userId, call) => {
      const row = firstRow(
        await runner.query('readLastSync', call.signal, units.readLastSync, [orgId, userId]),
      )
      if (row.last_sync === null || row.last_sync === undefined) return null
      const [synced, token] = jsonValue(row.last_sync) as readonly unknown[]
      return { lastSyncedAt: new Date(num(synced)), lastTokenIssuedAt: optionalTime(token) }
    },

    createGroup: (orgId, name, call) =>
      changeGroup('createGroup', orgId, call, async (tx) => {
        const params = [orgId, name, fold(name), ...admin.createGroupExtra(1)]
        const row = (await run(tx, admin.createGroup, params)).rows[0]
        if (row === undefined) throw nameTaken('createGroup')
        const group = groupFromRow(orgId, row)
        await appendAudit(tx, orgId, [groupCreatedEvent(group, call.actor)])
        return group
      }),

    renameGroup: (orgId, groupId, name, call) =>
      changeGroup('renameGroup', orgId, call, async (tx) => {
        const before = (await run(tx, admin.readGroupName, [orgId, groupId])).rows[0]
        if (before === undefined) return null
        const row = (await run(tx, admin.renameGroup, [orgId, groupId, name, fold(name)])).rows[0]
        if (row === undefined) throw nameTaken('renameGroup')
        const group = groupFromRow(orgId, row)
        const previousName = text(jsonValue(before.name))
        await appendAudit(tx, orgId, [groupRenamedEvent(group, previousName, call.actor)])
        return group
      }),

    deleteGroup: (orgId, groupId, call) =>
      changeGroup('deleteGroup', orgId, call, async (tx) => {
        const row = firstRow(await run(tx, admin.deleteGroup, [orgId, groupId]))
        if (row.name === null || row.name === undefined) return false
        const members = jsonRows(row.members).map(([userId, source]) => ({
          userId: text(userId),
          source: text(source) as MembershipSource,
        }))
        const group = { orgId, id: groupId, name: text(jsonValue(row.name)) }
        await appendAudit(tx, orgId, groupDeletedEvents(group, members, call.actor))
        return true
      }),

    listGroups: async (orgId, call) => {
      const row = firstRow(await runner.query('listGroups', call.signal, admin.listGroups, [orgId]))
      return jsonRows(row.groups).map((g) => groupFromJson(orgId, g))
    },

    listMembers: async (orgId, groupId, call) => {
      const row = firstRow(
        await runner.query('listMembers', call.signal, admin.listMembers, [orgId, groupId]),
      )
      if (row.group_exists !== true) return null
      return jsonRows(row.members).map(([userId, source, created]) =>
        membership(orgId, groupId, userId, source, created),
      )
    },

    listUserMemberships: async (orgId, userId, call) => {
      const row = firstRow(
        await runner.query('listUserMemberships', call.signal, admin.listUserMemberships, [
          orgId,
          userId,
        ]),
      )
      return jsonRows(row.memberships).map(([groupId, source, created]) =>
        membership(orgId, groupId, userId, source, created),
      )
    },

    listStaleMembers: async (orgId, olderThan, call) => {
      const row = firstRow(
        await runner.query('listStaleMembers', call.signal, admin.listStaleMembers, [
          orgId,
          olderThan.toISOString(),
        ]),
      )
      return jsonRows(row.stale).map(([userId, lastSynced]) => ({
        userId: text(userId),
        lastSyncedAt: new Date(num(lastSynced)),
      }))
    },

    listAuditEvents: async (orgId, query, call) => {
      const { rows } = await runner.query('listAuditEvents', call.signal, admin.listAuditEvents, [
        orgId,
        String(query.afterSeq),
        query.userId ?? null,
        query.limit === undefined ? null : String(query.limit),
      ])
      return rows.map((row) => auditEventFromRow(orgId, row))
    },
  }
}
