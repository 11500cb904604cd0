import type { MembershipSource, OrgSettings } from '@groupsync/core'
import { describeLoginSyncStore, type LoginSyncSeed } from '@groupsync/store-contract'
import { afterAll } from 'vitest'
import { teamsLoginSyncStore } from '../src/index.js'
import { appSeed, openEmbedded, openServer, type AppDatabase } from './app-database.js'

// The proof that an application's own tables can carry the login sync: the adapter over
// teams/team_members passes the contract suite's login-role tests, on PGlite and, when
// DATABASE_URL is set (CI sets it), on the PostgreSQL server.

const backends: [string, () => Promise<AppDatabase>, boolean][] = [['PGlite', openEmbedded, false]]
const url = process.env.DATABASE_URL
if (url !== undefined && url !== '') backends.push(['the server', () => openServer(url), true])

for (const [label, open, parallelUsers] of backends) {
  // One database per backend, opened by the first test that needs it; each test uses its own orgs.
  let opened: Promise<AppDatabase> | undefined
  const database = () => (opened ??= open())
  afterAll(async () => {
    if (opened !== undefined) await (await opened).close()
  })
  const app = async () => appSeed((await database()).client)
  const seed: LoginSyncSeed = {
    createGroup: async (orgId: string, name: string) => (await app()).createGroup(orgId, name),
    setSettings: async (orgId: string, settings: OrgSettings) =>
      (await app()).setSettings(orgId, settings),
    addMembership: async (
      orgId: string,
      groupId: string,
      userId: string,
      source: MembershipSource,
    ) => (await app()).addMembership(orgId, groupId, userId, source),
    listMemberships: async (orgId: string, userId: string) =>
      (await app()).listMemberships(orgId, userId),
    listAuditEvents: async (orgId: string) => (await app()).listAuditEvents(orgId),
  }
  describeLoginSyncStore(`teams tables (${label})`, {
    makeStore: async () => teamsLoginSyncStore((await database()).client),
    seed,
    parallelUsers,
  })
}
