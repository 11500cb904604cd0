import type { MembershipStore } from '@groupsync/core'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, migrate, type SqlClient } from '../src/index.js'
import { HOSTILE_NAMES } from '@groupsync/store-contract'
import fc from 'fast-check'
import { jsonRows } from '../src/internal/rows.js'
import { fold, SLICE_FOLD_FUNCTION } from '../src/internal/slice-fold.js'
import { listMigrations } from '../src/migrate.js'
import { countingClient, randomSchema, storeOn, type Harness } from './helpers.js'

// What the store keeps in its tables, looked at with SQL: the fold of names the slice is found by
// (JavaScript's lower-casing, computed by the database), the index a login's read goes through,
// and what a user removal writes.

/** The names the slice of a login claiming `claim` holds (a read-only login: nothing written). */
const sliceNames = (store: MembershipStore, orgId: string, claim: readonly string[]) =>
  store.withLoginSync(orgId, 'reader', claim, (snap) => ({
    changes: null,
    result: snap.groups.map((g) => g.name),
  }))

/**
 * The names for which the database's fold differs from its fold of JavaScript's lower case
 * (a slice could miss a group), or from the fold computed in JavaScript for a login's keys (the
 * index would not find it): none.
 */
const foldMisses = async (client: SqlClient, schema: string, names: readonly string[]) => {
  const { rows } = await client.query(
    `SELECT json_agg(json_build_array(n, f, fk))::text AS folds FROM (
       SELECT n, "${schema}".${SLICE_FOLD_FUNCTION}(n) AS f, "${schema}".${SLICE_FOLD_FUNCTION}(k) AS fk
       FROM unnest($1::text[], $2::text[]) AS t(n, k)) AS x`,
    [names, names.map((n) => n.toLowerCase())],
  )
  const folds = jsonRows(rows[0]?.folds) as [string, string, string][]
  expect(folds).toHaveLength(names.length)
  return folds.filter(([n, f, fk]) => f !== fk || f !== fold(n)).map(([n]) => n)
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
    it(`${label}: the database folds every name as it folds its JavaScript lower case ('İ', 'ẞ', final and other sigmas, the Kelvin sign, hostile names, random text), whatever its locale, so the slice finds a group by any case of its name`, async () => {
      const h = harness()
      const client = h.client()
      const odd = [
        'İstanbul',
        'STRAẞE',
        'ΟΔΟΣ',
        'Σ',
        '1Σ',
        'ΣΑ',
        '\u212Aelvin',
        'Å',
        ...HOSTILE_NAMES,
      ]
      const random = fc.sample(fc.string({ unit: 'binary', maxLength: 12 }), 2_000)
      const storable = [...odd, ...random].filter(
        (n) => !n.includes('\u0000') && !/\p{Cs}/u.test(n),
      )
      expect(await foldMisses(client, h.schema, storable)).toEqual([])
      const store = await storeOn(h)
      const orgId = `fold-${randomUUID()}`
      await store.createGroup(orgId, 'İZMİR')
      await store.createGroup(orgId, 'Straße')
      await store.createGroup(orgId, 'ΟΔΟΣ')
      expect(await sliceNames(store, orgId, ['i̇zmi̇r'])).toEqual(['İZMİR'])
      expect(await sliceNames(store, orgId, ['İzmİr', 'STRASSE', 'straße', 'Οδος'])).toEqual([
        'Straße',
        'İZMİR',
        'ΟΔΟΣ',
      ])
      // A locale's 'i' for 'İ' is another slice key, 'ss' is not 'ß', and a name ending in a
      // capital sigma lower-cases to a final one: the fold finds them, the rule keeps them out.
      expect(await sliceNames(store, orgId, ['izmir', 'strasse', 'οδοσ'])).toEqual([])
      await store.close()
    })

    it(`${label}: a name at the store's limit (4,096 bytes, not ASCII) is found by the slice through its fold, by any case`, async () => {
      const h = harness()
      const store = await storeOn(h)
      const orgId = `long-${randomUUID()}`
      const long = `${'Äb'.repeat(1_365)}x`
      expect(Buffer.byteLength(long)).toBe(store.limits.maxNameBytes)
      await store.createGroup(orgId, long)
      await store.createGroup(orgId, 'other')
      expect(await sliceNames(store, orgId, [long.toUpperCase()])).toEqual([long])
      expect(await sliceNames(store, orgId, [`${'äb'.repeat(1_365)}y`])).toEqual([])
      await store.close()
    })

    it(`${label}: migration 0006 upgrades a version-5 store without a backfill: name_key goes, and every group written before is found by its fold ('İ', 'ẞ', U+FEFF, 10,000 characters)`, async () => {
      const client = harness().client()
      const schema = randomSchema()
      const migrations = await listMigrations()
      try {
        const version5 = '0005_indexes_led_by_their_lookup.sql'
        await migrateUpTo(client, schema, version5)
        const names = ['İ', 'ẞ', '\uFEFFAdmins', 'Ab'.repeat(5_000), 'plain']
        // As version 5 wrote them, with their keys.
        await client.query(
          `INSERT INTO "${schema}".org_groups (org_id, name, name_key)
           SELECT 'o1', n, lower(n) FROM unnest($1::text[]) AS n`,
          [names],
        )
        const result = await migrate(client, { schema })
        expect(result.applied).toEqual(migrations.filter((m) => m > version5))
        const columns = await client.query(
          `SELECT json_agg(column_name)::text AS c FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = 'org_groups'`,
          [schema],
        )
        expect(JSON.parse(String(columns.rows[0]?.c))).not.toContain('name_key')
        const store = await createPostgresMembershipStore({ client, schema })
        expect(await sliceNames(store, 'o1', ['i\u0307', 'AB'.repeat(5_000)])).toEqual([
          'Ab'.repeat(5_000),
          'İ',
        ])
        expect(await sliceNames(store, 'o1', ['\uFEFFADMINS', 'ß'])).toEqual(['ẞ', '\uFEFFAdmins'])
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
        `INSERT INTO "${h.schema}".org_groups (org_id, name)
           SELECT $1, 'Team ' || i FROM generate_series(1, 20000) AS i`,
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
      // The index over the names' fold (on a partitioned table, each partition's copy of it):
      // its condition is the hash of the fold, which the plan may show with the fold inlined.
      const keyed = nodes.filter(
        (n) =>
          JSON.stringify(n['Relation Name'] ?? '').startsWith('"org_groups') &&
          JSON.stringify(n['Index Cond'] ?? '').includes('hashtextextended'),
      )
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
          `INSERT INTO "${schema}".org_groups (org_id, name)
             SELECT $1, 'Team ' || i FROM generate_series(1, 20000) AS i`,
          [orgId],
        )
        await client.query(
          `INSERT INTO "${schema}".memberships (org_id, user_id, group_id, source)
             SELECT org_id, 'alice', id, 'sync' FROM "${schema}".org_groups
             WHERE org_id = $1 AND name ~ '^Team [0-9]{1,4}$|^Team 10000$'`,
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
