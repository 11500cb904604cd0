import type { MembershipStore, UserSyncChanges } from '@groupsync/core'
import { describeMembershipStore } from '@groupsync/store-contract'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, migrate } from '../src/index.js'
import { listMigrations } from '../src/migrate.js'
import {
  countingClient,
  failingClient,
  isSyncWrite,
  randomSchema,
  storeOn,
  type Harness,
} from './helpers.js'
import { describeSqlLevelTests } from './sql-level-tests.js'

export type { Harness } from './helpers.js'

const expectCode = async (promise: Promise<unknown>, code: string): Promise<unknown> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toMatchObject({ _tag: 'StoreError', code })
  return error
}

/** A login that claims `names` and adds the user to every group of its slice, one event each. */
const joinAll = (store: MembershipStore, orgId: string, userId: string, names: readonly string[]) =>
  store.withLoginSync(orgId, userId, names, (snap) => ({
    changes: {
      add: snap.groups.map((g) => ({ groupId: g.id, source: 'sync' as const })),
      remove: [],
      audit: snap.groups.map((g) => ({
        type: 'membership.added' as const,
        orgId,
        userId,
        groupId: g.id,
        groupName: g.name,
      })),
      syncedAt: new Date('2025-01-01T00:00:00.000Z'),
    },
    result: snap.groups.length,
  }))

/** A login with an empty claim that removes the user from every group, one event each. */
const leaveAll = (store: MembershipStore, orgId: string, userId: string) =>
  store.withLoginSync(orgId, userId, [], (snap) => ({
    changes: {
      add: [],
      remove: snap.memberships.map((m) => m.groupId),
      audit: snap.memberships.map((m) => ({
        type: 'membership.removed' as const,
        orgId,
        userId,
        groupId: m.groupId,
      })),
      syncedAt: new Date('2025-01-02T00:00:00.000Z'),
    } satisfies UserSyncChanges,
    result: snap.memberships.length,
  }))

/**
 * The contract suite plus the Postgres-only tests, on one database. `label` goes into every test
 * name ("PGlite", "real server").
 */
export const describePostgresStore = (
  label: string,
  harness: () => Harness,
  options: { readonly parallelUsers: boolean; readonly modelRuns: number },
): void => {
  describeMembershipStore(
    `Postgres store on ${label}`,
    (contract) => storeOn(harness(), contract),
    options,
  )

  describe(`Postgres store on ${label}`, { timeout: 60_000 }, () => {
    it(`${label}: one login costs the same number of statements, at most 6, for 1, 100 and 10,000 changes`, async () => {
      const h = harness()
      const counter = countingClient(h.client())
      const store = await createPostgresMembershipStore({
        client: counter.client,
        schema: h.schema,
        migrate: false,
      })
      const counts: Record<string, number> = {}
      for (const n of [1, 100, 10_000]) {
        const orgId = `count-${n}-${randomUUID()}`
        // Setup only: n groups in one statement, instead of n createGroup transactions.
        await h
          .client()
          .query(
            `INSERT INTO "${h.schema}".org_groups (org_id, name) SELECT $1, 'group ' || i FROM generate_series(1, $2::int) AS i`,
            [orgId, n],
          )
        counter.take()
        const names = Array.from({ length: n }, (_, i) => `group ${i + 1}`)
        expect(await joinAll(store, orgId, 'alice', names)).toBe(n)
        counts[`add ${n}`] = counter.take()
        expect(await store.listUserMemberships(orgId, 'alice')).toHaveLength(n)
        expect(await store.listAuditEvents(orgId)).toHaveLength(n)
        counter.take()
        expect(await leaveAll(store, orgId, 'alice')).toBe(n)
        counts[`remove ${n}`] = counter.take()
        expect(await store.listUserMemberships(orgId, 'alice')).toEqual([])
      }
      const distinct = new Set(Object.values(counts))
      expect(distinct.size, JSON.stringify(counts)).toBe(1)
      expect([...distinct][0]).toBeLessThanOrEqual(6)
      await store.close()
    }, 120_000)

    it(`${label}: a login that changes nothing writes only the last-sync record, with the small upsert instead of the whole write, in the same 5 statements, and records the sync and token times`, async () => {
      const h = harness()
      const counter = countingClient(h.client())
      const store = await storeOn(h, { client: counter.client })
      const orgId = `no-change-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      expect(await joinAll(store, orgId, 'alice', ['g'])).toBe(1)
      const events = await store.listAuditEvents(orgId)
      const noChange = (syncedAt: Date, tokenIssuedAt?: Date) =>
        store.withLoginSync(orgId, 'alice', ['g'], (snap) => ({
          changes: {
            add: [],
            remove: [],
            audit: [],
            syncedAt,
            ...(tokenIssuedAt === undefined ? {} : { tokenIssuedAt }),
          },
          result: snap.memberships.map((m) => m.groupId),
        }))
      counter.take()
      counter.takeSent()
      const first = new Date('2025-06-01T10:00:00.000Z')
      const token = new Date('2025-06-01T09:59:00.000Z')
      expect(await noChange(first, token)).toEqual([g.id])
      // BEGIN, the locks, the read, the write, COMMIT: as many as a login that changes something.
      expect(counter.take()).toBe(5)
      const sent = counter.takeSent()
      expect(sent).toHaveLength(3)
      const write = sent[2]
      expect(write?.text).toContain('user_syncs')
      expect(isSyncWrite(write?.text ?? '')).toBe(false)
      expect(write?.text).not.toMatch(/memberships|audit_events/)
      expect(await store.readLastSync(orgId, 'alice')).toEqual({
        lastSyncedAt: first,
        lastTokenIssuedAt: token,
      })
      // Without a token time, the recorded one stays; the sync time moves on.
      const second = new Date('2025-06-02T10:00:00.000Z')
      expect(await noChange(second)).toEqual([g.id])
      expect(isSyncWrite(counter.takeSent()[2]?.text ?? '')).toBe(false)
      expect(await store.readLastSync(orgId, 'alice')).toEqual({
        lastSyncedAt: second,
        lastTokenIssuedAt: token,
      })
      // Memberships and the audit log are as they were.
      expect((await store.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([
        g.id,
      ])
      expect(await store.listAuditEvents(orgId)).toEqual(events)
      // A user's first login that changes nothing creates the record.
      const third = new Date('2025-06-03T10:00:00.000Z')
      await store.withLoginSync(orgId, 'bob', [], () => ({
        changes: { add: [], remove: [], audit: [], syncedAt: third, tokenIssuedAt: token },
        result: undefined,
      }))
      expect(await store.readLastSync(orgId, 'bob')).toEqual({
        lastSyncedAt: third,
        lastTokenIssuedAt: token,
      })
      // A change, or an event alone, still goes through the whole write.
      counter.takeSent()
      await store.withLoginSync(orgId, 'bob', [], () => ({
        changes: {
          add: [],
          remove: [],
          audit: [{ type: 'sync.denied' as const, orgId, userId: 'bob' }],
        },
        result: undefined,
      }))
      expect(isSyncWrite(counter.takeSent()[2]?.text ?? '')).toBe(true)
      await store.close()
    })

    it(`${label}: a serialisation failure or deadlock is retried, decide runs again, and the login lands once`, async () => {
      const h = harness()
      for (const code of ['40001', '40P01']) {
        const store = await storeOn(h, { client: failingClient(h.client(), isSyncWrite, code, 1) })
        const orgId = `retry-${randomUUID()}`
        await store.createGroup(orgId, 'g')
        let decides = 0
        await store.withLoginSync(orgId, 'alice', ['g'], (snap) => {
          decides += 1
          return {
            changes: {
              add: snap.groups.map((g) => ({ groupId: g.id, source: 'sync' as const })),
              remove: [],
              audit: [{ type: 'membership.added' as const, orgId, userId: 'alice' }],
            },
            result: undefined,
          }
        })
        expect(decides).toBe(2)
        expect(await store.listUserMemberships(orgId, 'alice')).toHaveLength(1)
        expect(
          (await store.listAuditEvents(orgId)).filter((e) => e.type === 'membership.added'),
        ).toHaveLength(1)
        await store.close()
      }
    })

    it(`${label}: a failure that keeps recurring ends in STORE_CONFLICT after maxAttempts, nothing written`, async () => {
      const h = harness()
      const store = await storeOn(h, {
        client: failingClient(h.client(), isSyncWrite, '40001', Number.POSITIVE_INFINITY),
        maxAttempts: 4,
      })
      const orgId = `conflict-${randomUUID()}`
      await store.createGroup(orgId, 'g')
      let decides = 0
      const error = await expectCode(
        store.withLoginSync(orgId, 'alice', ['g'], (snap) => {
          decides += 1
          return {
            changes: {
              add: snap.groups.map((g) => ({ groupId: g.id, source: 'sync' as const })),
              remove: [],
              audit: [],
              syncedAt: new Date(),
            },
            result: undefined,
          }
        }),
        'STORE_CONFLICT',
      )
      expect((error as Error).cause).toMatchObject({ code: '40001' })
      expect(decides).toBe(4)
      expect(await store.listUserMemberships(orgId, 'alice')).toEqual([])
      expect(await store.listStaleMembers(orgId, new Date('9999-01-01'))).toEqual([])
      await store.close()
    })

    it(`${label}: other database errors are not retried and keep the pg error as cause`, async () => {
      const h = harness()
      const store = await storeOn(h, { client: failingClient(h.client(), isSyncWrite, '23514', 1) })
      const orgId = `no-retry-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      let decides = 0
      const error = await expectCode(
        store.withLoginSync(orgId, 'alice', ['g'], () => {
          decides += 1
          return {
            changes: { add: [{ groupId: g.id, source: 'sync' }], remove: [], audit: [] },
            result: undefined,
          }
        }),
        'STORE_INVALID_INPUT',
      )
      expect((error as Error).cause).toMatchObject({ code: '23514' })
      expect(decides).toBe(1)
      // A name taken is found by the store's own check, before any constraint refuses it.
      const taken = await expectCode(store.createGroup(orgId, 'g'), 'GROUP_NAME_TAKEN')
      expect((taken as Error).cause).toBeUndefined()
      await store.close()
    })

    it(`${label}: migrate() applies every migration once; a second run applies nothing`, async () => {
      const client = harness().client()
      const schema = randomSchema()
      try {
        const first = await migrate(client, { schema })
        expect(first).toEqual({ schema, applied: await listMigrations() })
        expect(await migrate(client, { schema })).toEqual({ schema, applied: [] })
        const store = await createPostgresMembershipStore({ client, schema })
        expect((await store.createGroup('o', 'g')).name).toBe('g')
        await store.close()
      } finally {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    })

    it(`${label}: a schema that was never migrated gives STORE_UNAVAILABLE saying to migrate`, async () => {
      const store = await createPostgresMembershipStore({
        client: harness().client(),
        schema: randomSchema(),
      })
      const error = await expectCode(store.listGroups('o'), 'STORE_UNAVAILABLE')
      expect((error as Error).cause).toMatchObject({ code: '42P01' })
      await expectCode(store.createGroup('o', 'g'), 'STORE_UNAVAILABLE')
      await store.close()
    })
  })

  describeSqlLevelTests(label, harness)
}
