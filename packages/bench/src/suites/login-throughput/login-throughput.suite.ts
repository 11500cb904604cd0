import type { LoginSyncStore } from '@groupsync/core'
import { createPostgresMembershipStore, type SqlClient } from '@groupsync/store-postgres'
import { syncOnLoginAsync } from '@groupsync/sync'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { quantile } from '../../measure.js'
import {
  openPGlite,
  openServerPool,
  probePostgresServer,
  shortVersion,
  withMigratedSchema,
} from '../../postgres.js'
import type { BenchSuite, SuiteContext, SuiteReport } from '../../suite.js'
import { groupName, seedGroups } from '../store-sync/sync-fixture.js'

const FULL_CLIENTS = [1, 2, 4, 8] as const
const QUICK_CLIENTS = [1, 2] as const
const ORG = 'bench-login'
/** Groups of the organisation, and of each claim: a mid-sized org and a typical user. */
const ORG_GROUPS = 200
const CLAIM_GROUPS = 20
/** Users per client in the distinct-users runs, so no two clients ever log in the same user. */
const USERS_PER_CLIENT = 50

/** Logins measured at one concurrency. */
interface Level {
  readonly clients: number
  readonly logins: number
  readonly seconds: number
  readonly p50: number
  readonly p99: number
  readonly changesPerLogin: number
}

/**
 * Two claims of {@link CLAIM_GROUPS} groups that differ by two groups each way: a user who
 * alternates between them gets 2 memberships added and 2 removed at every login.
 */
const CLAIMS = [
  Array.from({ length: CLAIM_GROUPS }, (_, i) => groupName(i + 1)),
  Array.from({ length: CLAIM_GROUPS }, (_, i) => groupName(i + 3)),
] as const

/**
 * Runs `clients` loops at once for `durationMs`, each logging in one user after another (which
 * user: `userFor(client, k)` for its k-th login) with the claim that user did not have last time.
 */
async function drive(
  store: LoginSyncStore,
  flips: Map<string, number>,
  clients: number,
  until: { readonly ms: number } | { readonly loginsPerClient: number },
  userFor: (client: number, k: number) => string,
): Promise<Level> {
  const latencies: number[] = []
  let changes = 0
  const start = performance.now()
  const more =
    'ms' in until
      ? (_k: number) => performance.now() < start + until.ms
      : (k: number) => k < until.loginsPerClient
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let k = 0; more(k); k++) {
        const userId = userFor(client, k)
        const flip = ((flips.get(userId) ?? 0) + 1) % 2
        flips.set(userId, flip)
        const began = performance.now()
        const result = await syncOnLoginAsync(
          { orgId: ORG, userId, claims: { sub: userId, groups: CLAIMS[flip] } },
          { store },
        )
        latencies.push(performance.now() - began)
        if (result.status !== 'synced') {
          throw new Error(`login-throughput: a login ended ${result.status}, not synced`)
        }
        changes += result.added.length + result.removed.length
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return {
    clients,
    logins: latencies.length,
    seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    changesPerLogin: changes / Math.max(1, latencies.length),
  }
}

async function measure(
  client: SqlClient,
  levels: readonly number[],
  durationMs: number,
  log: (line: string) => void,
): Promise<{ readonly distinct: Level[]; readonly oneUser: Level[] }> {
  return withMigratedSchema(client, async (schema) => {
    await seedGroups(client, schema, ORG, ORG_GROUPS)
    const store = await createPostgresMembershipStore({ client, schema, migrate: false })
    await store.updateOrgSettings(ORG, () => ({
      settings: { manageGroupMemberships: true, matchMode: 'exact' },
      audit: [],
    }))
    const maxClients = Math.max(...levels)
    const flips = new Map<string, number>()
    const distinctUser = (c: number, k: number) => `c${c}-u${k % USERS_PER_CLIENT}`
    const oneUser = () => 'one-user'
    // Warm-up: every user's first login (it adds all the claim's groups), the JIT, the pool.
    log(`login-throughput: warm-up (first login of every user)`)
    await drive(store, flips, maxClients, { loginsPerClient: USERS_PER_CLIENT }, distinctUser)
    await drive(store, flips, 1, { loginsPerClient: 1 }, oneUser)
    const distinct: Level[] = []
    for (const clients of levels) {
      log(`login-throughput: ${clients} client(s), distinct users`)
      distinct.push(await drive(store, flips, clients, { ms: durationMs }, distinctUser))
    }
    const serialised: Level[] = []
    for (const clients of levels) {
      log(`login-throughput: ${clients} client(s), one user`)
      serialised.push(await drive(store, flips, clients, { ms: durationMs }, oneUser))
    }
    return { distinct, oneUser: serialised }
  })
}

const levelTable = (levels: readonly Level[]): string =>
  markdownTable(
    ['clients', 'logins/s', 'p50', 'p99', 'logins', 'memberships changed per login'],
    levels.map((l) => [
      String(l.clients),
      (l.logins / l.seconds).toFixed(0),
      formatMs(l.p50),
      formatMs(l.p99),
      l.logins.toLocaleString('en'),
      l.changesPerLogin.toFixed(1),
    ]),
    ['r', 'r', 'r', 'r', 'r', 'r'],
  )

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const levels = quick ? QUICK_CLIENTS : FULL_CLIENTS
  const durationMs = quick ? 500 : 4_000
  const probe = await probePostgresServer()
  let where: string
  let result: { readonly distinct: Level[]; readonly oneUser: Level[] }
  if (probe.reachable) {
    const server = openServerPool(Math.max(...levels))
    where = `the PostgreSQL server at \`${probe.url}\` (${shortVersion(probe.version)}), through a node-postgres pool of ${Math.max(...levels)} connections`
    try {
      result = await measure(server.client, levels, durationMs, log)
    } finally {
      await server.end()
    }
  } else {
    log(`login-throughput: server unreachable (${probe.reason}); PGlite only`)
    const embedded = await openPGlite()
    where = `**PGlite (${shortVersion(embedded.version)}), because the PostgreSQL server at \`${probe.url}\` was unreachable (${probe.reason})**: PGlite runs one transaction at a time, so more clients only queue`
    try {
      result = await measure(embedded.client, levels, durationMs, log)
    } finally {
      await embedded.close()
    }
  }
  const best = result.distinct.reduce((a, b) =>
    b.logins / b.seconds > a.logins / a.seconds ? b : a,
  )

  const markdown = `## Login throughput

${quick ? '**Quick run (`pnpm bench --quick`): fewer clients and short runs; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`login-throughput\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}

**What is timed**: \`syncOnLoginAsync\` of \`@groupsync/sync\` — the whole login sync: the claim read and checked, the
org's settings and policy, the diff, and one store transaction that writes the memberships, an audit event per change
and the last-sync time — against ${where}, in a schema of the run's own (dropped after it). The organisation has
${ORG_GROUPS} groups and mapping on; each login passes the claims of an ID token already verified (the claim suite
measures verification) naming ${CLAIM_GROUPS} groups, and each user alternates between two such claims that differ by
2 groups each way, so a login changes 4 memberships.

*N* clients log in at once, in closed loops of ${(durationMs / 1000).toFixed(1)} s after a warm-up (every login starts when the same
client's previous one ends), all in the benchmark's one Node process, which shares the machine's ${machine.cores} cores with the server.
Latency is one \`syncOnLoginAsync\` call, as its caller waits for it.

### Distinct users

Each client logs in its own ${USERS_PER_CLIENT} users in turn, so no two logins at once are for the same user and none waits for
another's lock.

${levelTable(result.distinct)}

### One user (serialised by the lock)

Every client logs in the same user: the store's per-(org, user) advisory lock makes the logins run one after the
other, so throughput stays near that of one client and latency grows with the queue. (The claim of each login is
chosen when it starts; if the lock granted two of them out of that order, a login would change fewer than 4
memberships: the last column shows whether it happened.)

${levelTable(result.oneUser)}

**Goals**: the issue sets none for this part. On this run the most logins per second for distinct users were
${(best.logins / best.seconds).toFixed(0)}, at ${best.clients} client${best.clients === 1 ? '' : 's'}.
`
  return { markdown, goals: [] }
}

/** Issue 6 part 3: logins per second and their latency at 1 to 8 concurrent clients. */
export const loginThroughputSuite: BenchSuite = {
  id: 'login-throughput',
  title:
    'syncOnLogin throughput and latency at 1-8 concurrent clients, distinct users and one user',
  run,
}
