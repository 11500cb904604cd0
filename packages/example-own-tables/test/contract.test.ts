import { describeMembershipStore } from '@groupsync/store-contract'
import { afterAll, beforeAll, describe } from 'vitest'
import { BACKENDS, type AppDatabase } from './app-database.js'
import { CONTRACT_SEED } from './contract-seed.js'

// The proof that the application's own tables carry every role of a groupsync store: the whole
// contract suite, its fault-hook tests included (a crash half-way through a write, a login held
// while queued, one user's burst beside another's login), on the store over teams/team_members,
// on PGlite and, when DATABASE_URL is set (CI sets it), on the PostgreSQL server.

for (const backend of BACKENDS) {
  describe(`teams tables on ${backend.label}`, () => {
    let db: AppDatabase | undefined
    beforeAll(async () => {
      db = await backend.open(CONTRACT_SEED)
      await db.install()
    })
    afterAll(async () => {
      await db?.close()
    })
    describeMembershipStore(
      `the Postgres store over teams and team_members (${backend.label})`,
      (options) => {
        if (db === undefined) throw new Error(`${backend.label}: the database did not open`)
        return db.store(options)
      },
      // Sizes as the store's own runs over an application's tables; PGlite has one connection.
      { parallelUsers: backend.parallelUsers, modelRuns: 15, concurrencyRuns: 1 },
    )
  })
}
