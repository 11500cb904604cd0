import type { MembershipStore } from '@groupsync/core'
import { startProxyProcess } from '@groupsync/fault-proxy'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import {
  explainingClient,
  minimalTransaction,
  openServerPool,
  probePostgresServer,
  serverAddress,
  serverBackendCpu,
  shortVersion,
  withSchemas,
  type ServerPool,
} from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import {
  CLAIM_GROUPS,
  benchUuid,
  claimsOf,
  cpuOf,
  p50,
  prepareLayout,
  timedLogin,
  userId,
  type PreparedLayout,
} from '../login-scale/login-fixture.js'

// Where users feel a login: with the database a network hop away, round trips are its cost, and
// on a shared machine the client's CPU caps how many logins it serves. This suite sets a login
// beside the smallest transaction a locked read-then-write can be, on the same pool, in the same
// run: through a latency proxy in its own process, by the client's CPU, and in throughput.

const LATENCIES_MS = [0, 1, 5] as const
/** The latency the round-trip goals are judged at: a database in another zone or region. */
const GOAL_LATENCY_MS = 5
const MAX_NO_CHANGE_RATIO = 0.85
const MAX_CHANGE_RATIO = 0.95
const EXPECTED_ROUND_TRIPS = 3
/** Calls of each kind whose round trips are counted, at each latency. */
const TRIP_COUNTS = 5
const MAX_CPU_RATIO = 3
const MIN_THROUGHPUT_RATIO = 0.25
const ORG_GROUPS = 1_000
const USERS = 10
const CLIENTS = 4

interface Sizes {
  /** Rounds per latency, each timing one login of every kind and one minimal transaction. */
  readonly rounds: number
  /** Seconds of each throughput phase, and how many times the phases repeat in turn. */
  readonly phaseSeconds: number
  readonly phaseRepeats: number
}
const FULL: Sizes = { rounds: 150, phaseSeconds: 3, phaseRepeats: 3 }
const QUICK: Sizes = { rounds: 6, phaseSeconds: 0.3, phaseRepeats: 1 }

const ORG = benchUuid(3, 1)
const SELECT_ONE = (schema: string) => ({
  text: `SELECT 1 FROM "${schema}".org_settings WHERE org_id = $1`,
  values: [ORG],
})

/** What was timed at one added latency. */
interface LatencyResult {
  readonly latencyMs: number
  readonly noChange: number[]
  readonly change: number[]
  readonly minimal: number[]
  /** No-change logins on a pool without pipeline mode, through the same proxy. */
  readonly unpipelined: number[]
  readonly noChangeCpu: number[]
  readonly changeCpu: number[]
  readonly minimalCpu: number[]
  /** Round trips of one call of each, counted by the proxy. */
  readonly trips: Readonly<Record<'noChange' | 'change' | 'minimal' | 'unpipelined', number>>
}

/** Which claim each user had at their last login, to log them in with or without a change. */
class Claims {
  private readonly last = new Map<string, number>()
  constructor(private readonly groups: number) {}
  /** The claim of a login that changes 4 memberships (or adds all, the first time). */
  change(u: number): readonly string[] {
    const next = 1 - (this.last.get(userId(u)) ?? 1)
    this.last.set(userId(u), next)
    return claimsOf(u, this.groups)[next] ?? []
  }
  /** The claim of the user's last login again. */
  same(u: number): readonly string[] {
    return claimsOf(u, this.groups)[this.last.get(userId(u)) ?? 0] ?? []
  }
}

const expectChanged = (changed: number, expected: number, what: string) => {
  if (changed !== expected)
    throw new Error(`login-wire: ${what} changed ${changed}, not ${expected}`)
}

async function measureLatency(
  layout: PreparedLayout,
  schema: string,
  claims: Claims,
  latencyMs: number,
  rounds: number,
  log: (line: string) => void,
): Promise<LatencyResult> {
  // In a child process: its waits neither block nor wait for this event loop.
  const proxy = await startProxyProcess({ target: serverAddress(), latencyMs })
  const pools: ServerPool[] = []
  const stores: MembershipStore[] = []
  try {
    const pipelined = openServerPool(2, { viaPort: proxy.port, pipeline: true })
    const plain = openServerPool(2, { viaPort: proxy.port })
    pools.push(pipelined, plain)
    const store = await layout.open({ pool: pipelined.pool, preparedStatements: true })
    const storeUnpipelined = await layout.open({ pool: plain.pool, preparedStatements: true })
    stores.push(store, storeUnpipelined)
    const minimal = (u: number) =>
      minimalTransaction(pipelined.pool, `min-${u}`, SELECT_ONE(schema))
    log(`login-wire: +${latencyMs} ms per round trip, warm-up`)
    // Logins on both pools at once, and two minimal transactions at once: the connections are
    // open, and have prepared the store's statements, before anything is counted or timed.
    for (let u = 0; u < USERS; u++) {
      await Promise.all([
        timedLogin(store, ORG, userId(u), claims.change(u)),
        timedLogin(storeUnpipelined, ORG, userId(USERS + u), claims.change(USERS + u)),
      ])
      await Promise.all([minimal(u), minimal(u + 1)])
    }
    // The median of a few counts: a count is exact only while the client's sends of one moment
    // reach the proxy before any answer, which a busy machine can delay past a 1 ms latency.
    const counted = async (fn: () => Promise<unknown>): Promise<number> => {
      const counts: number[] = []
      for (let k = 0; k < TRIP_COUNTS; k++) {
        const before = await proxy.roundTrips()
        await fn()
        counts.push((await proxy.roundTrips()) - before)
      }
      return p50(counts)
    }
    const trips = {
      change: await counted(async () => {
        expectChanged(
          (await timedLogin(store, ORG, userId(0), claims.change(0))).changed,
          4,
          'a 4-change login',
        )
      }),
      noChange: await counted(() => timedLogin(store, ORG, userId(0), claims.same(0))),
      unpipelined: await counted(() =>
        timedLogin(storeUnpipelined, ORG, userId(0), claims.same(0)),
      ),
      minimal: await counted(() => minimal(0)),
    }
    log(`login-wire: +${latencyMs} ms per round trip, ${rounds} rounds`)
    const r: LatencyResult = {
      latencyMs,
      noChange: [],
      change: [],
      minimal: [],
      unpipelined: [],
      noChangeCpu: [],
      changeCpu: [],
      minimalCpu: [],
      trips,
    }
    // One of each per round, in the same order, so that all four see the same load.
    for (let i = 0; i < rounds; i++) {
      const u = i % USERS
      const change = await timedLogin(store, ORG, userId(u), claims.change(u))
      expectChanged(change.changed, 4, 'a 4-change login')
      r.change.push(change.ms)
      r.changeCpu.push(change.cpuMs)
      const noChange = await timedLogin(store, ORG, userId(u), claims.same(u))
      expectChanged(noChange.changed, 0, 'a no-change login')
      r.noChange.push(noChange.ms)
      r.noChangeCpu.push(noChange.cpuMs)
      const began = performance.now()
      r.minimalCpu.push(await cpuOf(() => minimal(u)))
      r.minimal.push(performance.now() - began)
      const again = await timedLogin(storeUnpipelined, ORG, userId(u), claims.same(u))
      expectChanged(again.changed, 0, 'a no-change login')
      r.unpipelined.push(again.ms)
    }
    return r
  } finally {
    for (const s of stores) await s.close()
    for (const p of pools) await p.end()
    await proxy.close()
  }
}

type PhaseKind = '4-change logins' | 'no-change logins' | 'minimal transactions'
const PHASES: readonly PhaseKind[] = ['4-change logins', 'no-change logins', 'minimal transactions']

/** What one kind of call did over its throughput phases, summed. */
interface Phase {
  readonly kind: PhaseKind
  calls: number
  seconds: number
  clientCpuMs: number
  /** CPU of the pool's server backends, when `/proc` could be read. */
  serverCpuMs: number | undefined
}

/**
 * {@link CLIENTS} loops at once on a pipelined pool of as many connections, each for its own
 * user (or lock key), for `phaseSeconds`; the kinds take turns, `phaseRepeats` times.
 */
async function measureThroughput(
  layout: PreparedLayout,
  schema: string,
  claims: Claims,
  sizes: Sizes,
  log: (line: string) => void,
): Promise<{ readonly phases: readonly Phase[]; readonly serverCpuRead: boolean }> {
  const server = openServerPool(CLIENTS, { pipeline: true })
  const store = await layout.open({ pool: server.pool, preparedStatements: true })
  try {
    // The throughput users are not the latency rows' users: each client has one of its own.
    const user = (c: number) => 100 + c
    const call: Record<PhaseKind, (c: number) => Promise<unknown>> = {
      '4-change logins': async (c) => {
        expectChanged(
          (await timedLogin(store, ORG, userId(user(c)), claims.change(user(c)))).changed,
          4,
          'a 4-change login',
        )
      },
      'no-change logins': async (c) => {
        expectChanged(
          (await timedLogin(store, ORG, userId(user(c)), claims.same(user(c)))).changed,
          0,
          'a no-change login',
        )
      },
      'minimal transactions': (c) =>
        minimalTransaction(server.pool, `throughput-${c}`, SELECT_ONE(schema)),
    }
    const loops = (kind: PhaseKind, until: (k: number) => boolean) =>
      Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          let k = 0
          for (; until(k); k++) await call[kind](c)
          return k
        }),
      )
    log(`login-wire: throughput warm-up`)
    // Each user's first login adds the whole claim: not one of the kinds measured.
    for (let c = 0; c < CLIENTS; c++) {
      await timedLogin(store, ORG, userId(user(c)), claims.change(user(c)))
    }
    for (const kind of PHASES) await loops(kind, (k) => k < 20)
    const backendCpu = await serverBackendCpu(server.pool, CLIENTS)
    const phases = PHASES.map((kind): Phase => ({
      kind,
      calls: 0,
      seconds: 0,
      clientCpuMs: 0,
      serverCpuMs: 0,
    }))
    for (let repeat = 0; repeat < sizes.phaseRepeats; repeat++) {
      for (const phase of phases) {
        log(`login-wire: ${CLIENTS} clients, ${phase.kind}, ${sizes.phaseSeconds} s`)
        const serverBefore = backendCpu()
        const cpu = process.cpuUsage()
        const began = performance.now()
        const end = began + sizes.phaseSeconds * 1000
        const counts = await loops(phase.kind, () => performance.now() < end)
        phase.seconds += (performance.now() - began) / 1000
        const used = process.cpuUsage(cpu)
        const serverAfter = backendCpu()
        phase.clientCpuMs += (used.user + used.system) / 1000
        phase.calls += counts.reduce((a, b) => a + b, 0)
        phase.serverCpuMs =
          serverBefore === undefined || serverAfter === undefined || phase.serverCpuMs === undefined
            ? undefined
            : phase.serverCpuMs + serverAfter - serverBefore
      }
    }
    return { phases, serverCpuRead: backendCpu() !== undefined }
  } finally {
    await store.close()
    await server.end()
  }
}

/** One statement of a login's transaction, as EXPLAIN ANALYZE timed it on the server. */
interface StatementTime {
  readonly statement: string
  readonly planningMs: number
  readonly executionMs: number
}

/** Where a login's server time goes, from EXPLAIN ANALYZE, beside the minimal transaction's. */
interface ServerProfile {
  readonly change: readonly StatementTime[]
  readonly noChange: readonly StatementTime[]
  /** Execution of folding and hashing the claim's keys alone, as the read does once per key. */
  readonly foldKeys: StatementTime
  readonly minimalSelect: StatementTime
}

const msIn = (plan: string, what: 'Planning' | 'Execution'): number =>
  Number(new RegExp(`${what} Time: ([\\d.]+) ms`).exec(plan)?.[1] ?? Number.NaN)

const timeOf = (text: string, plan: string): StatementTime => ({
  statement: text.replace(/\s+/g, ' ').trim().slice(0, 60),
  planningMs: msIn(plan, 'Planning'),
  executionMs: msIn(plan, 'Execution'),
})

/**
 * Runs logins through a client that has the server EXPLAIN ANALYZE each statement of their
 * transactions (in a savepoint rolled back, then for real), one connection, no pipelining.
 */
async function profileServer(
  layout: PreparedLayout,
  schema: string,
  claims: Claims,
): Promise<ServerProfile> {
  const server = openServerPool(1)
  try {
    const explaining = explainingClient(server.client, () => true)
    const store = await layout.open({ client: explaining.client })
    const u = 200
    const plansOf = async (groups: readonly string[]) => {
      const before = explaining.plans().length
      await timedLogin(store, ORG, userId(u), groups)
      return explaining
        .plans()
        .slice(before)
        .map((p) => timeOf(p.text, p.plan))
    }
    try {
      for (let k = 0; k < 4; k++) await timedLogin(store, ORG, userId(u), claims.change(u))
      const change = await plansOf(claims.change(u))
      const noChange = await plansOf(claims.same(u))
      const explain = async (text: string, values: readonly unknown[]) => {
        let plan = ''
        // The last of three: the first pays for the catalog lookups.
        for (let k = 0; k < 3; k++) {
          const { rows } = await server.client.query(`EXPLAIN ANALYZE ${text}`, values)
          plan = rows.map((r) => String(Object.values(r)[0])).join('\n')
        }
        return timeOf(text, plan)
      }
      const { rows } = await server.client.query(
        `SELECT proname FROM pg_proc WHERE pronamespace = $1::regnamespace AND proname LIKE 'slice_fold%'`,
        [schema],
      )
      const fold = `"${schema}".${String(rows[0]?.['proname'])}`
      return {
        change,
        noChange,
        foldKeys: await explain(
          `SELECT sum(hashtextextended(${fold}(k), 0)) FROM unnest($1::text[]) AS k`,
          [claims.same(u)],
        ),
        minimalSelect: await explain(SELECT_ONE(schema).text, SELECT_ONE(schema).values),
      }
    } finally {
      await store.close()
    }
  } finally {
    await server.end()
  }
}

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
