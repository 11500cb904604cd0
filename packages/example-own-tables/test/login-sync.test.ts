import { randomUUID } from 'node:crypto'
import type { MembershipStore } from '@groupsync/core'
import type { SqlClient, SqlTransaction } from '@groupsync/store-postgres'
import { createMembershipAdmin, syncOnLoginAsync } from '@groupsync/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type AppDatabase, type Backend } from './app-database.js'

// What an adopter sees: the login sync of @groupsync/sync, unchanged, writing the application's
// own team_members rows (origin 'idp'), with groupsync's audit and last-sync rows in its own
// schema — and the application's own SQL, which knows nothing of groupsync, beside it.

/** A statement a transaction sent, for a test to EXPLAIN. */
interface Sent {
  readonly text: string
  readonly params: readonly unknown[]
}

/** Counts the statements a client runs (BEGIN and COMMIT included) and keeps those of transactions. */
function counting(inner: SqlClient) {
  let n = 0
  let sent: Sent[] = []
  const client: SqlClient = {
    concurrent: inner.concurrent,
    query: (text, params) => {
      n += 1
      return inner.query(text, params)
    },
    begin: async (limits) => {
      n += 1
      const tx = await inner.begin(limits)
      const counted: SqlTransaction = {
        ...tx,
        query: (text, params) => {
          n += 1
          sent.push({ text, params: params ?? [] })
          return tx.query(text, params)
        },
        commit: () => {
          n += 1
          return tx.commit()
        },
      }
      return counted
    },
  }
  return {
    client,
    /** Statements run since the last call. */
    take: (): number => {
      const taken = n
      n = 0
      return taken
    },
    /** Statements sent inside transactions since the last call. */
    takeSent: (): Sent[] => {
      const taken = sent
      sent = []
      return taken
    },
  }
}

/** The application's own writes and reads, as its code does them: plain SQL, no groupsync. */
const appOf = (client: SqlClient) => ({
  createOrg: async (orgId: string) => {
    await client.query('INSERT INTO orgs (id) VALUES ($1)', [orgId])
  },
  createTeam: async (orgId: string, name: string): Promise<string> => {
    const { rows } = await client.query(
      'INSERT INTO teams (org_id, display_name) VALUES ($1, $2) RETURNING id',
      [orgId, name],
    )
    return String(rows[0]?.id)
  },
  createTeams: async (orgId: string, from: number, to: number) => {
    await client.query(
      `INSERT INTO teams (org_id, display_name)
       SELECT $1, 'Team ' || i FROM generate_series($2::int, $3::int) AS i`,
      [orgId, from, to],
    )
  },
  addMember: async (teamId: string, userId: string, origin: 'idp' | 'admin') => {
    await client.query('INSERT INTO team_members (team_id, user_id, origin) VALUES ($1, $2, $3)', [
      teamId,
      userId,
      origin,
    ])
  },
  /** The user's memberships of the org's teams as [team id, origin], sorted. */
  membersOf: async (orgId: string, userId: string): Promise<[string, string][]> => {
    const { rows } = await client.query(
      `SELECT m.team_id, m.origin FROM team_members AS m JOIN teams AS t ON t.id = m.team_id
       WHERE t.org_id = $1 AND m.user_id = $2 ORDER BY m.team_id`,
      [orgId, userId],
    )
    return rows.map((r): [string, string] => [String(r.team_id), String(r.origin)])
  },
})

/** Turns an org's mapping on, with the match mode, through groupsync's admin service. */
const mapGroups = async (
  store: MembershipStore,
  orgId: string,
  matchMode: 'exact' | 'case-insensitive',
) => {
  const admin = createMembershipAdmin({ store })
  expect((await admin.setManageGroupMemberships(orgId, true, { actor: 'admin' })())._tag).toBe(
    'Right',
  )
  expect((await admin.setMatchMode(orgId, matchMode, { actor: 'admin' })())._tag).toBe('Right')
}

const membershipEvents = async (store: MembershipStore, orgId: string) =>
  (await store.listAuditEvents(orgId))
    .filter((e) => e.type.startsWith('membership.') || e.type === 'user.removed')
    .map((e) => [e.type, e.groupName ?? e.groupId, e.source, e.actor])

/** One database per backend and test file, groupsync installed; each test has its own orgs. */
const installed = (backend: Backend) => {
  let db: AppDatabase | undefined
  beforeAll(async () => {
    db = await backend.open()
    await db.install()
  })
  afterAll(async () => {
    await db?.close()
  })
  return (): AppDatabase => {
    if (db === undefined) throw new Error(`${backend.label}: the database did not open`)
    return db
  }
}

for (const backend of BACKENDS) {
  describe(`syncOnLogin over the application’s own teams tables (${backend.label})`, () => {
    const database = installed(backend)
    /** The installed database, the application's SQL on it, and a new org the application created. */
    const newOrg = async (label: string) => {
      const db = database()
      const app = appOf(db.client)
      const org = `${label}-${randomUUID()}`
      await app.createOrg(org)
      return { db, app, org }
    }

    it(`${backend.label}: adds and removes team members (origin 'idp'), keeps the audit and the last sync, in the same statements in an org of 500 teams and of 1,500`, async () => {
      const { db, app, org } = await newOrg('acme')
      const dev = await app.createTeam(org, 'Developers')
      const ops = await app.createTeam(org, 'ops')
      const sales = await app.createTeam(org, 'Sales')
      await app.createTeams(org, 1, 500)
      // The application's admin screen put alice in Sales before the org mapped its groups.
      await app.addMember(sales, 'alice', 'admin')

      const counter = counting(db.client)
      const store = await db.store({ client: counter.client })
      await mapGroups(store, org, 'case-insensitive')
      const claims = { sub: 'alice', groups: ['developers', 'OPS'] }
      counter.take()
      const result = await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })
      expect(result.status).toBe('synced')
      const statements = counter.take()
      // The settings; BEGIN, the locks, the read, the write, COMMIT.
      expect(statements).toBeLessThanOrEqual(6)

      expect(await app.membersOf(org, 'alice')).toEqual(
        [
          [dev, 'idp'],
          [ops, 'idp'],
        ].sort(),
      )
      expect(await membershipEvents(store, org)).toEqual([
        ['membership.added', 'Developers', 'sync', undefined],
        ['membership.added', 'ops', 'sync', undefined],
        ['membership.removed', 'Sales', 'sync', undefined],
      ])
      expect((await store.readLastSync(org, 'alice'))?.lastSyncedAt).toBeInstanceOf(Date)

      // A second login in a larger org costs the same statements and changes nothing.
      await app.createTeams(org, 501, 1500)
      counter.take()
      const again = await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })
      expect(again.status === 'synced' && again.added.length + again.removed.length).toBe(0)
      expect(counter.take()).toBe(statements)
      await store.close()
    })

    it(`${backend.label}: removes a user the application deletes, audited, in constant statements; a token from before the removal adds nothing back`, async () => {
      const { db, app, org } = await newOrg('offboarding')
      const dev = await app.createTeam(org, 'Developers')
      const sales = await app.createTeam(org, 'Sales')
      const counter = counting(db.client)
      const store = await db.store({ client: counter.client })
      await mapGroups(store, org, 'exact')
      const issued = Math.floor(Date.now() / 1000) - 60
      const claims = { sub: 'alice', groups: ['Developers'], iat: issued }
      expect(
        (await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })).status,
      ).toBe('synced')
      // The application's own code added alice to Sales, outside groupsync.
      await app.addMember(sales, 'alice', 'admin')
      counter.take()

      expect(await store.removeUser(org, 'alice', { actor: 'hr' })).toEqual({
        removed: true,
        memberships: 2,
      })
      // BEGIN, the locks, the read, the write, COMMIT.
      expect(counter.take()).toBe(5)
      expect(await app.membersOf(org, 'alice')).toEqual([])
      expect(await store.readLastSync(org, 'alice')).toBeNull()
      const removed = (await membershipEvents(store, org)).slice(1)
      expect(removed.slice(0, 2).sort()).toEqual([
        ['membership.removed', 'Developers', 'sync', 'hr'],
        ['membership.removed', 'Sales', 'manual', 'hr'],
      ])
      expect(removed.slice(2)).toEqual([['user.removed', undefined, undefined, 'hr']])

      // The same token again (a replay, or a login racing the removal): skipped, nothing written.
      const replay = await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })
      expect(replay.status).toBe('stale')
      expect(await app.membersOf(org, 'alice')).toEqual([])
      // The user signs in again an hour later: a new token is synced as any first login. (The
      // sync's clock is that hour later too: a token time ahead of the clock is refused, rule S12.)
      const later = issued + 3600
      const back = await syncOnLoginAsync(
        { orgId: org, userId: 'alice', claims: { ...claims, iat: later } },
        { store, clock: () => new Date(later * 1000) },
      )
      expect(back.status).toBe('synced')
      expect(await app.membersOf(org, 'alice')).toEqual([[dev, 'idp']])
      await store.close()
    })

    it(`${backend.label}: a login finds its teams through the fold index migrate created with applicationIndexes, not by scanning the org's 20,000 teams`, async () => {
      const { db, app, org } = await newOrg('big')
      await app.createTeams(org, 1, 20_000)
      await db.client.query('ANALYZE teams')
      const counter = counting(db.client)
      const store = await db.store({ client: counter.client })
      await mapGroups(store, org, 'case-insensitive')
      counter.takeSent()
      const result = await syncOnLoginAsync(
        { orgId: org, userId: 'alice', claims: { sub: 'alice', groups: ['team 7', 'TEAM 9000'] } },
        { store },
      )
      expect(result.status === 'synced' && result.added.map((g) => g.name)).toEqual([
        'Team 7',
        'Team 9000',
      ])
      const read = counter.takeSent().find((s) => s.text.includes('slice_fold'))
      expect(read, 'the login’s read').toBeDefined()
      const { rows } = await db.client.query(`EXPLAIN ${read?.text ?? ''}`, read?.params ?? [])
      const plan = rows.map((r) => String(r['QUERY PLAN'])).join('\n')
      expect(plan).toMatch(/Index Cond: \(\(hashtextextended\(/)
      expect(plan).toMatch(/using groupsync_slice_[0-9a-f]{8} on teams/)
      expect(plan).not.toMatch(/Seq Scan on teams/)
      await store.close()
    })
  })

  describe(`installing groupsync over existing teams (${backend.label})`, () => {
    it(`${backend.label}: teams the application created before groupsync was installed are matched at the first login, with no backfill and no column added`, async () => {
      // The application's database as it was: its orgs, teams and members, no groupsync at all.
      const db = await backend.open()
      try {
        const app = appOf(db.client)
        const org = `existing-${randomUUID()}`
        await app.createOrg(org)
        const engineering = await app.createTeam(org, 'Engineering')
        const istanbul = await app.createTeam(org, 'İstanbul Office')
        const support = await app.createTeam(org, 'Support')
        await app.addMember(support, 'carol', 'admin')
        const columns = async () =>
          (
            await db.client.query(
              `SELECT table_name, column_name FROM information_schema.columns
               WHERE table_name IN ('orgs', 'teams', 'team_members') AND table_schema = current_schema()
               ORDER BY table_name, column_name`,
            )
          ).rows
        const before = await columns()

        await db.install()
        expect(await columns()).toEqual(before)
        const store = await db.store()
        await mapGroups(store, org, 'case-insensitive')
        // JavaScript's lower case of 'İ' is 'i' + U+0307, which the database's lower() may not give.
        const result = await syncOnLoginAsync(
          {
            orgId: org,
            userId: 'carol',
            claims: { sub: 'carol', groups: ['engineering', 'i\u0307stanbul office'] },
          },
          { store },
        )
        expect(result.status).toBe('synced')
        if (result.status !== 'synced') return
        expect(result.added.map((g) => g.id).sort()).toEqual([engineering, istanbul].sort())
        expect(result.unmatchedClaims).toEqual([])
        // The default removal mode is authoritative: the claim decides, whoever added Support.
        expect(result.removed.map((g) => g.id)).toEqual([support])
        expect(await app.membersOf(org, 'carol')).toEqual(
          [
            [engineering, 'idp'],
            [istanbul, 'idp'],
          ].sort(),
        )
        await store.close()
      } finally {
        await db.close()
      }
    })
  })
}
