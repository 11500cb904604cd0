import type { SqlClient } from '@groupsync/store-postgres'
import { syncOnLoginAsync } from '@groupsync/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { teamsLoginSyncStore } from '../src/index.js'
import { READ_LOGIN } from '../src/teams-login-sync.js'
import { appSeed, openEmbedded, type AppDatabase } from './app-database.js'

// What an adopter sees: the login sync of @groupsync/sync, unchanged, writing the application's
// own team_members rows, with groupsync's audit and last-sync rows beside them.

/** Counts the statements a client runs, transactions included. */
function counting(inner: SqlClient): { client: SqlClient; take: () => number } {
  let n = 0
  const client: SqlClient = {
    concurrent: inner.concurrent,
    query: (text, params) => {
      n += 1
      return inner.query(text, params)
    },
    begin: async (limits) => {
      n += 1 // BEGIN
      const tx = await inner.begin(limits)
      return {
        ...tx,
        query: (text, params) => {
          n += 1
          return tx.query(text, params)
        },
        commit: () => {
          n += 1
          return tx.commit()
        },
      }
    },
  }
  return {
    client,
    take: () => {
      const taken = n
      n = 0
      return taken
    },
  }
}

describe('syncOnLogin over the application’s own teams tables', () => {
  let db: AppDatabase
  beforeAll(async () => {
    db = await openEmbedded()
  })
  afterAll(async () => {
    await db.close()
  })

  it('adds and removes team members, keeps the audit and the last sync, in constant statements', async () => {
    const app = appSeed(db.client)
    const org = 'acme'
    const dev = await app.createGroup(org, 'Developers')
    const ops = await app.createGroup(org, 'ops')
    const sales = await app.createGroup(org, 'Sales')
    for (let i = 0; i < 500; i++) await app.createGroup(org, `team ${i}`)
    await app.setSettings(org, { manageGroupMemberships: true, matchMode: 'case-insensitive' })
    await app.addMembership(org, sales.id, 'alice', 'manual')

    const counter = counting(db.client)
    const store = teamsLoginSyncStore(counter.client)
    const result = await syncOnLoginAsync(
      { orgId: org, userId: 'alice', claims: { sub: 'alice', groups: ['developers', 'OPS'] } },
      { store },
    )
    expect(result.status).toBe('synced')
    const statements = counter.take()
    // settings read; BEGIN, lock, read, write, COMMIT
    expect(statements).toBeLessThanOrEqual(6)

    const members = await app.listMemberships(org, 'alice')
    expect(members.map((m) => [m.groupId, m.source]).sort()).toEqual(
      [
        [dev.id, 'sync'],
        [ops.id, 'sync'],
      ].sort(),
    )
    const audit = await app.listAuditEvents(org)
    expect(audit.map((e) => [e.type, e.groupName, e.source])).toEqual([
      ['membership.added', 'Developers', 'sync'],
      ['membership.added', 'ops', 'sync'],
      ['membership.removed', 'Sales', 'sync'],
    ])
    expect((await store.readLastSync(org, 'alice'))?.lastSyncedAt).toBeInstanceOf(Date)
    expect(counter.take()).toBe(1)

    // A second login with a larger org costs the same statements and changes nothing.
    for (let i = 500; i < 1500; i++) await app.createGroup(org, `team ${i}`)
    const again = await syncOnLoginAsync(
      { orgId: org, userId: 'alice', claims: { sub: 'alice', groups: ['developers', 'OPS'] } },
      { store },
    )
    expect(again.status === 'synced' && again.added.length + again.removed.length).toBe(0)
    expect(counter.take()).toBe(statements)
    await store.close()
  })

  it('removes a user the application deletes, in constant statements; a token from before it adds nothing back', async () => {
    const app = appSeed(db.client)
    const org = 'offboarding'
    const dev = await app.createGroup(org, 'Developers')
    const sales = await app.createGroup(org, 'Sales')
    await app.setSettings(org, { manageGroupMemberships: true, matchMode: 'exact' })
    const counter = counting(db.client)
    const store = teamsLoginSyncStore(counter.client)
    const issued = Math.floor(Date.now() / 1000) - 60
    const claims = { sub: 'alice', groups: ['Developers'], iat: issued }
    await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })
    // An admin of the application added alice to Sales by hand, outside groupsync.
    await app.addMembership(org, sales.id, 'alice', 'manual')
    const audited = (await app.listAuditEvents(org)).length
    counter.take()

    expect(await store.removeUser(org, 'alice', { actor: 'hr' })).toEqual({
      removed: true,
      memberships: 2,
    })
    // BEGIN, lock, read, write, COMMIT
    expect(counter.take()).toBe(5)
    expect(await app.listMemberships(org, 'alice')).toEqual([])
    expect(await store.readLastSync(org, 'alice')).toBeNull()
    const events = (await app.listAuditEvents(org)).slice(audited)
    const removed: (string | undefined)[][] = [
      ['membership.removed', dev.id, 'sync', 'hr'],
      ['membership.removed', sales.id, 'manual', 'hr'],
    ]
    removed.sort(([, a], [, b]) => ((a ?? '') < (b ?? '') ? -1 : 1))
    expect(events.map((e) => [e.type, e.groupId, e.source, e.actor])).toEqual([
      ...removed,
      ['user.removed', undefined, undefined, 'hr'],
    ])
    const { rows } = await db.client.query(
      'SELECT count(*)::int AS n FROM groupsync_user_removals WHERE org_id = $1 AND user_id = $2',
      [org, 'alice'],
    )
    expect(rows[0]?.n).toBe(1)

    // The same token again (a replay, or a login racing the removal): skipped, nothing written.
    const replay = await syncOnLoginAsync({ orgId: org, userId: 'alice', claims }, { store })
    expect(replay.status).toBe('stale')
    expect(await app.listMemberships(org, 'alice')).toEqual([])
    // The user signs in again later: a new token is synced as any first login.
    const back = await syncOnLoginAsync(
      { orgId: org, userId: 'alice', claims: { ...claims, iat: issued + 3600 } },
      { store },
    )
    expect(back.status).toBe('synced')
    expect((await app.listMemberships(org, 'alice')).map((m) => m.groupId)).toEqual([dev.id])
    expect(await store.removeUser(org, 'nobody')).toEqual({ removed: false, memberships: 0 })
    await store.close()
  })

  it('looks teams up by slice key through the index, not by scanning the org', async () => {
    const org = 'big'
    await db.client.query('INSERT INTO orgs (id) VALUES ($1)', [org])
    await db.client.query(
      `INSERT INTO teams (org_id, display_name, name_key)
       SELECT $1, 'Team ' || i, 'team ' || i FROM generate_series(1, 20000) AS i`,
      [org],
    )
    await db.client.query('ANALYZE teams')
    const { rows } = await db.client.query(`EXPLAIN ${READ_LOGIN}`, [
      org,
      'alice',
      ['team 7', 'team 9000'],
    ])
    const plan = rows.map((r) => String(r['QUERY PLAN'])).join('\n')
    expect(plan).toMatch(/teams_by_name_key/)
    expect(plan).not.toMatch(/Seq Scan on teams/)
  })
})
