import { randomUUID } from 'node:crypto'
import { createPostgresMembershipStore, fromPgPool, migrate } from '@groupsync/store-postgres'
import type { Either } from 'fp-ts/lib/Either.js'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createMembershipAdmin } from '../src/index.js'
import { databaseUrl } from './support/stores.js'

// The admin service on the Postgres store over an application's own tables: teams with uuid
// ids and a unique (org, name) constraint kept as it is, team_members keeping the source in
// added_by. Every change is read back from the application's rows with SQL.

const url = databaseUrl()

describe.skipIf(url === undefined)('createMembershipAdmin on the application’s own tables', () => {
  it('adds and removes members by hand behind the mapping switch, and audits each change', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    const suffix = randomUUID().replaceAll('-', '')
    const app = `app_${suffix}`
    const schema = `gs_admin_${suffix}`
    const org = randomUUID()
    try {
      await pool.query(`CREATE SCHEMA ${app};
        CREATE TABLE ${app}.teams (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          org_id uuid NOT NULL, display_name text NOT NULL, UNIQUE (org_id, display_name));
        CREATE TABLE ${app}.team_members (team_id uuid NOT NULL REFERENCES ${app}.teams (id),
          user_id text NOT NULL, added_by text NOT NULL, PRIMARY KEY (team_id, user_id));`)
      const { rows: teams } = await pool.query<{ id: string }>(
        `INSERT INTO ${app}.teams (org_id, display_name) VALUES ($1, 'dev') RETURNING id`,
        [org],
      )
      const dev = teams[0]?.id ?? ''
      const tables = {
        groups: { table: `${app}.teams`, id: 'id', org: 'org_id', name: 'display_name' },
        memberships: {
          table: `${app}.team_members`,
          group: 'team_id',
          user: 'user_id',
          source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
        },
      }
      await migrate(fromPgPool(pool), { schema, tables })
      const store = await createPostgresMembershipStore({ pool, schema, tables })
      const admin = createMembershipAdmin({ store })
      const rows = async () =>
        (await pool.query(`SELECT user_id, added_by FROM ${app}.team_members ORDER BY 1`)).rows.map(
          (r: { user_id: string; added_by: string }) => [r.user_id, r.added_by],
        )
      /** A Right's value, or a Left's error code. */
      const outcome = <A>(r: Either<{ code: string }, A>): A | string =>
        r._tag === 'Right' ? r.right : r.left.code

      const groups = outcome(await admin.listGroups(org)())
      expect(typeof groups !== 'string' && groups.map((g) => [g.id, g.name])).toEqual([
        [dev, 'dev'],
      ])
      expect(outcome(await admin.addMember(org, dev, 'alice', { actor: 'root' })())).toBe(true)
      expect(await rows()).toEqual([['alice', 'admin']])

      expect(
        outcome(await admin.setManageGroupMemberships(org, true, { actor: 'root' })()),
      ).toEqual({ changed: true, settings: { manageGroupMemberships: true, matchMode: 'exact' } })
      expect(outcome(await admin.addMember(org, dev, 'bob')())).toBe(
        'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
      )
      expect(outcome(await admin.removeMember(org, dev, 'alice')())).toBe(
        'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
      )
      expect(await rows()).toEqual([['alice', 'admin']])

      expect(outcome(await admin.setManageGroupMemberships(org, false)())).toMatchObject({
        changed: true,
      })
      expect(outcome(await admin.removeMember(org, dev, 'alice', { actor: 'root' })())).toBe(true)
      expect(await rows()).toEqual([])

      const audit = outcome(await admin.listAuditEvents(org)())
      expect(
        typeof audit !== 'string' &&
          audit.map((e) => [e.type, e.userId, e.groupId, e.source, e.actor]),
      ).toEqual([
        ['membership.added', 'alice', dev, 'manual', 'root'],
        ['settings.changed', undefined, undefined, undefined, 'root'],
        ['settings.changed', undefined, undefined, undefined, undefined],
        ['membership.removed', 'alice', dev, 'manual', 'root'],
      ])
      await store.close()
    } finally {
      await pool.query(
        `DROP SCHEMA IF EXISTS ${app} CASCADE; DROP SCHEMA IF EXISTS "${schema}" CASCADE`,
      )
      await pool.end()
    }
  })
})
