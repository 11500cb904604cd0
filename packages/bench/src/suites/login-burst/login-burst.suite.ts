import type { LoginSyncStore } from '@groupsync/core'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import { syncOnLoginAsync } from '@groupsync/sync'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { quantile } from '../../measure.js'
import {
  openServerPool,
  probePostgresServer,
  shortVersion,
  withMigratedSchema,
} from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import { groupName, seedGroups } from '../store-sync/sync-fixture.js'

const ORG = 'bench-burst'
/** The pool of the measurement: a common default size, smaller than the burst. */
const POOL_SIZE = 10
/** Logins of one user queued at once. */
const BURST = 50
const ORG_GROUPS = 200
const CLAIM_GROUPS = 20
/** The goal: another user's p99 with the burst queued, over its p99 without, at most this. */
const MAX_RATIO = 2

/** Two claims that differ by two groups each way: every login changes 4 memberships. */
const CLAIMS = [
  Array.from({ length: CLAIM_GROUPS }, (_, i) => groupName(i + 1)),
  Array.from({ length: CLAIM_GROUPS }, (_, i) => groupName(i + 3)),
] as const

interface Sizes {
  /** Rounds of the burst; in each, `probes` logins of other users are timed while it runs. */
  readonly rounds: number
  readonly probes: number
  /** Logins of other users timed with no burst. */
  readonly baseline: number
}

const FULL: Sizes = { rounds: 40, probes: 5, baseline: 200 }
const QUICK: Sizes = { rounds: 4, probes: 3, baseline: 20 }

/** Latencies of one condition, in ms. */
interface Latencies {
  readonly samples: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

const summarise = (ms: number[]): Latencies => {
  const sorted = [...ms].sort((a, b) => a - b)
  return {
    samples: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  }
}

/** One login through the sync service, as an application's OIDC callback makes it; its time. */
async function timedLogin(
  store: LoginSyncStore,
  userId: string,
  flips: Map<string, number>,
): Promise<number> {
  const flip = ((flips.get(userId) ?? 0) + 1) % 2
  flips.set(userId, flip)
  const began = performance.now()
  const result = await syncOnLoginAsync(
    { orgId: ORG, userId, claims: { sub: userId, groups: CLAIMS[flip] } },
    { store },
  )
  const ms = performance.now() - began
  if (result.status !== 'synced') throw new Error(`login-burst: a login ended ${result.status}`)
  return ms
}

interface Measured {
  readonly quiet: Latencies
  readonly burst: Latencies
  /** Other users' logins started in the same instant as the burst's logins arrived. */
  readonly arrival: Latencies
  /** How long one burst of {@link BURST} logins of one user took to drain, median. */
  readonly drainMs: number
}

async function measure(sizes: Sizes, log: (line: string) => void): Promise<Measured> {
  const server = openServerPool(POOL_SIZE)
  try {
    return await withMigratedSchema(server.client, async (schema) => {
      await seedGroups(server.client, schema, ORG, ORG_GROUPS)
      const store = await createPostgresMembershipStore({ pool: server.pool, schema })
      await store.updateOrgSettings(ORG, () => ({
        settings: { manageGroupMemberships: true, matchMode: 'exact' },
        audit: [],
      }))
      const flips = new Map<string, number>()
      const others = Array.from({ length: 20 }, (_, i) => `other-${i}`)
      let next = 0
      const other = () => others[next++ % others.length] ?? 'other'
      // Warm-up: every user's first login (it adds all the claim's groups), the JIT, the pool.
      for (const u of [...others, 'burst']) await timedLogin(store, u, flips)
      await Promise.all(Array.from({ length: POOL_SIZE }, () => timedLogin(store, other(), flips)))

      log(`login-burst: ${sizes.baseline} logins of other users, no burst`)
      const quiet: number[] = []
      for (let i = 0; i < sizes.baseline; i++) quiet.push(await timedLogin(store, other(), flips))

      log(`login-burst: ${sizes.rounds} bursts of ${BURST} queued logins of one user`)
      // Counts the burst's logins that have reached the store, where they queue.
      let reached = 0
      const counting: LoginSyncStore = {
        limits: store.limits,
        getOrgSettings: store.getOrgSettings,
        readLastSync: store.readLastSync,
        withLoginSync: (orgId, userId, claimGroups, decide, options) => {
          reached += 1
          return store.withLoginSync(orgId, userId, claimGroups, decide, options)
        },
      }
      const during: number[] = []
      const arrival: number[] = []
      const drains: number[] = []
      for (let r = 0; r < sizes.rounds; r++) {
        const started = performance.now()
        reached = 0
        const state = { drained: false }
        const burst = Promise.all(
          Array.from({ length: BURST }, () => timedLogin(counting, 'burst', flips)),
        ).then(() => {
          state.drained = true
          drains.push(performance.now() - started)
        })
        // One login of another user starts as the burst arrives: it shares the CPU with the
        // claim checks of all 50 (reported apart, without a goal).
        arrival.push(await timedLogin(store, other(), flips))
        while (reached < BURST) await new Promise((resolve) => setImmediate(resolve))
        // Then other users log in one after another while the burst is queued.
        for (let p = 0; p < sizes.probes && !state.drained; p++) {
          during.push(await timedLogin(store, other(), flips))
        }
        await burst
      }
      drains.sort((a, b) => a - b)
      return {
        quiet: summarise(quiet),
        burst: summarise(during),
        arrival: summarise(arrival),
        drainMs: quantile(drains, 0.5),
      }
    })
  } finally {
    await server.end()
  }
}

const row = (label: string, l: Latencies): string[] => [
  label,
  String(l.samples),
  formatMs(l.p50),
  formatMs(l.p99),
  formatMs(l.max),
]

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const sizes = quick ? QUICK : FULL
  const probe = await probePostgresServer()
  const goalText = `another user's login p99 with ${BURST} logins of one user queued ÷ its p99 with none, on the server: ≤ ${MAX_RATIO}`
  const heading = `## One user's burst and everyone else's logins

${quick ? '**Quick run (`pnpm bench --quick`): few samples; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`login-burst\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}
`
  if (!probe.reachable) {
    const goal: GoalResult = {
      goal: goalText,
      met: false,
      measured: 'not measured',
      reason: 'the PostgreSQL server was unreachable',
    }
    return {
      markdown: `${heading}\nNot measured: the PostgreSQL server at \`${probe.url}\` was unreachable (${probe.reason}). PGlite runs one transaction at a time, so the question does not arise there.\n`,
      goals: quick ? [] : [goal],
    }
  }
  const result = await measure(sizes, log)
  const ratio = result.burst.p99 / result.quiet.p99
  const goal: GoalResult = {
    goal: goalText,
    met: ratio <= MAX_RATIO,
    measured: `${ratio.toFixed(2)} (p99 ${formatMs(result.burst.p99)} ÷ ${formatMs(result.quiet.p99)})`,
    ...(ratio > MAX_RATIO && {
      reason: `another user's p99 grew ${ratio.toFixed(1)}× while one user's burst was queued`,
    }),
  }

  const markdown = `${heading}
- PostgreSQL server: ${shortVersion(probe.version)} at \`${probe.url}\`, through a node-postgres pool of ${POOL_SIZE} connections

**What is timed**: \`syncOnLoginAsync\` of \`@groupsync/sync\` (the whole login sync, as in the login-throughput suite)
for users other than the bursting one, in an organisation of ${ORG_GROUPS} groups with mapping on; each login changes 4
memberships. **No burst**: ${sizes.baseline} such logins one after another. **Burst**: ${sizes.rounds} times, ${BURST} logins of one user are
started at once; one login of another user is timed as they arrive, and once all ${BURST} have reached the store (where
they queue on that user's lock), up to ${sizes.probes} logins of other users are timed one after another while they drain.
The goal compares the latter with no burst; the arrival row shows what the burst's own claim checks cost the
others while they run (CPU in this process, not waiting for a connection or a lock). All in the benchmark's one Node process, sharing the machine's ${machine.cores} cores with the server.

The store queues a user's units of work in the process before they take a connection, so the burst holds one
of the ${POOL_SIZE} connections while it drains (median ${formatMs(result.drainMs)} for ${BURST} logins), not all of them; before it did, each
queued login held a connection while it waited on the user's advisory lock, and another user's login waited
for the whole burst (about 2–2.7 s instead of 15 ms, a ratio near 150).

${markdownTable(
  ['other users’ logins', 'samples', 'p50', 'p99', 'max'],
  [
    row('no burst', result.quiet),
    row(`${BURST} logins of one user queued`, result.burst),
    row(`started as the ${BURST} arrive (no goal)`, result.arrival),
  ],
  ['l', 'r', 'r', 'r', 'r'],
)}

${markdownTable(['goal', 'measured', 'met'], [[goal.goal, goal.measured, goal.met ? 'yes' : `**no**: ${goal.reason ?? ''}`]])}
`
  return { markdown, goals: quick ? [] : [goal] }
}

/** Another user's login latency while one user has a burst of logins queued, on the server. */
export const loginBurstSuite: BenchSuite = {
  id: 'login-burst',
  title: `Another user's login p99 while one user has ${BURST} logins queued, on the server`,
  run,
}
