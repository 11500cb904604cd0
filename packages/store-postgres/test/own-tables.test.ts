import { orgGroupSlice, type MembershipStore } from '@groupsync/core'
import { PGlite } from '@electric-sql/pglite'
import { HOSTILE_NAMES } from '@groupsync/store-contract'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createPostgresMembershipStore,
  fromPGlite,
  fromPgPool,
  migrate,
  type SqlClient,
  type TablesDescription,
} from '../src/index.js'
import { randomSchema } from './helpers.js'

// The store on an application's own tables, at the SQL level: rows the application wrote before
// groupsync was installed, the description's checks, what a migration creates and leaves alone,
// and the lock enforced by the database.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  throw new Error('DATABASE_URL is not set in CI: the real-server own-tables tests cannot run.')
}

/** The application's tables, as they were before it adopted groupsync. */
const appSchema = (s: string) => `CREATE SCHEMA ${s};
  CREATE TABLE ${s}.teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL,
    display_name text NOT NULL,
    archived_at timestamptz,
    UNIQUE (org_id, display_name)
  );
  CREATE TABLE ${s}.team_members (
    team_id uuid NOT NULL REFERENCES ${s}.teams (id),
    user_id uuid NOT NULL,
    added_by text,
    PRIMARY KEY (team_id, user_id)
  );`

const tablesOf = (s: string): TablesDescription => ({
  groups: {
    table: `${s}.teams`,
    id: 'id',
    org: 'org_id',
    name: 'display_name',
    where: 'archived_at IS NULL',
  },
  memberships: {
    table: `${s}.team_members`,
    group: 'team_id',
    user: 'user_id',
    source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
  },
})

const clients: {
  label: string
  make: () => Promise<{ client: SqlClient; end: () => Promise<void> }>
}[] = [
  {
    label: 'PGlite',
    make: async () => {
      const db = await PGlite.create()
      return { client: fromPGlite(db), end: () => db.close() }
    },
  },
]
if (url !== undefined) {
  clients.push({
    label: 'real server',
    make: () => {
      const pool = new pg.Pool({ connectionString: url, max: 4, pipeline: true })
      pool.on('error', () => undefined)
      return Promise.resolve({ client: fromPgPool(pool), end: () => pool.end() })
    },
  })
}

const ends: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const end of ends) await end()
})

/** A fresh application schema and groupsync schema on a client. */
const setUp = async (make: () => Promise<{ client: SqlClient; end: () => Promise<void> }>) => {
  const { client, end } = await make()
  const app = `app_${randomSchema()}`
  const schema = randomSchema()
  await client.query('SELECT 1')
  const tx = await client.begin()
  await tx.execScript(appSchema(app))
  await tx.commit()
  ends.push(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${app} CASCADE`).catch(() => undefined)
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await end()
  })
  return { client, app, schema, tables: tablesOf(app) }
}

const mapping = (store: MembershipStore, orgId: string, on: boolean) =>
  store.updateOrgSettings(orgId, (s) => ({
    settings: { ...s, manageGroupMemberships: on },
    audit: [],
  }))

for (const { label, make } of clients) {
  describe(`own tables on ${label}`, { timeout: 120_000 }, () => {
    it(`${label}: teams the application wrote before groupsync was installed are matched at the first login with no backfill, and every login's slice is exactly orgGroupSlice, hostile names included`, async () => {
      const { client, app, schema, tables } = await setUp(make)
      const orgId = randomUUID()
      // Every hostile name the table's unique btree index can hold, and a few of case's oddities.
      const names = [
        ...HOSTILE_NAMES.filter((n) => Buffer.byteLength(n) <= 2_000),
        'Engineering',
        'İstanbul',
        'STRAẞE',
        'ΟΔΟΣ',
      ]
      expect(names.length).toBeGreaterThan(40)
      // Written by the application, long before: no key, no groupsync anywhere.
      const { rows } = await client.query(
        `INSERT INTO ${app}.teams (org_id, display_name) SELECT $1::uuid, n FROM unnest($2::text[]) AS n
         RETURNING json_build_array(id::text, display_name)::text AS t`,
        [orgId, names],
      )
      const teams = rows.map((r) => {
        const [id, name] = JSON.parse(String(r.t)) as [string, string]
        return { id, name }
      })
      await migrate(client, { schema, tables })
      const store = await createPostgresMembershipStore({ client, schema, tables })
      await mapping(store, orgId, true)
      const user = randomUUID()
      const claims = [
        ['engineering'],
        names,
        names.map((n) => n.toUpperCase()),
        names.map((n) => n.toLowerCase()),
        ['i̇stanbul', 'straße', 'οδος', 'οδοσ', 'ISTANBUL'],
      ]
      for (const claim of claims) {
        const slice = await store.withLoginSync(orgId, user, claim, (snap) => ({
          changes: null,
          result: snap.groups.map((g) => g.id).sort(),
        }))
        expect(slice).toEqual(
          orgGroupSlice(claim, teams, [])
            .map((t) => t.id)
            .sort(),
        )
      }
      // The first login claiming a team written before groupsync joins it.
      const engineering = teams.find((t) => t.name === 'Engineering')
      const joined = await store.withLoginSync(orgId, user, ['engineering'], (snap) => ({
        changes: {
          add: snap.groups.map((g) => ({ groupId: g.id, source: 'sync' as const })),
          remove: [],
          audit: [],
          syncedAt: new Date(),
        },
        result: snap.groups.map((g) => g.id),
      }))
      expect(joined).toEqual([engineering?.id])
      expect(
        (await client.query(`SELECT added_by FROM ${app}.team_members WHERE user_id = $1`, [user]))
          .rows,
      ).toEqual([{ added_by: 'groupsync' }])
      await store.close()
    })

    it(`${label}: a migration with tables creates only groupsync's own tables, never the default ones, and changes nothing of the application's unless asked; a schema keeps its layout`, async () => {
      const { client, app, schema, tables } = await setUp(make)
      const objects = async () =>
        (
          await client.query(
            `SELECT json_agg(c.relname ORDER BY c.relname)::text AS names FROM pg_class AS c
             JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
            [app],
          )
        ).rows[0]?.names
      const before = await objects()
      await migrate(client, { schema, tables })
      expect(await objects()).toEqual(before)
      const own = await client.query(
        `SELECT json_agg(table_name ORDER BY table_name)::text AS t FROM information_schema.tables
         WHERE table_schema = $1`,
        [schema],
      )
      expect(JSON.parse(String(own.rows[0]?.t))).toEqual([
        'audit_counters',
        'audit_events',
        'membership_sources',
        'org_settings',
        'schema_migrations',
        'user_removals',
        'user_syncs',
      ])
      await expect(migrate(client, { schema })).rejects.toMatchObject({
        code: 'STORE_INVALID_INPUT',
        path: '/tables',
      })
      await migrate(client, { schema, tables, applicationIndexes: true })
      const indexes = JSON.parse(String(await objects())) as string[]
      expect(indexes.filter((n) => n.startsWith('groupsync_'))).toHaveLength(2)
      // Asked again, nothing more.
      await migrate(client, { schema, tables, applicationIndexes: true })
      expect(JSON.parse(String(await objects()))).toEqual(indexes)
    })

    it(`${label}: the description is checked before any SQL runs, and against the database when the store starts, each refusal naming its JSON Pointer`, async () => {
      const { client, app, schema, tables } = await setUp(make)
      await migrate(client, { schema, tables })
      const refused = async (description: unknown, path: string) => {
        await expect(
          createPostgresMembershipStore({
            client,
            schema,
            tables: description as TablesDescription,
          }),
        ).rejects.toMatchObject({ _tag: 'StoreError', code: 'STORE_INVALID_INPUT', path })
      }
      await refused({ ...tables, extra: 1 }, '/tables/extra')
      await refused({ memberships: tables.memberships }, '/tables/groups')
      await refused({ ...tables, groups: { ...tables.groups, nmae: 'x' } }, '/tables/groups/nmae')
      await refused({ ...tables, groups: { ...tables.groups, id: '' } }, '/tables/groups/id')
      await refused(
        {
          ...tables,
          memberships: {
            ...tables.memberships,
            source: { column: 'added_by', sync: 'x', manual: 'x' },
          },
        },
        '/tables/memberships/source/manual',
      )
      await refused(
        { ...tables, groups: { ...tables.groups, table: `${app}.nope` } },
        '/tables/groups/table',
      )
      await refused(
        { ...tables, groups: { ...tables.groups, name: 'title' } },
        '/tables/groups/name',
      )
      // An id must be text, uuid or an integer; a creation time a timestamp or a date.
      await refused(
        { ...tables, groups: { ...tables.groups, org: 'archived_at' } },
        '/tables/groups/org',
      )
      await refused(
        { ...tables, groups: { ...tables.groups, createdAt: 'display_name' } },
        '/tables/groups/createdAt',
      )
    })

    it(`${label}: with the lock enforced in the database, the application's own INSERT and DELETE of a membership are refused while its org's mapping is on and allowed while it is off; the sync's writes and a group's deletion pass`, async () => {
      const { client, app, schema, tables } = await setUp(make)
      await migrate(client, { schema, tables, enforceLock: true })
      const store = await createPostgresMembershipStore({ client, schema, tables })
      const orgId = randomUUID()
      const [a, b] = [await store.createGroup(orgId, 'a'), await store.createGroup(orgId, 'b')]
      const [alice, bob] = [randomUUID(), randomUUID()]
      const insert = (team: string, user: string) =>
        client.query(
          `INSERT INTO ${app}.team_members (team_id, user_id, added_by) VALUES ($1, $2, 'admin')`,
          [team, user],
        )
      const remove = (team: string, user: string) =>
        client.query(`DELETE FROM ${app}.team_members WHERE team_id = $1 AND user_id = $2`, [
          team,
          user,
        ])
      // Off: the application manages its members.
      await insert(a.id, alice)
      await insert(b.id, bob)
      await remove(b.id, bob)
      await mapping(store, orgId, true)
      const lock = {
        code: 'GS001',
        message: expect.stringMatching(/maps group memberships/) as unknown,
      }
      await expect(insert(b.id, bob)).rejects.toMatchObject(lock)
      await expect(remove(a.id, alice)).rejects.toMatchObject(lock)
      await expect(
        client.query(`UPDATE ${app}.team_members SET team_id = $1 WHERE team_id = $2`, [
          b.id,
          a.id,
        ]),
      ).rejects.toMatchObject(lock)
      // Another org's mapping is its own.
      const otherOrg = randomUUID()
      const c = await store.createGroup(otherOrg, 'c')
      await insert(c.id, bob)
      // The sync's writes pass: alice leaves a, joins b.
      await store.withLoginSync(orgId, alice, ['b'], (snap) => ({
        changes: {
          add: [{ groupId: b.id, source: 'sync' }],
          remove: snap.memberships.map((m) => m.groupId),
          audit: [],
          syncedAt: new Date(),
        },
        result: null,
      }))
      expect((await store.listUserMemberships(orgId, alice)).map((m) => m.groupId)).toEqual([b.id])
      // Deleting a group is allowed while mapping is on, through the store.
      await store.deleteGroup(orgId, b.id)
      expect(await store.listUserMemberships(orgId, alice)).toEqual([])
      await mapping(store, orgId, false)
      await insert(a.id, bob)
      await remove(a.id, bob)
      await store.close()
    })
  })
}
