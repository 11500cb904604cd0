import type { MembershipStore } from '@groupsync/core'
import { startProxyProcess } from '@groupsync/fault-proxy'
import {
  explainingClient,
  minimalTransaction,
  openServerPool,
  serverAddress,
  serverBackendCpu,
  type ServerPool,
} from '../../postgres.js'
import {
  benchUuid,
  claimsOf,
  cpuOf,
  p50,
  timedLogin,
  userId,
  type PreparedLayout,
} from '../login-scale/login-fixture.js'

// The measurements of the login-wire suite (login-wire.suite.ts judges them and writes the
// report): a login beside a minimal transaction through a latency proxy in its own process, by
// the client's CPU, in throughput on one pool, and the server's time per statement.

export const LATENCIES_MS = [0, 1, 5] as const
/** Calls of each kind whose round trips are counted, at each latency. */
export const TRIP_COUNTS = 5
export const ORG_GROUPS = 1_000
const USERS = 10
export const CLIENTS = 4

export interface Sizes {
  /** Rounds per latency, each timing one login of every kind and one minimal transaction. */
  readonly rounds: number
  /** Seconds of each throughput phase, and how many times the phases repeat in turn. */
  readonly phaseSeconds: number
  readonly phaseRepeats: number
}
export const FULL: Sizes = { rounds: 150, phaseSeconds: 3, phaseRepeats: 3 }
export const QUICK: Sizes = { rounds: 6, phaseSeconds: 0.3, phaseRepeats: 1 }

export const ORG = benchUuid(3, 1)
const SELECT_ONE = (schema: string) => ({
  text: `SELECT 1 FROM "${schema}".org_settings WHERE org_id = $1`,
  values: [ORG],
})

/** What was timed at one added latency. */
export interface LatencyResult {
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
export class Claims {
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

export async function measureLatency(
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

export type PhaseKind = '4-change logins' | 'no-change logins' | 'minimal transactions'
export const PHASES: readonly PhaseKind[] = [
  '4-change logins',
  'no-change logins',
  'minimal transactions',
]

/** What one kind of call did over its throughput phases, summed. */
export interface Phase {
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
export async function measureThroughput(
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
export interface StatementTime {
  readonly statement: string
  readonly planningMs: number
  readonly executionMs: number
}

/** Where a login's server time goes, from EXPLAIN ANALYZE, beside the minimal transaction's. */
export interface ServerProfile {
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
export async function profileServer(
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
