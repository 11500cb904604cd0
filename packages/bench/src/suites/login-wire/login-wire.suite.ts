import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { openServerPool, probePostgresServer, shortVersion, withSchemas } from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import { CLAIM_GROUPS, p50, prepareLayout } from '../login-scale/login-fixture.js'

import {
  CLIENTS,
  FULL,
  LATENCIES_MS,
  measureLatency,
  measureThroughput,
  ORG,
  ORG_GROUPS,
  profileServer,
  QUICK,
  TRIP_COUNTS,
  Claims,
  type LatencyResult,
  type Phase,
  type PhaseKind,
  type ServerProfile,
} from './login-wire-measure.js'

// Where users feel a login: with the database a network hop away, round trips are its cost, and
// on a shared machine the client's CPU caps how many logins it serves. This suite sets a login
// beside the smallest transaction a locked read-then-write can be, on the same pool, in the same
// run: through a latency proxy in its own process, by the client's CPU, and in throughput.

/** The latency the round-trip goals are judged at: a database in another zone or region. */
const GOAL_LATENCY_MS = 5
const MAX_NO_CHANGE_RATIO = 0.85
const MAX_CHANGE_RATIO = 0.95
const EXPECTED_ROUND_TRIPS = 3
const MAX_CPU_RATIO = 3
const MIN_THROUGHPUT_RATIO = 0.25

const perSecond = (p: Phase): number => p.calls / p.seconds
const phaseOf = (phases: readonly Phase[], kind: PhaseKind): Phase =>
  phases.find((p) => p.kind === kind) ?? {
    kind,
    calls: 0,
    seconds: Number.NaN,
    clientCpuMs: Number.NaN,
    serverCpuMs: undefined,
  }

function goalsOf(
  latencies: readonly LatencyResult[],
  phases: readonly Phase[],
): { goals: GoalResult[]; cpu: { login: number; minimal: number } } {
  const goals: GoalResult[] = []
  const at = latencies.find((l) => l.latencyMs === GOAL_LATENCY_MS)
  for (const [what, samples, max] of [
    ['no-change login', at?.noChange ?? [], MAX_NO_CHANGE_RATIO],
    ['4-change login', at?.change ?? [], MAX_CHANGE_RATIO],
  ] as const) {
    const ratio = p50(samples) / p50(at?.minimal ?? [])
    goals.push({
      goal: `+${GOAL_LATENCY_MS} ms per round trip: a ${what}'s p50 ÷ a minimal transaction's p50 (same proxy, same pool): ≤ ${max}`,
      met: ratio <= max,
      measured: `${ratio.toFixed(2)} (${formatMs(p50(samples))} ÷ ${formatMs(p50(at?.minimal ?? []))})`,
      ...(!(ratio <= max) && {
        reason: `the ${what} took ${ratio.toFixed(2)}× the minimal transaction; the section has its round trips and CPU`,
      }),
    })
  }
  const tripsMet =
    at?.trips.noChange === EXPECTED_ROUND_TRIPS && at.trips.change === EXPECTED_ROUND_TRIPS
  goals.push({
    goal: `round trips of a no-change and of a 4-change login on a pipelined pool, counted by the proxy at +${GOAL_LATENCY_MS} ms (median of ${TRIP_COUNTS}): ${EXPECTED_ROUND_TRIPS} each`,
    met: tripsMet,
    measured: `${at?.trips.noChange ?? '–'} and ${at?.trips.change ?? '–'} (at +${latencies.map((l) => `${l.latencyMs} ms: ${l.trips.noChange} and ${l.trips.change}`).join('; +')})`,
    ...(!tripsMet && {
      reason: `a login waited for the server more than ${EXPECTED_ROUND_TRIPS} times`,
    }),
  })
  // Judged without added latency, as on loopback: after a wait of milliseconds the same code
  // takes more CPU time (caches gone cold), on both sides but not alike.
  const direct = latencies.find((l) => l.latencyMs === 0)
  const cpu = { login: p50(direct?.noChangeCpu ?? []), minimal: p50(direct?.minimalCpu ?? []) }
  const cpuRatio = cpu.login / cpu.minimal
  goals.push({
    goal: `client CPU per no-change login ÷ per minimal transaction (p50s, same run, +0 ms): ≤ ${MAX_CPU_RATIO}`,
    met: cpuRatio <= MAX_CPU_RATIO,
    measured: `${cpuRatio.toFixed(2)} (${formatMs(cpu.login)} ÷ ${formatMs(cpu.minimal)})`,
    ...(!(cpuRatio <= MAX_CPU_RATIO) && {
      reason: `a no-change login used ${cpuRatio.toFixed(1)}× the minimal transaction's CPU in this process`,
    }),
  })
  const minimal = phaseOf(phases, 'minimal transactions')
  for (const kind of ['4-change logins', 'no-change logins'] as const) {
    const ratio = perSecond(phaseOf(phases, kind)) / perSecond(minimal)
    goals.push({
      goal: `${kind}/s at ${CLIENTS} clients ÷ minimal transactions/s at ${CLIENTS} clients, same pool: ≥ ${MIN_THROUGHPUT_RATIO}`,
      met: ratio >= MIN_THROUGHPUT_RATIO,
      measured: `${ratio.toFixed(2)} (${perSecond(phaseOf(phases, kind)).toFixed(0)} ÷ ${perSecond(minimal).toFixed(0)} per second)`,
      ...(!(ratio >= MIN_THROUGHPUT_RATIO) && {
        reason: `${kind} ran at ${ratio.toFixed(2)}× the minimal transactions' rate; the section has where the CPU goes`,
      }),
    })
  }
  return { goals, cpu }
}

const notMeasured = (reason: string): GoalResult[] =>
  [
    `+${GOAL_LATENCY_MS} ms per round trip: login p50 ÷ minimal transaction p50`,
    'round trips per login',
    'client CPU per login ÷ per minimal transaction',
    `logins/s at ${CLIENTS} clients ÷ minimal transactions/s`,
  ].map((goal) => ({ goal, met: false, measured: 'not measured', reason }))

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const sizes = quick ? QUICK : FULL
  const probe = await probePostgresServer()
  const title =
    '## A login on the wire: round trips, CPU and throughput against a minimal transaction'
  if (!probe.reachable) {
    log(`login-wire: server unreachable (${probe.reason}); not measured`)
    const reason = `the PostgreSQL server was unreachable (${probe.reason})`
    return {
      markdown: `${title}\n\n**Not measured: ${reason}.** PGlite has no wire to measure.\n`,
      goals: quick ? [] : notMeasured(reason),
    }
  }
  const direct = openServerPool(1)
  let latencies: LatencyResult[] = []
  let throughput: Awaited<ReturnType<typeof measureThroughput>>
  let profile: ServerProfile
  try {
    ;({ latencies, throughput, profile } = await withSchemas(
      direct.client,
      1,
      async ([schema = '']) => {
        const layout = await prepareLayout(direct.client, 'default tables', schema, '')
        await layout.seed(ORG, ORG_GROUPS)
        const setup = await layout.open({ pool: direct.pool })
        await setup.updateOrgSettings(ORG, () => ({
          settings: { manageGroupMemberships: true, matchMode: 'exact' },
          audit: [],
        }))
        await setup.close()
        const claims = new Claims(ORG_GROUPS)
        const byLatency: LatencyResult[] = []
        for (const latencyMs of LATENCIES_MS) {
          byLatency.push(await measureLatency(layout, schema, claims, latencyMs, sizes.rounds, log))
        }
        const measured = await measureThroughput(layout, schema, claims, sizes, log)
        log("login-wire: EXPLAIN ANALYZE of a login's statements")
        return {
          latencies: byLatency,
          throughput: measured,
          profile: await profileServer(layout, schema, claims),
        }
      },
    ))
  } finally {
    await direct.end()
  }
  const { phases, serverCpuRead } = throughput
  const { goals, cpu } = goalsOf(latencies, phases)
  const minimalPhase = phaseOf(phases, 'minimal transactions')

  const markdown = `${title}

${quick ? '**Quick run (`pnpm bench --quick`): few samples and short phases; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`login-wire\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}
- PostgreSQL server: ${shortVersion(probe.version)} on this machine

**The login**: \`syncOnLoginAsync\` of \`@groupsync/sync\` with a ${CLAIM_GROUPS}-group claim, over groupsync's default tables in an org of
${ORG_GROUPS.toLocaleString('en')} groups with mapping on (seeded, then analysed), through a node-postgres pool in pipeline mode
(\`new pg.Pool({ pipeline: true })\`) with \`preparedStatements: true\`: the settings read (S1), then BEGIN, the locks and
the read sent together, then the write and COMMIT sent together. A **4-change login** swaps 2 of the user's groups for 2
others; a **no-change login** repeats the user's last claim (it still records the last-sync time, S7). **The minimal
transaction**: BEGIN, \`SELECT pg_advisory_xact_lock(…)\`, one indexed one-row SELECT, COMMIT, each statement sent after
the answer to the one before, on the same pool.

### Through a latency proxy

A TCP proxy (\`@groupsync/fault-proxy\`'s \`startProxyProcess\`, in a child process, so that its waiting shares no event
loop with the measured code) holds every server-to-client chunk ${LATENCIES_MS.join(', ')} ms; at each latency a new proxy, a pipelined pool
and a pool without pipeline mode of 2 connections each, a warm-up, then ${sizes.rounds} rounds of: a 4-change login, a no-change
login of the same user, a minimal transaction, and the no-change login again on the pool without pipeline mode (one
statement at a time). Round trips: counted by the proxy (\`roundTrips()\`: a client's sends between two answers count
once) around one call of each, after the warm-up. **The client's CPU**: this process's CPU time (user and system,
\`process.cpuUsage\`) during one call.

${markdownTable(
  [
    'added per round trip',
    'no-change login p50',
    '4-change login p50',
    'minimal transaction p50',
    'no-change ÷ minimal',
    '4-change ÷ minimal',
    'no-change login p50, pool without pipeline mode',
    'round trips: no-change, 4-change, minimal, no-change without pipeline mode',
  ],
  latencies.map((l) => [
    `${l.latencyMs} ms`,
    formatMs(p50(l.noChange)),
    formatMs(p50(l.change)),
    formatMs(p50(l.minimal)),
    (p50(l.noChange) / p50(l.minimal)).toFixed(2),
    (p50(l.change) / p50(l.minimal)).toFixed(2),
    formatMs(p50(l.unpipelined)),
    `${l.trips.noChange}, ${l.trips.change}, ${l.trips.minimal}, ${l.trips.unpipelined}`,
  ]),
  ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
)}

${markdownTable(
  [
    'added per round trip',
    'client CPU p50: no-change login',
    '4-change login',
    'minimal transaction',
    'no-change ÷ minimal',
  ],
  latencies.map((l) => [
    `${l.latencyMs} ms`,
    formatMs(p50(l.noChangeCpu)),
    formatMs(p50(l.changeCpu)),
    formatMs(p50(l.minimalCpu)),
    (p50(l.noChangeCpu) / p50(l.minimalCpu)).toFixed(2),
  ]),
  ['r', 'r', 'r', 'r', 'r'],
)}

The CPU goal is judged at +0 ms (${formatMs(cpu.login)} per no-change login, ${formatMs(cpu.minimal)} per minimal transaction): the same
code takes more CPU after a wait of milliseconds (caches gone cold), and not alike on both sides.

### Throughput at ${CLIENTS} clients

${CLIENTS} loops at once in this process on one pipelined pool of ${CLIENTS} connections straight to the server, each loop logging its own
user in (or running minimal transactions on its own lock key) for ${sizes.phaseSeconds} s; the three kinds take turns, ${sizes.phaseRepeats} time${sizes.phaseRepeats === 1 ? '' : 's'} each,
so that load from elsewhere falls on all of them. **Client CPU** is this process's over the phase; **server CPU** is that of
the pool's ${CLIENTS} backend processes (\`/proc/<pid>/stat\`, the server being on this machine)${serverCpuRead ? '' : ' — **not read on this run**'}; both per call, and as
cores busy over the phase's wall time. The machine has ${machine.cores} cores, shared by this process, the server and anything else running.

${markdownTable(
  [
    '',
    'per second',
    '÷ minimal',
    'client CPU per call',
    'server CPU per call',
    'client cores busy',
    'server cores busy',
  ],
  phases.map((p) => [
    p.kind,
    perSecond(p).toFixed(0),
    (perSecond(p) / perSecond(minimalPhase)).toFixed(2),
    formatMs(p.clientCpuMs / p.calls),
    p.serverCpuMs === undefined ? '—' : formatMs(p.serverCpuMs / p.calls),
    (p.clientCpuMs / 1000 / p.seconds).toFixed(2),
    p.serverCpuMs === undefined ? '—' : (p.serverCpuMs / 1000 / p.seconds).toFixed(2),
  ]),
  ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
)}

### Where the server's time goes

One no-change and one 4-change login through a client that has the server \`EXPLAIN ANALYZE\` each statement of the
transaction (in a savepoint rolled back, then run for real; one connection, unprepared), beside the minimal
transaction's SELECT and the fold of the claim's ${CLAIM_GROUPS} keys alone (\`hashtextextended(fold(key), 0)\`, which the read
computes once per key to look the slice up through the fold index):

${markdownTable(
  ['login', 'statement', 'planning', 'execution'],
  [
    ...profile.noChange.map((t) => ['no-change', t] as const),
    ...profile.change.map((t) => ['4-change', t] as const),
  ].map(([login, t]) => [
    login,
    `\`${t.statement}…\``,
    formatMs(t.planningMs),
    formatMs(t.executionMs),
  ]),
  ['l', 'l', 'r', 'r'],
)}

- folding and hashing the claim's ${CLAIM_GROUPS} keys alone: ${formatMs(profile.foldKeys.executionMs)} of execution
- the minimal transaction's SELECT: ${formatMs(profile.minimalSelect.planningMs)} of planning, ${formatMs(profile.minimalSelect.executionMs)} of execution

${markdownTable(
  ['goal', 'measured', 'met'],
  goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : `**no**: ${g.reason ?? ''}`]),
)}
`
  return { markdown, goals: quick ? [] : goals }
}

/** A login against a minimal transaction: through a latency proxy, by CPU, and in throughput. */
export const loginWireSuite: BenchSuite = {
  id: 'login-wire',
  title:
    'A login against a minimal transaction: through a latency proxy (0, 1, 5 ms), client CPU, throughput at 4 clients',
  run,
}
