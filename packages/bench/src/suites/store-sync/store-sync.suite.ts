import { startProxyProcess } from '@groupsync/fault-proxy'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import {
  openPGlite,
  openServerPool,
  probePostgresServer,
  serverAddress,
  shortVersion,
} from '../../postgres.js'
import type { BenchSuite, SuiteAsset, SuiteContext, SuiteReport } from '../../suite.js'
import { logLogPlot } from '../../svg-plot.js'
import { measureBackend, type Backend, type BackendResult } from './store-sync-measure.js'
import { MIN_SPEEDUP, backendTable, findingsMarkdown, goalsOf } from './store-sync-report.js'
import { STABLE_GROUPS } from './sync-fixture.js'

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
const PLOT_PATH = 'benchmarks/store-sync.svg'

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
      const proxied = openServerPool(2, { viaPort: proxy.port })
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
