import type { MembershipDiff } from '@groupsync/core'
import { startProxyProcess } from '@groupsync/fault-proxy'
import { createPostgresMembershipStore, type SqlClient } from '@groupsync/store-postgres'
import {
  profileCpu,
  profileMarkdown,
  summariseProfile,
  type ProfileSummary,
} from '../../cpu-profile.js'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, formatRatio, markdownTable } from '../../markdown.js'
import { byName, measureSideBySide, type Measurement, type TimedTask } from '../../measure.js'
import {
  explainingClient,
  openPGlite,
  openServerPool,
  probePostgresServer,
  recordingClient,
  serverAddress,
  shortVersion,
  withMigratedSchema,
  type RecordedStatement,
  type RoundTripCounter,
} from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteAsset, SuiteContext, SuiteReport } from '../../suite.js'
import { logLogPlot } from '../../svg-plot.js'
import { perRowSync } from './per-row-sync.js'
import {
  STABLE_GROUPS,
  alternatingClaims,
  changesOf,
  seedGroups,
  storeSync,
} from './sync-fixture.js'

const FULL_SIZES = [1, 10, 100, 1_000, 10_000] as const
const QUICK_SIZES = [1, 100, 1_000] as const
/**
 * Delays a proxy adds to every round trip between the application and the server, as a network
 * does: about 0.25 ms within a zone, 1 ms across zones. Loopback alone is per-row's best case.
 */
const ADDED_LATENCIES_MS = [0.25, 1] as const
/**
 * Sizes measured through the proxy: the goal's, and two small ones for the shape. At 1 ms a
 * per-row sync of 10,000 changes waits over 10 s, so the other sizes are left to the direct run.
 */
const LATENCY_SIZES = [1, 100, 10_000] as const
const QUICK_LATENCY_SIZES = [1, 100] as const
/** What the proxy's hop itself adds to a round trip on a quiet 2-core machine (its README). */
const PROXY_HOP_MS = 0.1

/**
 * How much longer each of per-row's round trips took through the proxy than direct, at the
 * goal's size, and whether that is well over the nominal delay plus the hop: on a loaded machine
 * the proxy process waits for a core too, which inflates the ratio measured through it.
 */
export function addedPerRoundTrip(
  proxied: Pick<BackendResult, 'rows'> & {
    readonly backend: Pick<Backend, 'addedLatencyMs'>
  },
  direct: Pick<BackendResult, 'rows'> | undefined,
  atChanges: number,
): { readonly ms: number; readonly inflated: boolean } | undefined {
  const row = proxied.rows.find((r) => r.changes === atChanges)
  const base = direct?.rows.find((r) => r.changes === atChanges)
  const trips = base?.perRowRoundTrips
  if (row === undefined || base === undefined || trips === undefined || trips === 0) {
    return undefined
  }
  const ms = (row.perRow.median - base.perRow.median) / trips
  return { ms, inflated: ms > 2 * (proxied.backend.addedLatencyMs + PROXY_HOP_MS) }
}

const addedNote = (added: { readonly ms: number; readonly inflated: boolean }, nominal: number) =>
  `each round trip took ${formatMs(added.ms)} longer than direct` +
  (added.inflated
    ? `, over twice the nominal ${nominal} ms plus the hop's ~${PROXY_HOP_MS} ms: the proxy slowed with the machine's load, which inflates this ratio`
    : '')
/** Issue 6 part 2: at 10k changes, the store is at least this many times faster than per-row. */
const MIN_SPEEDUP = 20
const ORG = 'bench-org'
const PLOT_PATH = 'benchmarks/store-sync.svg'

/** A database the suite measures on. */
interface Backend {
  /** `server` or `PGlite`, for tables and the plot. */
  readonly label: string
  readonly version: string
  readonly client: SqlClient
  /** Protocol round trips, where there is a network (the server). */
  readonly roundTrips: RoundTripCounter | undefined
  readonly close: () => Promise<void>
  /** Added to every round trip by a proxy in front of the server; 0 for a direct connection. */
  readonly addedLatencyMs: number
  /**
   * Where the schema is made and seeded and the untimed warm-up syncs run: the direct
   * connection, so that the proxy's delay is paid only by what is timed.
   */
  readonly setupClient: SqlClient
  /** The numbers of changes to time. */
  readonly sizes: readonly number[]
  /**
   * Whether to count statements and record the breakdown, plans and profiles: the direct runs
   * do; through the proxy the statements and the work are the same, only the waiting differs.
   */
  readonly detail: boolean
}

type Approach = 'store' | 'per-row'

/** What one backend's run found, per size. */
interface BackendResult {
  readonly backend: Backend
  readonly rows: readonly {
    readonly changes: number
    readonly store: Measurement
    readonly perRow: Measurement
    readonly storeStatements: number
    readonly perRowStatements: number
    readonly storeRoundTrips: number | undefined
    readonly perRowRoundTrips: number | undefined
  }[]
  /** The statements of one store sync at the largest size, with their times. */
  readonly breakdown: readonly RecordedStatement[]
  /** The wall time of that sync: the statements plus the JavaScript between them. */
  readonly breakdownWallMs: number
  /** One per-row sync at the largest size: its statements' total time and median. */
  readonly perRowBreakdown: {
    readonly count: number
    readonly sumMs: number
    readonly medianMs: number
  }
  /** EXPLAIN ANALYZE of the store's two slowest statements at the largest size. */
  readonly plans: readonly { readonly label: string; readonly plan: string }[]
  /** CPU profiles of store syncs (this process: the JavaScript side), at the largest size and at 1. */
  readonly profiles: readonly {
    readonly changes: number
    readonly syncs: number
    readonly summary: ProfileSummary
  }[]
}

/** A statement as a short label: BEGIN/COMMIT as they are, else its first words. */
const statementLabel = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 70 ? `${flat.slice(0, 67)}…` : flat
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}

async function measureBackend(
  backend: Backend,
  maxChanges: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<BackendResult> {
  const { sizes } = backend
  return withMigratedSchema(backend.setupClient, async (schema) => {
    await seedGroups(backend.setupClient, schema, ORG, maxChanges + STABLE_GROUPS)
    const open = (client: SqlClient) =>
      createPostgresMembershipStore({ client, schema, migrate: false })
    const recorder = recordingClient(backend.client)
    // Statements to EXPLAIN ANALYZE, chosen once the slowest are known.
    const toExplain = new Set<string>()
    const explainer = explainingClient(backend.client, (text) => toExplain.has(text))
    const via = {
      plain: { store: await open(backend.client), client: backend.client },
      recorded: { store: await open(recorder.client), client: recorder.client },
      explained: { store: await open(explainer.client), client: explainer.client },
      setup: { store: await open(backend.setupClient), client: backend.setupClient },
    }
    type Via = keyof typeof via
    const now = () => new Date()

    /**
     * A user who alternates between two claims that differ by `changes` memberships; each call
     * is one sync, through the plain, the recording or the explaining client, so that all of
     * them keep the user in step.
     */
    const alternating = (approach: Approach, changes: number) => {
      const { a, b } = alternatingClaims(changes, maxChanges)
      const user = `${approach}-${changes}`
      let onB = false
      return async (how: Via = 'plain'): Promise<MembershipDiff> => {
        onB = !onB
        const claim = onB ? b : a
        const { store, client } = via[how]
        return approach === 'store'
          ? storeSync(store, ORG, user, claim, now())
          : perRowSync(client, schema, ORG, user, claim, now())
      }
    }

    const users = sizes.flatMap((changes) =>
      (['store', 'per-row'] as const).map((approach) => ({
        approach,
        changes,
        sync: alternating(approach, changes),
      })),
    )
    // Untimed: the first sync (no memberships to claim a) and one back and forth.
    log(`store-sync (${backend.label}): setting up ${users.length} users`)
    for (const u of users) {
      for (let i = 0; i < 3; i++) await u.sync('setup')
    }

    // Count statements and round trips of one sync of each kind, and check it changed `changes`.
    const counts = new Map<string, { statements: number; roundTrips: number | undefined }>()
    recorder.take()
    backend.roundTrips?.take()
    for (const u of backend.detail ? users : []) {
      const diff = await u.sync('recorded')
      if (changesOf(diff) !== u.changes) {
        throw new Error(
          `store-sync: a ${u.approach} sync changed ${changesOf(diff)} memberships, expected ${u.changes}`,
        )
      }
      counts.set(`${u.approach}-${u.changes}`, {
        statements: recorder.take().length,
        roundTrips: backend.roundTrips?.take(),
      })
    }

    const rounds = quick ? 2 : 3
    const tasks: TimedTask[] = users.map((u) => {
      const slow = u.changes >= 10_000
      return {
        name: `${u.approach}-${u.changes}`,
        fn: () => u.sync(),
        async: true,
        // Through the proxy a slow per-row sync waits seconds more: one per round.
        iterations: slow
          ? u.approach === 'store'
            ? 4
            : backend.addedLatencyMs > 0
              ? 1
              : 2
          : quick
            ? 5
            : 10,
        timeMs: slow ? 0 : quick ? 100 : 400,
        warmupIterations: slow ? 0 : 3,
        check: (result) => {
          if (changesOf(result as MembershipDiff) !== u.changes) {
            throw new Error(`store-sync: ${u.approach} did not change ${u.changes} memberships`)
          }
        },
      }
    })
    const measured = await measureSideBySide(tasks, rounds, (round) => {
      log(`store-sync (${backend.label}): round ${round + 1} of ${rounds}`)
    })
    const rows = sizes.map((changes) => {
      const s = counts.get(`store-${changes}`)
      const p = counts.get(`per-row-${changes}`)
      return {
        changes,
        store: byName(measured, `store-${changes}`),
        perRow: byName(measured, `per-row-${changes}`),
        storeStatements: s?.statements ?? NaN,
        perRowStatements: p?.statements ?? NaN,
        storeRoundTrips: s?.roundTrips,
        perRowRoundTrips: p?.roundTrips,
      }
    })
    if (!backend.detail) {
      return {
        backend,
        rows,
        breakdown: [],
        breakdownWallMs: NaN,
        perRowBreakdown: { count: 0, sumMs: NaN, medianMs: NaN },
        plans: [],
        profiles: [],
      }
    }

    // Where one store sync at the largest size spends its time, and one per-row sync.
    const top = (approach: Approach) => {
      const u = users.find((x) => x.approach === approach && x.changes === maxChanges)
      if (u === undefined) throw new Error('store-sync: no user at the largest size')
      return u
    }
    recorder.take()
    const wallStart = performance.now()
    await top('store').sync('recorded')
    const breakdownWallMs = performance.now() - wallStart
    const breakdown = recorder.take()
    await top('per-row').sync('recorded')
    const perRowStatements = recorder.take().map((x) => x.ms)

    // EXPLAIN ANALYZE the two slowest statements of a store sync at that size, in its own state.
    const slowest = [...breakdown]
      .filter((x) => x.params !== undefined)
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 2)
    for (const x of slowest) toExplain.add(x.text)
    await top('store').sync('explained')
    const plans = explainer.plans().map(({ text, plan }) => ({ label: statementLabel(text), plan }))

    // Where the JavaScript side of a store sync spends its time: at the largest size, and at the
    // smallest, where the fixed cost of a sync shows.
    const profiles = []
    for (const [changes, syncs] of [
      [maxChanges, quick ? 2 : 5],
      [Math.min(...sizes), quick ? 5 : 20],
    ] as const) {
      const user = users.find((x) => x.approach === 'store' && x.changes === changes)
      if (user === undefined) continue
      log(
        `store-sync (${backend.label}): CPU profile of ${syncs} store syncs of ${changes} changes`,
      )
      const profile = await profileCpu(async () => {
        for (let i = 0; i < syncs; i++) await user.sync()
      })
      profiles.push({ changes, syncs, summary: summariseProfile(profile, 10) })
    }

    return {
      backend,
      rows,
      breakdown,
      breakdownWallMs,
      perRowBreakdown: {
        count: perRowStatements.length,
        sumMs: perRowStatements.reduce((x, y) => x + y, 0),
        medianMs: median(perRowStatements),
      },
      plans,
      profiles,
    }
  })
}

const count = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en')

function backendTable(result: BackendResult): string {
  // Through the proxy the statements and round trips are those of the direct run: not recounted.
  const counted = result.backend.detail
  const network = counted && result.backend.roundTrips !== undefined
  return markdownTable(
    [
      'changes',
      'store (median)',
      'per-row (median)',
      'per-row ÷ store',
      ...(counted ? ['store statements', 'per-row statements'] : []),
      ...(network ? ['store round trips', 'per-row round trips'] : []),
      'samples (store / per-row)',
    ],
    result.rows.map((r) => [
      r.changes.toLocaleString('en'),
      formatMs(r.store.median),
      formatMs(r.perRow.median),
      formatRatio(r.perRow.median / r.store.median),
      ...(counted ? [count(r.storeStatements), count(r.perRowStatements)] : []),
      ...(network ? [count(r.storeRoundTrips), count(r.perRowRoundTrips)] : []),
      `${r.store.samples} / ${r.perRow.samples}`,
    ]),
    [
      'r',
      'r',
      'r',
      'r',
      ...(counted ? (['r', 'r'] as const) : []),
      ...(network ? (['r', 'r'] as const) : []),
      'r',
    ],
  )
}

/** The reason a speed-up goal was missed, from the breakdown of one store sync. */
function whyMissed(result: BackendResult, perRowMs: number): string {
  const sqlMs = result.breakdown.reduce((sum, x) => sum + x.ms, 0)
  const slowest = [...result.breakdown].sort((a, b) => b.ms - a.ms)[0]
  return (
    `one store sync took ${formatMs(result.breakdownWallMs)}: ${formatMs(sqlMs)} in SQL ` +
    `(the slowest statement, \`${statementLabel(slowest?.text ?? '').slice(0, 24)}…\`, ${formatMs(slowest?.ms ?? NaN)}) ` +
    `and ${formatMs(Math.max(0, result.breakdownWallMs - sqlMs))} in JavaScript; the per-row statements cost only ` +
    `${formatMs(result.perRowBreakdown.medianMs)} each here, so ${MIN_SPEEDUP}× needs a store sync under ` +
    `${formatMs(perRowMs / MIN_SPEEDUP)}. Profiles below`
  )
}

function goalsOf(
  result: BackendResult,
  atChanges: number,
  direct: BackendResult | undefined,
): GoalResult[] {
  const label = result.backend.label
  const top = result.rows.find((r) => r.changes === atChanges)
  const goals: GoalResult[] = []
  if (top !== undefined) {
    const speedup = top.perRow.median / top.store.median
    const met = speedup >= MIN_SPEEDUP
    const added = result.backend.detail ? undefined : addedPerRoundTrip(result, direct, atChanges)
    goals.push({
      goal: `${label}: ≥ ${MIN_SPEEDUP}× faster than per-row at ${atChanges.toLocaleString('en')} changes`,
      met,
      measured:
        `${formatRatio(speedup)} (${formatMs(top.store.median)} vs ${formatMs(top.perRow.median)}` +
        `${added === undefined ? '' : `; ${addedNote(added, result.backend.addedLatencyMs)}`})`,
      ...(met
        ? {}
        : {
            reason: result.backend.detail
              ? whyMissed(result, top.perRow.median)
              : `${MIN_SPEEDUP}× needs a store sync under ${formatMs(top.perRow.median / MIN_SPEEDUP)} at this delay; ` +
                `the store's own SQL and JavaScript are those of the direct run (profiles below)`,
          }),
    })
  }
  if (!result.backend.detail) return goals
  const statements = new Set(result.rows.map((r) => r.storeStatements))
  goals.push({
    goal: `${label}: statements per store sync constant`,
    met: statements.size === 1,
    measured: `${[...statements].join(', ')} statements at ${result.rows.map((r) => r.changes.toLocaleString('en')).join(', ')} changes`,
    ...(statements.size === 1 ? {} : { reason: 'the store sent more statements for larger diffs' }),
  })
  return goals
}

/** A plan with its long lines (the arrays of ids a statement was given) cut short. */
const shortenPlan = (plan: string): string =>
  plan
    .split('\n')
    .map((line) =>
      line.length > 160 ? `${line.slice(0, 150)}… (${line.length} characters)` : line,
    )
    .join('\n')

/**
 * What the measurements say about where a store sync's time goes, in sentences built from the
 * data: the fixed cost at one change, the slowest JavaScript line, the write's trigger time, and
 * (server) what a network between the application and the database would do to the ratio.
 */
function findings(
  result: BackendResult,
  maxChanges: number,
  throughProxy: readonly BackendResult[],
): string[] {
  const out: string[] = []
  // Only a clear difference: within 20 % the two are level, given the noise of a shared machine.
  const first = result.rows[0]
  const top = result.rows.find((r) => r.changes === maxChanges)
  if (first !== undefined && first.store.median > 1.2 * first.perRow.median) {
    out.push(
      `At ${first.changes.toLocaleString('en')} change a store sync takes ${formatMs(first.store.median)} against ${formatMs(first.perRow.median)} for ` +
        `per-row: the store has a fixed cost per sync that per-row does not (see the CPU profile at 1 change).`,
    )
  }
  for (const profile of result.profiles) {
    const hot = profile.summary.functions.find((f) => f.location !== '' && f.hotLines.length > 0)
    const line = hot?.hotLines[0]
    if (hot === undefined || line === undefined) continue
    out.push(
      `The busiest JavaScript of the syncs of ${profile.changes.toLocaleString('en')} change${profile.changes === 1 ? '' : 's'}: \`${hot.location}\` ` +
        `(${hot.area}), ${formatMs(hot.ms / profile.syncs)} per sync, ${(line.share * 100).toFixed(0)} % of it on line ${line.line} \`${line.text}\`.`,
    )
  }
  for (const plan of result.plans) {
    const trigger = /Trigger for constraint (\S+) on (\S+): time=([\d.]+) calls=(\d+)/.exec(
      plan.plan,
    )
    const total = /Execution Time: ([\d.]+) ms/.exec(plan.plan)
    if (trigger !== null) {
      out.push(
        `The write's foreign-key check \`${trigger[1] ?? ''}\` ran ${Number(trigger[4]).toLocaleString('en')} times, once per inserted row, ` +
          `for ${formatMs(Number(trigger[3]))} of its ${total === null ? 'execution' : formatMs(Number(total[1]))} under EXPLAIN ANALYZE.`,
      )
    }
  }
  const slowestRead = [...result.breakdown]
    .filter((x) => /^\s*SELECT/i.test(x.text))
    .sort((a, b) => b.ms - a.ms)[0]
  if (slowestRead !== undefined) {
    out.push(
      `The read of the snapshot at ${maxChanges.toLocaleString('en')} changes (the slice of the organisation's groups the claim names or ` +
        `the user holds, here all ${(maxChanges + STABLE_GROUPS).toLocaleString('en')} of them, as JSON) took ${formatMs(slowestRead.ms)} of SQL; ` +
        `at fewer changes the slice is smaller.`,
    )
  }
  if (
    result.backend.roundTrips !== undefined &&
    top?.storeRoundTrips !== undefined &&
    top.perRowRoundTrips !== undefined
  ) {
    const storeTrips = top.storeRoundTrips
    const perRowTrips = top.perRowRoundTrips
    const measured = throughProxy.flatMap((r) => {
      const row = r.rows.find((x) => x.changes === maxChanges)
      if (row === undefined) return []
      const delay = r.backend.addedLatencyMs
      // What the delay alone would add to the direct medians: the proxy's own cost shows as the rest.
      const expected = (direct: number, trips: number) => direct + trips * delay
      const added = addedPerRoundTrip(r, result, maxChanges)
      return [
        `+${delay} ms: ${formatRatio(row.perRow.median / row.store.median)} (${formatMs(row.store.median)} vs ` +
          `${formatMs(row.perRow.median)}${added === undefined ? '' : `; ${addedNote(added, delay)}`}); the nominal delay ` +
          `alone would give ${formatMs(expected(top.store.median, storeTrips))} vs ${formatMs(expected(top.perRow.median, perRowTrips))}, ` +
          formatRatio(
            expected(top.perRow.median, perRowTrips) / expected(top.store.median, storeTrips),
          ),
      ]
    })
    out.push(
      `Loopback is per-row's best case: each of its ${perRowTrips.toLocaleString('en')} round trips costs ${formatMs(result.perRowBreakdown.medianMs)} here, ` +
        `against the store's ${storeTrips}. ` +
        (measured.length === 0
          ? 'The runs through a proxy that delays each round trip did not measure this size.'
          : `Measured through a proxy that delays each round trip, per-row ÷ store at ${maxChanges.toLocaleString('en')} changes is, at ${measured.join('; at ')}.`),
    )
  }
  return out
}

/**
 * What would close the gap to the speed-up goal, from the same data as {@link findings}: work in
 * the store that every sync pays, and the per-row foreign-key check. Raised with the lead as an
 * issue for `@groupsync/store-postgres`; empty when the goal is met.
 */
function fixes(result: BackendResult, maxChanges: number): string[] {
  const top = result.rows.find((r) => r.changes === maxChanges)
  if (top === undefined || top.perRow.median / top.store.median >= MIN_SPEEDUP) return []
  const out: string[] = []
  // The fixed cost shows best in the profile of the smallest syncs.
  const smallest = [...result.profiles].sort((a, b) => a.changes - b.changes)[0]
  const storeLines = new Map<string, string>()
  for (const f of smallest?.summary.functions ?? []) {
    const line = f.hotLines.find((l) => l.text.length >= 12)
    if (f.area !== '@groupsync/store-postgres' || line === undefined || smallest === undefined)
      continue
    const text = line.text.length > 70 ? `${line.text.slice(0, 67)}…` : line.text
    if (storeLines.size < 3 && !storeLines.has(text)) {
      storeLines.set(text, `\`${text}\` (${formatMs(f.ms / smallest.syncs)} per sync)`)
    }
  }
  if (storeLines.size > 0) {
    out.push(
      `Cut the store's own JavaScript per sync, which per-row does not pay; its busiest lines at ${smallest?.changes ?? 1} change: ${[...storeLines.values()].join('; ')}. ` +
        `Copying or parsing the whole organisation's groups at every login costs the same at 1 change as at ${maxChanges.toLocaleString('en')}.`,
    )
  }
  if (result.plans.some((p) => p.plan.includes('Trigger for constraint'))) {
    out.push(
      'Check the inserted group ids once in the write (join the `unnest` of ids with `org_groups`) rather than by a ' +
        'foreign-key trigger per row, if the schema can keep its cascade another way; or accept this cost as the price of the constraint.',
    )
  }
  out.push(
    `Per-row's statements are cheapest on loopback; across a network each of them waits longer (measured through the proxy above). ` +
      `On this machine, ${MIN_SPEEDUP}× on loopback needs a store sync under ${formatMs(top.perRow.median / MIN_SPEEDUP)}.`,
  )
  return out
}

function findingsMarkdown(
  result: BackendResult,
  maxChanges: number,
  throughProxy: readonly BackendResult[],
): string {
  const total = result.breakdown.reduce((s, x) => s + x.ms, 0)
  const table = markdownTable(
    ['statement', 'time', 'share'],
    result.breakdown.map((x) => [
      `\`${statementLabel(x.text)}\``,
      formatMs(x.ms),
      `${((x.ms / total) * 100).toFixed(0)} %`,
    ]),
    ['l', 'r', 'r'],
  )
  const p = result.perRowBreakdown
  const plans = result.plans
    .map(
      (x) =>
        `<details><summary>EXPLAIN (ANALYZE, BUFFERS) of <code>${x.label.replace(/[<>&]/g, ' ')}</code> (${result.backend.label})</summary>\n\n\`\`\`\n${shortenPlan(x.plan)}\n\`\`\`\n\n</details>`,
    )
    .join('\n\n')
  const cpu = result.profiles
    .map(
      (x) =>
        `**CPU profile of the benchmark process during ${x.syncs} store syncs of ${x.changes.toLocaleString('en')} change${x.changes === 1 ? '' : 's'} (${result.backend.label})**: self time by area and the busiest functions (V8's sampling profiler, as \`node --cpu-prof\`; ${result.backend.label === 'PGlite' ? 'PGlite runs in this process, so its SQL work shows here too' : '"idle" is the time spent waiting for the server'}).\n\n${profileMarkdown(x.summary)}`,
    )
    .join('\n\n')
  const facts = findings(result, maxChanges, throughProxy)
  const fix = fixes(result, maxChanges)
  return `### Where the time goes (${result.backend.label})

${facts.map((f) => `- ${f}`).join('\n')}
${fix.length === 0 ? '' : `\n**What would close the gap** to ${MIN_SPEEDUP}× (raised with the lead as an issue for \`@groupsync/store-postgres\`):\n\n${fix.map((f) => `- ${f}`).join('\n')}\n`}
**One store sync of ${maxChanges.toLocaleString('en')} changes (${result.backend.label})**, statement by statement, as the client waited for each (one sync, not a median; the time between statements is the JavaScript side: parsing the snapshot, the diff, building the write):

${table}

One per-row sync of ${maxChanges.toLocaleString('en')} changes sent ${p.count.toLocaleString('en')} statements that took ${formatMs(p.sumMs)} in all, ${formatMs(p.medianMs)} each (median): its time is the number of statements times the cost of one.

${plans}

${cpu}`
}

/** The label of the server reached through a proxy that adds `ms` per round trip. */
const proxiedLabel = (ms: number): string => `server +${ms} ms`

async function openBackends(
  sizes: readonly number[],
  quick: boolean,
  log: (line: string) => void,
): Promise<{ backends: Backend[]; serverNote: string }> {
  const backends: Backend[] = []
  const probe = await probePostgresServer()
  let serverNote: string
  if (probe.reachable) {
    const server = openServerPool(2)
    const version = shortVersion(probe.version)
    backends.push({
      label: 'server',
      version,
      client: server.client,
      roundTrips: server.roundTrips,
      close: server.end,
      addedLatencyMs: 0,
      setupClient: server.client,
      sizes,
      detail: true,
    })
    for (const latencyMs of ADDED_LATENCIES_MS) {
      // In a child process: its sub-millisecond waits neither block nor wait for this event loop.
      const proxy = await startProxyProcess({ target: serverAddress(), latencyMs })
      const proxied = openServerPool(2, proxy.port)
      backends.push({
        label: proxiedLabel(latencyMs),
        version,
        client: proxied.client,
        roundTrips: proxied.roundTrips,
        close: async () => {
          await proxied.end()
          await proxy.close()
        },
        addedLatencyMs: latencyMs,
        setupClient: server.client,
        sizes: quick ? QUICK_LATENCY_SIZES : LATENCY_SIZES,
        detail: false,
      })
    }
    serverNote = `PostgreSQL server at \`${probe.url}\`: ${probe.version}`
  } else {
    serverNote = `**The PostgreSQL server at \`${probe.url}\` was unreachable (${probe.reason}): PGlite only.**`
    log(`store-sync: server unreachable (${probe.reason}); PGlite only`)
  }
  const embedded = await openPGlite()
  backends.push({
    label: 'PGlite',
    version: shortVersion(embedded.version),
    client: embedded.client,
    roundTrips: undefined,
    close: embedded.close,
    addedLatencyMs: 0,
    setupClient: embedded.client,
    sizes,
    detail: true,
  })
  return { backends, serverNote }
}

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const sizes = quick ? QUICK_SIZES : FULL_SIZES
  const maxChanges = Math.max(...sizes)
  const machine = describeMachine()
  const { backends, serverNote } = await openBackends(sizes, quick, log)
  const results: BackendResult[] = []
  try {
    for (const backend of backends) {
      results.push(await measureBackend(backend, maxChanges, quick, log))
    }
  } finally {
    // The proxied pools first: the direct server pool is their setup client.
    for (const b of [...backends].reverse()) await b.close()
  }
  const throughProxy = results.filter((r) => r.backend.addedLatencyMs > 0)

  const direct = results.find((r) => r.backend.label === 'server')
  const goals = results.flatMap((r) => goalsOf(r, maxChanges, direct))
  if (!results.some((r) => r.backend.label === 'server')) {
    goals.unshift(
      ...['server', ...ADDED_LATENCIES_MS.map(proxiedLabel)].map((label) => ({
        goal: `${label}: ≥ ${MIN_SPEEDUP}× faster than per-row at ${maxChanges.toLocaleString('en')} changes`,
        met: false,
        measured: 'not measured',
        reason: 'the PostgreSQL server was unreachable',
      })),
    )
  }
  const pglite = results.find((r) => r.backend.label === 'PGlite')

  const plot = logLogPlot({
    title: 'One login sync: time against the number of membership changes',
    xLabel: 'memberships changed by the sync',
    yLabel: 'time per sync (median)',
    // Ticks fall on powers of ten: `10 ms`, not `10.0 ms`.
    formatY: (ms) => formatMs(ms).replace(/\.0+ /, ' '),
    series: results.flatMap((r) => {
      const name = `${r.backend.label} (${r.backend.version})`
      const color =
        r.backend.label === 'PGlite'
          ? '#2ca02c'
          : r.backend.addedLatencyMs === 0
            ? '#1f77b4'
            : r.backend.addedLatencyMs < 1
              ? '#ff7f0e'
              : '#d62728'
      return [
        {
          name: `store, ${name}`,
          color,
          points: r.rows.map((x) => ({ x: x.changes, y: x.store.median })),
        },
        {
          name: `per-row, ${name}`,
          color,
          dashed: true,
          points: r.rows.map((x) => ({ x: x.changes, y: x.perRow.median })),
        },
      ]
    }),
  })
  const assets: SuiteAsset[] = [{ path: PLOT_PATH, content: plot }]

  const tables = results
    .map(
      (r) =>
        `### ${
          r.backend.label === 'PGlite'
            ? 'PGlite (embedded, in memory)'
            : r.backend.addedLatencyMs === 0
              ? 'PostgreSQL server'
              : `PostgreSQL server through a proxy adding ${r.backend.addedLatencyMs} ms per round trip`
        } — ${r.backend.version}\n\n${
          r.backend.detail
            ? ''
            : 'The same statements and round trips as the direct run above; only the waiting differs.\n\n'
        }${backendTable(r)}`,
    )
    .join('\n\n')
  const goalTable = markdownTable(
    [
      `goal (issue 6 part 2; through the proxy, issue 16${quick ? '; full size only' : ''})`,
      'measured (medians)',
      'met',
    ],
    goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : `**no**: ${g.reason ?? ''}`]),
  )
  const rounds = quick ? 2 : 3

  const markdown = `## A sync through the Postgres store

${quick ? '**Quick run (`pnpm bench --quick`): small sizes, rough numbers; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`store-sync\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}
- ${serverNote}
- PGlite: ${pglite?.backend.version ?? 'not run'} (WebAssembly, in the benchmark's own process)

**What is timed**: one complete login sync of one user — BEGIN, lock, read, diff, writes, COMMIT — against an
organisation of ${(maxChanges + STABLE_GROUPS).toLocaleString('en')} groups, in a fresh schema created for the run and dropped after it. Each user
alternates between two claims that differ by exactly *n* memberships (half of them added, half removed) and share
${STABLE_GROUPS} unchanged groups, so every timed call changes *n* memberships; the run checks that it did.

- **store**: \`LoginSyncStore.withLoginSync\` of \`@groupsync/store-postgres\`, given the claim, with the diff of
  \`computeMembershipDiff\`: BEGIN, the advisory locks, one read (settings, the slice of the org's groups that the
  claim names or the user holds, memberships, last sync), one data-modifying CTE that deletes with \`= ANY($3)\`
  and inserts from \`unnest(…)\`, COMMIT. The slice is the *n* changed groups and the ${STABLE_GROUPS} stable ones: the whole
  org at the largest size, far fewer rows than the org at the small sizes, where per-row reads every group.
- **per-row**: the same transaction as many implementations write it (\`perRowSync\` in
  \`packages/bench/src/suites/store-sync/per-row-sync.ts\`): the same lock, a read of all the org's groups and of
  the user's memberships, the same diff, then one \`DELETE\` or \`INSERT … ON CONFLICT DO NOTHING\` per changed
  membership and an upsert of the last-sync time, through the same \`SqlClient\` on the same schema.
- Neither writes audit events (the login sync of part 3 does): both do the same writes.
- **through a proxy** (server only): the same two, with a TCP proxy on loopback between the client and the
  server (\`@groupsync/fault-proxy\`, in a child process) that holds every server-to-client chunk for
  ${ADDED_LATENCIES_MS.join(' ms or ')} ms, so that each round trip waits that much longer, as on a network within a zone or
  across zones. The hop itself adds about 0.1 ms per round trip on top (the table below compares the measured times
  with the direct ones plus the delay). Measured at ${(quick ? QUICK_LATENCY_SIZES : LATENCY_SIZES).map((n) => n.toLocaleString('en')).join(', ')} changes; the schema is set up and warmed
  through a direct connection.
- **statements**: counted at the \`SqlClient\` interface (every query, BEGIN and COMMIT), on one sync per size.
  **round trips** (server only): ReadyForQuery messages the server sent during that sync — one per exchange
  the client waited for; PGlite runs in-process and has no network round trips.
- Method: \`measureSideBySide\`, ${rounds} rounds that each run every task in turn (samples pooled; at ${maxChanges.toLocaleString('en')} changes
  ${quick ? '' : '2 per-row and 4 store syncs per round, '}otherwise ≥ ${quick ? 5 : 10} syncs and ≥ ${quick ? 100 : 400} ms per round). Ratios compare medians.

${tables}

![Sync time against the number of changes, store and per-row, on the server and on PGlite](${PLOT_PATH})

*Log-log: solid lines the store, dashed the per-row baseline.*

${goalTable}

${results
  .filter((r) => r.backend.detail)
  .map((r) => findingsMarkdown(r, maxChanges, throughProxy))
  .join('\n\n')}
`
  return { markdown, goals: quick ? [] : goals, assets }
}

/** Issue 6 part 2: a sync through the Postgres store against one statement per changed row. */
export const storeSyncSuite: BenchSuite = {
  id: 'store-sync',
  title: 'a sync through the Postgres store (server and PGlite) vs one statement per changed row',
  run,
}
