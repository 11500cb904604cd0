import type { MembershipStore } from '@groupsync/core'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createPostgresMembershipStore,
  listMigrations,
  migrate,
  type SqlClient,
} from '../src/index.js'
import { backfillNameKeys } from '../src/internal/backfills.js'
import { countingClient, randomSchema, storeOn, type Harness } from './helpers.js'

// What the store keeps in its tables, looked at with SQL: the slice keys (JavaScript's
// lower-casing, backfilled by migration 0004), the index a login's read goes through, and what a
// user removal writes.

/** 'İ' lower-cased by JavaScript: 'i' and a combining dot above (a locale's lower() gives 'i'). */
const DOTTED_I_KEY = 'i\u0307'

/** The names the slice of a login claiming `claim` holds (a read-only login: nothing written). */
const sliceNames = (store: MembershipStore, orgId: string, claim: readonly string[]) =>
  store.withLoginSync(orgId, 'reader', claim, (snap) => ({
    changes: null,
    result: snap.groups.map((g) => g.name),
  }))

/** The stored slice keys of an org's groups, by group id (read back exactly, through JSON). */
const storedKeys = async (
  client: SqlClient,
  schema: string,
  orgId: string,
): Promise<Record<string, string>> => {
  const { rows } = await client.query(
    `SELECT json_build_array(id, name_key)::text AS k FROM "${schema}".org_groups WHERE org_id = $1`,
    [orgId],
  )
  return Object.fromEntries(rows.map((r) => JSON.parse(String(r.k)) as [string, string]))
}

/** Applies the migrations up to and including `last` by hand, as an older version would have. */
const migrateUpTo = async (client: SqlClient, schema: string, last: string): Promise<void> => {
  const tx = await client.begin()
  try {
    await tx.execScript(`CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".schema_migrations (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      SET LOCAL search_path TO "${schema}"`)
    for (const name of await listMigrations()) {
      if (name > last) break
      await tx.execScript(await readFile(new URL(`../migrations/${name}`, import.meta.url), 'utf8'))
      await tx.query(`INSERT INTO "${schema}".schema_migrations (name) VALUES ($1)`, [name])
    }
  } catch (error) {
    await tx.rollback()
    throw error
  }
  await tx.commit()
}

/** The plan nodes of an `EXPLAIN (FORMAT JSON)` result, depth first. */
const planNodes = (explained: unknown): Record<string, unknown>[] => {
  const json: unknown = typeof explained === 'string' ? JSON.parse(explained) : explained
  const nodes: Record<string, unknown>[] = []
  const walk = (node: Record<string, unknown>): void => {
    nodes.push(node)
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child)
  }
  walk((json as { Plan: Record<string, unknown> }[])[0]?.Plan ?? {})
  return nodes
}

/** The SQL-level tests, on one database. */
export const describeSqlLevelTests = (label: string, harness: () => Harness): void => {
  describe(`Postgres store on ${label}: at the SQL level`, { timeout: 120_000 }, () => {
    it(`${label}: createGroup and renameGroup store JavaScript's lower-casing as the key ('İ', 'ẞ'), and the slice finds groups by it`, async () => {
      const h = harness()
      const store = await storeOn(h)
      const orgId = `keys-${randomUUID()}`
      const dotted = await store.createGroup(orgId, 'İstanbul')
      const sharp = await store.createGroup(orgId, 'STRAẞE')
      expect(await storedKeys(h.client(), h.schema, orgId)).toEqual({
        [dotted.id]: `${DOTTED_I_KEY}stanbul`,
        [sharp.id]: 'straße',
      })
      await store.renameGroup(orgId, dotted.id, 'İZMİR')
      await store.renameGroup(orgId, sharp.id, 'Straße')
      expect(await storedKeys(h.client(), h.schema, orgId)).toEqual({
        [dotted.id]: `${DOTTED_I_KEY}zm${DOTTED_I_KEY}r`,
        [sharp.id]: 'straße',
      })
      // The key of a claim entry is found whatever its case; a locale's 'i' is another key.
      expect(await sliceNames(store, orgId, ['i̇zmi̇r'])).toEqual(['İZMİR'])
      expect(await sliceNames(store, orgId, ['İzmİr', 'STRASSE', 'STRAẞE'])).toEqual([
        'Straße',
        'İZMİR',
      ])
      expect(await sliceNames(store, orgId, ['izmir'])).toEqual([])
      await store.close()
    })

    it(`${label}: a 10,000-character name is stored with its key and found by the slice`, async () => {
      const h = harness()
      const store = await storeOn(h)
      const orgId = `long-${randomUUID()}`
      const long = 'Ab'.repeat(5_000)
      const g = await store.createGroup(orgId, long)
      await store.createGroup(orgId, 'other')
      expect((await storedKeys(h.client(), h.schema, orgId))[g.id]).toBe('ab'.repeat(5_000))
      expect(await sliceNames(store, orgId, ['aB'.repeat(5_000)])).toEqual([long])
      expect(await sliceNames(store, orgId, [`${'ab'.repeat(4_999)}ac`])).toEqual([])
      await store.close()
    })

    it(`${label}: migration 0004 backfills the keys of existing groups from JavaScript ('İ', 'ẞ', U+FEFF, 10,000 characters, several batches), idempotently, then makes them NOT NULL`, async () => {
      const client = harness().client()
      const schema = randomSchema()
      const migrations = await listMigrations()
      try {
        const version3 = '0003_group_audit_events.sql'
        await migrateUpTo(client, schema, version3)
        const names = ['İ', 'ẞ', '\uFEFFAdmins', 'Ab'.repeat(5_000), 'plain']
        await client.query(
          `INSERT INTO "${schema}".org_groups (org_id, name) SELECT 'o1', unnest($1::text[])`,
          [names],
        )
        // More groups than one batch of the backfill, in another org.
        await client.query(
          `INSERT INTO "${schema}".org_groups (org_id, name)
           SELECT 'o2', 'Team ' || i FROM generate_series(1, 2500) AS i`,
        )
        const result = await migrate(client, { schema })
        expect(result.applied).toEqual(migrations.filter((m) => m > version3))
        const { rows } = await client.query(
          `SELECT json_build_array(name, name_key)::text AS k FROM "${schema}".org_groups`,
        )
        const pairs = rows.map((r) => JSON.parse(String(r.k)) as [string, string])
        expect(pairs).toHaveLength(names.length + 2500)
        expect(pairs.filter(([name, key]) => key !== name.toLowerCase())).toEqual([])
        expect(Object.fromEntries(pairs.filter(([n]) => names.includes(n)))).toEqual({
          İ: DOTTED_I_KEY,
          ẞ: 'ß',
          '\uFEFFAdmins': '\uFEFFadmins',
          ['Ab'.repeat(5_000)]: 'ab'.repeat(5_000),
          plain: 'plain',
        })
        const nullable = await client.query(
          `SELECT is_nullable FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = 'org_groups' AND column_name = 'name_key'`,
          [schema],
        )
        expect(nullable.rows).toEqual([{ is_nullable: 'NO' }])
        // Run again, the backfill finds nothing to change.
        expect(await backfillNameKeys(client, `"${schema}"`)).toBe(0)
        const store = await createPostgresMembershipStore({ client, schema })
        expect(await sliceNames(store, 'o1', [DOTTED_I_KEY, 'AB'.repeat(5_000)])).toEqual([
          'Ab'.repeat(5_000),
          'İ',
        ])
        expect(await sliceNames(store, 'o1', ['\uFEFFADMINS'])).toEqual(['\uFEFFAdmins'])
        expect(await sliceNames(store, 'o2', ['TEAM 2500'])).toEqual(['Team 2500'])
        await store.close()
      } finally {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    })

    it(`${label}: in an org of 20,000 groups a login reads its slice through the key index, not a scan of org_groups, in the same 5 statements as in an org of one group`, async () => {
      const h = harness()
      const counter = countingClient(h.client())
      const store = await storeOn(h, { client: counter.client })
      const small = `small-${randomUUID()}`
      const big = `big-${randomUUID()}`
      const only = await store.createGroup(small, 'Team 7')
      await h.client().query(
        `INSERT INTO "${h.schema}".org_groups (org_id, name, name_key)
           SELECT $1, 'Team ' || i, 'team ' || i FROM generate_series(1, 20000) AS i`,
        [big],
      )
      // As autovacuum would after such a load: the planner then knows how big the org is.
      await h.client().query(`ANALYZE "${h.schema}".org_groups`)
      const login = (orgId: string) =>
        store.withLoginSync(orgId, 'alice', ['team 7', 'TEAM 19999', 'nope'], (snap) => ({
          changes: {
            add: snap.groups.map((g) => ({ groupId: g.id, source: 'sync' as const })),
            remove: [],
            audit: [],
            syncedAt: new Date(),
          },
          result: snap.groups.map((g) => g.name),
        }))
      counter.take()
      counter.takeSent()
      expect(await login(small)).toEqual([only.name])
      const smallCount = counter.take()
      counter.takeSent()
      expect(await login(big)).toEqual(['Team 19999', 'Team 7'])
      expect(counter.take()).toBe(smallCount)
      expect(smallCount).toBe(5)
      const read = counter.takeSent().find((s) => s.text.includes('WITH mine AS'))
      expect(read, 'the login read').toBeDefined()
      const { rows } = await h
        .client()
        .query(`EXPLAIN (FORMAT JSON) ${read?.text ?? ''}`, read?.params ?? [])
      const nodes = planNodes(rows[0]?.['QUERY PLAN'])
      const scans = nodes.map((n) =>
        [n['Node Type'], n['Relation Name'] ?? n['Index Name'] ?? ''].map(String).join(' '),
      )
      expect(scans, JSON.stringify(scans)).not.toContain('Seq Scan org_groups')
      const keyed = nodes.filter((n) => n['Index Name'] === 'org_groups_by_name_key')
      expect(keyed.length, JSON.stringify(scans)).toBeGreaterThan(0)
      expect(String(keyed[0]?.['Index Cond'])).toContain('hashtextextended')
      await store.close()
    })

    it(`${label}: a login's read does no work beyond its rows when the planner's statistics predate the org (analysed while the table held another org): 10,000 memberships and 10,000 claimed names in an org of 20,000 groups`, async () => {
      const client = harness().client()
      const schema = randomSchema()
      try {
        await migrate(client, { schema })
        const counter = countingClient(client)
        const store = await createPostgresMembershipStore({
          client: counter.client,
          schema,
          migrate: false,
        })
        const tables = ['org_groups', 'memberships']
        // What a multi-tenant table looks like to the planner the day a large org arrives: the
        // statistics were gathered when it held other orgs, and autovacuum has not run since
        // (turned off here so that it cannot run mid-test). The planner then takes the new org
        // for a handful of rows.
        for (const t of tables) {
          await client.query(`ALTER TABLE "${schema}".${t} SET (autovacuum_enabled = false)`)
        }
        const seen = await store.createGroup('seen-org', 'g')
        expect(await store.addManualMember('seen-org', seen.id, 'bob')).toBe(true)
        for (const t of tables) await client.query(`ANALYZE "${schema}".${t}`)
        const orgId = 'new-org'
        await client.query(
          `INSERT INTO "${schema}".org_groups (org_id, name, name_key)
             SELECT $1, 'Team ' || i, 'team ' || i FROM generate_series(1, 20000) AS i`,
          [orgId],
        )
        await client.query(
          `INSERT INTO "${schema}".memberships (org_id, user_id, group_id, source)
             SELECT org_id, 'alice', id, 'sync' FROM "${schema}".org_groups
             WHERE org_id = $1 AND name_key::text ~ '^team [0-9]{1,4}$|^team 10000$'`,
          [orgId],
        )
        // Alice is in teams 1 to 10,000 and her claim names teams 5,001 to 15,000.
        const claim = Array.from({ length: 10_000 }, (_, i) => `TEAM ${i + 5_001}`)
        counter.takeSent()
        const read = await store.withLoginSync(orgId, 'alice', claim, (snap) => ({
          changes: null,
          result: { groups: snap.groups.length, memberships: snap.memberships.length },
        }))
        expect(read).toEqual({ groups: 15_000, memberships: 10_000 })
        const sent = counter.takeSent().find((s) => s.text.includes('WITH mine AS'))
        expect(sent, 'the login read').toBeDefined()
        const { rows } = await client.query(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${sent?.text ?? ''}`,
          sent?.params ?? [],
        )
        // Rows a node read and threw away, over all its loops: with a plan that looks each
        // membership and each claimed key up through an index, none. A nested loop that scans
        // the org's groups once per membership throws away about 10,000 x 10,000 / 2.
        const nodes = planNodes(rows[0]?.['QUERY PLAN'])
        // And no index stands in for another: a user's memberships are read through the primary
        // key (org, user, group), not through an index that finds the org's rows and then scans
        // them for the user — which no "rows removed" would show.
        const membershipScans = nodes
          .filter((n) => n['Relation Name'] === 'memberships')
          .map((n) => [n['Node Type'], n['Index Name'] ?? ''].map(String).join(' '))
        expect(membershipScans).toEqual(['Index Scan memberships_pkey'])
        const wasted = nodes.map((n) => {
          const loops = Number(n['Actual Loops'] ?? 1)
          const removed = ['Rows Removed by Filter', 'Rows Removed by Join Filter']
            .map((k) => Number(n[k] ?? 0))
            .reduce((a, b) => a + b, 0)
          return {
            node: [n['Node Type'], n['Index Name'] ?? n['Relation Name'] ?? '']
              .map(String)
              .join(' '),
            removed: removed * loops,
          }
        })
        const total = wasted.reduce((sum, w) => sum + w.removed, 0)
        expect(total, JSON.stringify(wasted.filter((w) => w.removed > 0))).toBe(0)
        await store.close()
      } finally {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    })

    it(`${label}: removeUser deletes the memberships and the last-sync row and records the removal time in one write, with its events; a second call writes nothing`, async () => {
      const h = harness()
      const counter = countingClient(h.client())
      const store = await storeOn(h, { client: counter.client })
      const orgId = `remove-${randomUUID()}`
      const [g1, g2] = [await store.createGroup(orgId, 'g1'), await store.createGroup(orgId, 'g2')]
      expect(await store.addManualMember(orgId, g1.id, 'alice')).toBe(true)
      expect(await store.addManualMember(orgId, g1.id, 'bob')).toBe(true)
      await store.withLoginSync(orgId, 'alice', ['g2'], () => ({
        changes: {
          add: [{ groupId: g2.id, source: 'sync' }],
          remove: [],
          audit: [],
          syncedAt: new Date('2025-05-05T00:00:00.000Z'),
          tokenIssuedAt: new Date('2025-05-04T23:59:00.000Z'),
        },
        result: undefined,
      }))
      const before = (await store.listAuditEvents(orgId)).length
      const count = async (table: string) =>
        Number(
          (
            await h
              .client()
              .query(
                `SELECT count(*)::int AS n FROM "${h.schema}".${table} WHERE org_id = $1 AND user_id = $2`,
                [orgId, 'alice'],
              )
          ).rows[0]?.n,
        )
      const removedAt = async () =>
        (
          await h
            .client()
            .query(
              `SELECT floor(extract(epoch FROM removed_at) * 1000)::text AS ms FROM "${h.schema}".user_removals WHERE org_id = $1 AND user_id = $2`,
              [orgId, 'alice'],
            )
        ).rows.map((r) => Number(r.ms))
      counter.take()
      const started = Date.now()
      expect(await store.removeUser(orgId, 'alice', { actor: 'hr' })).toEqual({
        removed: true,
        memberships: 2,
      })
      // BEGIN, the locks, the read, the one write, COMMIT.
      expect(counter.take()).toBe(5)
      expect(await count('memberships')).toBe(0)
      expect(await count('user_syncs')).toBe(0)
      const [at] = await removedAt()
      expect(at).toBeGreaterThanOrEqual(started - 1)
      expect(at).toBeLessThanOrEqual(Date.now() + 1)
      const events = (await store.listAuditEvents(orgId)).slice(before)
      const byId = [g1, g2].sort((a, b) => (a.id < b.id ? -1 : 1))
      expect(events.map((e) => [e.type, e.groupId, e.groupName, e.source, e.actor])).toEqual([
        ...byId.map((g) => [
          'membership.removed',
          g.id,
          g.name,
          g === g1 ? 'manual' : 'sync',
          'hr',
        ]),
        ['user.removed', undefined, undefined, undefined, 'hr'],
      ])
      expect(events.at(-1)?.detail).toEqual({ memberships: 2 })
      // Bob keeps his membership; the next login of alice sees the removal time.
      expect((await store.listMembers(orgId, g1.id)).map((m) => m.userId)).toEqual(['bob'])
      const seen = await store.withLoginSync(orgId, 'alice', [], (snap) => ({
        changes: null,
        result: snap.removedAt?.getTime(),
      }))
      expect(seen).toBe(at)
      counter.take()
      expect(await store.removeUser(orgId, 'alice')).toEqual({ removed: false, memberships: 0 })
      // BEGIN, the locks, the read, COMMIT: no write.
      expect(counter.take()).toBe(4)
      expect((await store.listAuditEvents(orgId)).length).toBe(before + 3)
      expect(await removedAt()).toEqual([at])
      await store.close()
    })

    it(`${label}: a removal that fails after its write (the remove-user:after-write fault) leaves the memberships, the last sync and no removal time`, async () => {
      const h = harness()
      let armed = false
      const store = await storeOn(h, {
        testOnlyFaultHook: (point) => {
          if (armed && point === 'remove-user:after-write') throw new Error('crash')
        },
      })
      const orgId = `remove-fault-${randomUUID()}`
      const g = await store.createGroup(orgId, 'g')
      await store.withLoginSync(orgId, 'alice', ['g'], () => ({
        changes: {
          add: [{ groupId: g.id, source: 'sync' }],
          remove: [],
          audit: [],
          syncedAt: new Date(),
        },
        result: undefined,
      }))
      const before = await store.listAuditEvents(orgId)
      armed = true
      await expect(store.removeUser(orgId, 'alice')).rejects.toThrow('crash')
      expect((await store.listUserMemberships(orgId, 'alice')).map((m) => m.groupId)).toEqual([
        g.id,
      ])
      expect(await store.readLastSync(orgId, 'alice')).not.toBeNull()
      expect(await store.listAuditEvents(orgId)).toEqual(before)
      const { rows } = await h
        .client()
        .query(`SELECT 1 FROM "${h.schema}".user_removals WHERE org_id = $1`, [orgId])
      expect(rows).toEqual([])
      await store.close()
    })
  })
}
