import type { MembershipStore } from '@groupsync/core'
import type { SqlClient } from '@groupsync/store-postgres'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import {
  explainingClient,
  minimalTransaction,
  openPGlite,
  openServerPool,
  pgliteVersion,
  probePostgresServer,
  shortVersion,
  withSchemas,
} from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import {
  CLAIM_GROUPS,
  LAYOUTS,
  benchUuid,
  claimsOf,
  cpuOf,
  p50,
  prepareLayout,
  timedLogin,
  type Layout,
  type PreparedLayout,
  userId,
} from './login-fixture.js'

// A login's cost must depend on the claim and the user's memberships, not on the size of the
// organisation (rule 11), and an application's own tables must cost about what groupsync's do.
// This suite times whole logins at 100 to 100,000 org groups on both, side by side, and a login
// that changes nothing against the smallest transaction a login could be.

/** Goal: login p50 at the largest org ÷ at the smallest, for each layout. */
const MAX_SCALE_RATIO = 1.5
/** Goal: login p50 over the adopter's tables ÷ over groupsync's default tables, at each size. */
const MAX_ADOPTER_RATIO = 1.25
/** Goal: a no-change login's p50 ÷ a minimal 4-statement transaction's p50, on the server. */
const MAX_MINIMAL_RATIO = 4

interface Sizes {
  readonly orgGroups: readonly number[]
  /** Timed logins per org size and layout (each changes 4 memberships). */
  readonly logins: number
  /** Users of each org, each a member of {@link CLAIM_GROUPS} groups. */
  readonly users: number
  /**
   * Seconds after which a size stops early, once it has `minLogins` per layout: a size where a
   * login takes a hundred times as long still gets a p50, without taking the run's time.
   */
  readonly secondsPerSize: number
  readonly minLogins: number
  /** Timed no-change logins and minimal transactions. */
  readonly baseline: number
}
const FULL: Sizes = {
  orgGroups: [100, 1_000, 10_000, 100_000],
  users: 10,
  logins: 300,
  secondsPerSize: 20,
  minLogins: 20,
  baseline: 300,
}
const QUICK: Sizes = {
  orgGroups: [100, 1_000],
  users: 4,
  logins: 20,
  secondsPerSize: 1,
  minLogins: 4,
  baseline: 20,
}

/** A database the suite runs on, and how to reach it. */
interface Backend {
  readonly label: 'server' | 'PGlite'
  /** For setup: migrations, seeds. */
  readonly client: SqlClient
  readonly store: (layout: PreparedLayout) => Promise<MembershipStore>
  /** A minimal transaction: BEGIN, an advisory lock, `statement`, COMMIT, each awaited. */
  readonly minimal: (
    lockKey: string,
    statement: { readonly text: string; readonly values: readonly unknown[] },
  ) => Promise<void>
  /** The store on a pool without node-postgres' pipeline mode, for comparison (server only). */
  readonly unpipelinedStore?: (layout: PreparedLayout) => Promise<MembershipStore>
}

interface BackendResult {
  readonly label: string
  /** Login p50 per layout and org size. */
  readonly p50s: ReadonlyMap<Layout, ReadonlyMap<number, number>>
  /** Timed logins per org size (the same on both layouts). */
  readonly samples: ReadonlyMap<number, number>
  /** The login's read as the server ran it, per layout and org size (EXPLAIN ANALYZE). */
  readonly reads: ReadonlyMap<Layout, ReadonlyMap<number, ReadPlan>>
  readonly noChangeP50: number
  /** The client's CPU time (this process, user and system) per no-change login, p50. */
  readonly noChangeCpuP50: number
  readonly minimalP50: number
  readonly minimalCpuP50: number
  /** The minimal transaction with its SELECT replaced by a one-row upsert. */
  readonly minimalWriteP50: number
  /** No-change logins on a pipelined pool and on one without, alternating (server only). */
  readonly pipelinedP50?: number
  readonly unpipelinedP50?: number
}

/** What EXPLAIN ANALYZE said of a login's read. */
interface ReadPlan {
  readonly executionMs: number
  /** Tables the plan scanned whole (a sequential scan), if any. */
  readonly seqScans: readonly string[]
}

const readPlanOf = (plan: string): ReadPlan => ({
  executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN),
  seqScans: [...new Set([...plan.matchAll(/Seq Scan on (\S+)/g)].map((m) => m[1] ?? ''))],
})

/** Why a read was slow, when its plan says: for a goal's reason. */
const scanned = (read: ReadPlan | undefined): string =>
  read === undefined || read.seqScans.length === 0
    ? ''
    : `; there its read scanned ${read.seqScans.join(', ')} whole (${formatMs(read.executionMs)} under EXPLAIN ANALYZE)`

const p50At = (r: BackendResult, layout: Layout, n: number): number =>
  r.p50s.get(layout)?.get(n) ?? Number.NaN

async function measureBackend(
  backend: Backend,
  sizes: Sizes,
  log: (line: string) => void,
): Promise<BackendResult> {
  const { label, client } = backend
  return withSchemas(client, 3, async ([own = '', adopterOwn = '', app = '']) => {
    const layouts = [
      await prepareLayout(client, 'default tables', own, ''),
      await prepareLayout(client, 'adopter schema', adopterOwn, app),
    ]
    const stores: MembershipStore[] = []
    // The same stores once more, through a client that has the server EXPLAIN ANALYZE the read
    // (unprepared, one statement at a time): after each size, one login shows the read's plan.
    const explaining = explainingClient(client, (text) => text.startsWith('WITH mine'))
    const explainingStores: MembershipStore[] = []
    try {
      for (const l of layouts) {
        stores.push(await backend.store(l))
        explainingStores.push(await l.open({ client: explaining.client }))
      }
      const reads = new Map<Layout, Map<number, ReadPlan>>(LAYOUTS.map((l) => [l, new Map()]))
      const p50s = new Map<Layout, Map<number, number>>(LAYOUTS.map((l) => [l, new Map()]))
      const samples = new Map<number, number>()
      /** Each user's claim at their last login, in the org measured last (the largest). */
      let lastClaims: readonly string[][] = []
      for (const n of sizes.orgGroups) {
        const orgId = benchUuid(1, n)
        log(`login-scale (${label}): an org of ${n} groups, both layouts`)
        for (const [k, l] of layouts.entries()) {
          await l.seed(orgId, n)
          await stores[k]?.updateOrgSettings(orgId, () => ({
            settings: { manageGroupMemberships: true, matchMode: 'exact' },
            audit: [],
          }))
        }
        const claims = Array.from({ length: sizes.users }, (_, u) => claimsOf(u, n))
        // Warm-up: each user's first login adds the 20 groups of its first claim.
        for (const store of stores) {
          for (let u = 0; u < sizes.users; u++) {
            await timedLogin(store, orgId, userId(u), claims[u]?.[0] ?? [])
          }
        }
        const times = stores.map((): number[] => [])
        const last = Array.from({ length: sizes.users }, () => 0)
        const until = performance.now() + sizes.secondsPerSize * 1000
        for (let i = 0; i < sizes.logins; i++) {
          if (i >= sizes.minLogins && performance.now() > until) break
          const u = i % sizes.users
          last[u] = 1 - (last[u] ?? 0)
          // Both layouts log the same user in with the same claim, one right after the other,
          // in turns of which goes first, so that both see the same load.
          for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
            const store = stores[k]
            if (store === undefined) continue
            const { ms, changed } = await timedLogin(
              store,
              orgId,
              userId(u),
              claims[u]?.[last[u] ?? 0] ?? [],
            )
            if (changed !== 4) throw new Error(`login-scale: a login changed ${changed}, not 4`)
            times[k]?.push(ms)
          }
        }
        for (const [k, l] of layouts.entries()) p50s.get(l.layout)?.set(n, p50(times[k] ?? []))
        samples.set(n, times[0]?.length ?? 0)
        for (const [k, l] of layouts.entries()) {
          const store = explainingStores[k]
          if (store === undefined) continue
          await timedLogin(store, orgId, userId(0), claims[0]?.[last[0] ?? 0] ?? [])
          reads.get(l.layout)?.set(n, readPlanOf(explaining.plans().at(-1)?.plan ?? ''))
        }
        lastClaims = claims.map((c, u) => c[last[u] ?? 0] ?? [])
      }
      // At the largest org, on the default tables: logins that change nothing (each user's last
      // claim again), each followed by a minimal transaction and by one that writes a row, so
      // that all three see the same load on a shared machine.
      const store = stores[0]
      if (store === undefined) throw new Error('login-scale: no store')
      const orgId = benchUuid(1, sizes.orgGroups.at(-1) ?? 0)
      await client.query(
        `CREATE TABLE "${own}".bench_minimal_write (k text PRIMARY KEY, at timestamptz NOT NULL)`,
      )
      log(`login-scale (${label}): ${sizes.baseline} no-change logins and minimal transactions`)
      const noChange: number[] = []
      const noChangeCpu: number[] = []
      const minimal: number[] = []
      const minimalCpu: number[] = []
      const minimalWrite: number[] = []
      const timed = async (fn: () => Promise<unknown>): Promise<number> => {
        const began = performance.now()
        await fn()
        return performance.now() - began
      }
      for (let i = 0; i < sizes.baseline; i++) {
        const u = i % sizes.users
        const { ms, cpuMs, changed } = await timedLogin(
          store,
          orgId,
          userId(u),
          lastClaims[u] ?? [],
        )
        if (changed !== 0) throw new Error(`login-scale: a no-change login changed ${changed}`)
        noChange.push(ms)
        noChangeCpu.push(cpuMs)
        const began = performance.now()
        minimalCpu.push(
          await cpuOf(() =>
            backend.minimal(`min-${u}`, {
              text: `SELECT 1 FROM "${own}".org_settings WHERE org_id = $1`,
              values: [orgId],
            }),
          ),
        )
        minimal.push(performance.now() - began)
        minimalWrite.push(
          await timed(() =>
            backend.minimal(`min-${u}`, {
              text: `INSERT INTO "${own}".bench_minimal_write (k, at) VALUES ($1, now())
                     ON CONFLICT (k) DO UPDATE SET at = excluded.at`,
              values: [userId(u)],
            }),
          ),
        )
      }
      // Then, apart (so that the goal's measurement above stays as it was), the same no-change
      // logins on a pool without pipeline mode, each after one on the pipelined pool.
      const layout = layouts[0]
      const unpipelined =
        backend.unpipelinedStore === undefined || layout === undefined
          ? undefined
          : await backend.unpipelinedStore(layout)
      const pipelinedTimes: number[] = []
      const unpipelinedTimes: number[] = []
      try {
        for (let i = 0; unpipelined !== undefined && i < sizes.baseline; i++) {
          const u = i % sizes.users
          for (const [times, on] of [
            [pipelinedTimes, store],
            [unpipelinedTimes, unpipelined],
          ] as const) {
            const again = await timedLogin(on, orgId, userId(u), lastClaims[u] ?? [])
            if (again.changed !== 0) throw new Error(`login-scale: a no-change login changed`)
            times.push(again.ms)
          }
        }
      } finally {
        await unpipelined?.close()
      }
      return {
        label,
        p50s,
        samples,
        reads,
        noChangeP50: p50(noChange),
        noChangeCpuP50: p50(noChangeCpu),
        minimalP50: p50(minimal),
        minimalCpuP50: p50(minimalCpu),
        minimalWriteP50: p50(minimalWrite),
        ...(unpipelined !== undefined && {
          pipelinedP50: p50(pipelinedTimes),
          unpipelinedP50: p50(unpipelinedTimes),
        }),
      }
    } finally {
      for (const s of [...stores, ...explainingStores]) await s.close()
    }
  })
}

function goalsOf(results: readonly BackendResult[], sizes: Sizes): GoalResult[] {
  const smallest = sizes.orgGroups[0] ?? 100
  const largest = sizes.orgGroups.at(-1) ?? smallest
  const goals: GoalResult[] = []
  for (const r of results) {
    for (const layout of LAYOUTS) {
      const ratio = p50At(r, layout, largest) / p50At(r, layout, smallest)
      goals.push({
        goal: `${r.label}, ${layout}: login p50 at ${largest.toLocaleString('en')} org groups ÷ at ${smallest}: ≤ ${MAX_SCALE_RATIO}`,
        met: ratio <= MAX_SCALE_RATIO,
        measured: `${ratio.toFixed(2)} (${formatMs(p50At(r, layout, largest))} ÷ ${formatMs(p50At(r, layout, smallest))})`,
        ...(!(ratio <= MAX_SCALE_RATIO) && {
          reason: `a login at ${largest} groups took ${ratio.toFixed(2)}× as long`,
        }),
      })
      // The goal above cannot see a small org that is the slow one; this one can.
      const byTime = sizes.orgGroups
        .map((n) => [n, p50At(r, layout, n)] as const)
        .sort((a, b) => a[1] - b[1])
      const [fastest = [0, Number.NaN], slowest = fastest] = [byTime[0], byTime.at(-1)]
      const spread = slowest[1] / fastest[1]
      goals.push({
        goal: `${r.label}, ${layout}: login p50 at the slowest org size ÷ at the fastest: ≤ ${MAX_SCALE_RATIO} (flat both ways, rule 11)`,
        met: spread <= MAX_SCALE_RATIO,
        measured: `${spread.toFixed(2)} (${formatMs(slowest[1])} at ${slowest[0].toLocaleString('en')} ÷ ${formatMs(fastest[1])} at ${fastest[0].toLocaleString('en')})`,
        ...(!(spread <= MAX_SCALE_RATIO) && {
          reason: `a login in an org of ${slowest[0].toLocaleString('en')} groups took ${spread.toFixed(1)}× as long as in one of ${fastest[0].toLocaleString('en')}${scanned(r.reads.get(layout)?.get(slowest[0]))}`,
        }),
      })
    }
    const ratios = sizes.orgGroups.map(
      (n) => [n, p50At(r, 'adopter schema', n) / p50At(r, 'default tables', n)] as const,
    )
    const worst = ratios.reduce((a, b) => (b[1] > a[1] || Number.isNaN(b[1]) ? b : a))
    goals.push({
      goal: `${r.label}: login p50 over the adopter schema ÷ over the default tables, at each of ${sizes.orgGroups.map((n) => n.toLocaleString('en')).join(', ')} org groups: ≤ ${MAX_ADOPTER_RATIO}`,
      met: worst[1] <= MAX_ADOPTER_RATIO,
      measured: ratios.map(([, x]) => x.toFixed(2)).join(', '),
      ...(!(worst[1] <= MAX_ADOPTER_RATIO) && {
        reason: `at ${worst[0].toLocaleString('en')} groups a login over the adopter's tables took ${worst[1].toFixed(2)}× as long`,
      }),
    })
  }
  const server = results.find((r) => r.label === 'server')
  if (server !== undefined) {
    const ratio = server.noChangeP50 / server.minimalP50
    goals.push({
      goal: `server: a no-change login's p50 ÷ a minimal transaction's (BEGIN, advisory lock, SELECT, COMMIT) p50: ≤ ${MAX_MINIMAL_RATIO}`,
      met: ratio <= MAX_MINIMAL_RATIO,
      measured: `${ratio.toFixed(2)} (${formatMs(server.noChangeP50)} ÷ ${formatMs(server.minimalP50)})`,
      ...(!(ratio <= MAX_MINIMAL_RATIO) && {
        reason: `the no-change login took ${ratio.toFixed(1)}× the minimal transaction`,
      }),
    })
  }
  return goals
}

const POOL_SIZE = 4

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const sizes = quick ? QUICK : FULL
  const largest = sizes.orgGroups.at(-1) ?? 0
  const results: BackendResult[] = []
  const probe = await probePostgresServer()
  if (probe.reachable) {
    // Straight to the server, no proxy: each connection plans the store's statements once.
    const server = openServerPool(POOL_SIZE, { pipeline: true })
    const unpipelined = openServerPool(POOL_SIZE)
    try {
      results.push(
        await measureBackend(
          {
            label: 'server',
            client: server.client,
            store: (l) => l.open({ pool: server.pool, preparedStatements: true }),
            minimal: (key, statement) => minimalTransaction(server.pool, key, statement),
            unpipelinedStore: (l) => l.open({ pool: unpipelined.pool, preparedStatements: true }),
          },
          sizes,
          log,
        ),
      )
    } finally {
      await server.end()
      await unpipelined.end()
    }
  } else {
    log(`login-scale: server unreachable (${probe.reason}); PGlite only`)
  }
  const embedded = await openPGlite()
  try {
    results.push(
      await measureBackend(
        {
          label: 'PGlite',
          client: embedded.client,
          store: (l) => l.open({ client: embedded.client }),
          minimal: async (key, statement) => {
            const tx = await embedded.client.begin()
            await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key])
            await tx.query(statement.text, statement.values)
            await tx.commit()
          },
        },
        sizes,
        log,
      ),
    )
  } finally {
    await embedded.close()
  }

  const goals = goalsOf(results, sizes)
  if (!probe.reachable) {
    goals.unshift({
      goal: 'server: every login-scale goal',
      met: false,
      measured: 'not measured',
      reason: `the PostgreSQL server was unreachable (${probe.reason})`,
    })
  }
  const columns = results.flatMap((r) => LAYOUTS.map((l) => [r, l] as const))

  const markdown = `## A login's cost, the size of the organisation and the application's own tables

${quick ? '**Quick run (`pnpm bench --quick`): small orgs and few samples; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`login-scale\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}
- PostgreSQL server: ${probe.reachable ? `${shortVersion(probe.version)}, through a node-postgres pool of ${POOL_SIZE} connections in pipeline mode (\`new pg.Pool({ pipeline: true })\`); the store with \`preparedStatements: true\` (each connection parses and plans the store's statements once), the minimal transaction's statements unprepared` : `unreachable (${probe.reason}); not measured`}
- PGlite: ${pgliteVersion()}, in the benchmark's process

**What is timed**: \`syncOnLoginAsync\` of \`@groupsync/sync\` (the whole login: settings read, claim checks, the store's
unit of work over the slice of rule 11, the writes and COMMIT) with a ${CLAIM_GROUPS}-group claim, for ${sizes.users} users of an org of
${sizes.orgGroups.map((n) => n.toLocaleString('en')).join(', ')} groups with mapping on, each user a member of ${CLAIM_GROUPS} groups spread over
the org; each login swaps 2 groups for 2 others (4 changes), ${sizes.logins} logins per size and layout (fewer where a size
took over ${sizes.secondsPerSize} s, at least ${sizes.minLogins}: the table says how many). Two layouts in the same
run, each login of a user on one followed by the same login on the other (which goes first alternates):
- **default tables**: groupsync's own \`org_groups\` and \`memberships\` (text ids);
- **adopter schema**: an application's own tables, as a service that had teams before groupsync has them —
  \`teams(id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL, display_name text NOT NULL,
  UNIQUE (org_id, display_name))\` and \`team_members(team_id uuid NOT NULL REFERENCES teams(id), user_id uuid NOT NULL,
  added_by text, PRIMARY KEY (team_id, user_id))\` — given to the store as \`tables\` (source
  \`{ column: 'added_by', sync: 'groupsync', manual: 'admin' }\`), migrated with \`applicationIndexes: true\` (the fold
  index on the names and an index on the members' user column); groupsync's own tables in a schema of their own.

Both are seeded with just \`(org, name)\` (the store finds a login's groups through the database's fold of the name)
and analysed after each seed, as autovacuum soon does to a table that grew by 50 rows and 10 % (the smallest org is
seeded first, into tables of 100 rows: a small deployment's state); org and user ids are uuids on both.

**No-change login**: the same claim again at ${largest.toLocaleString('en')} groups on the default tables (it still records the
last-sync time, S7). **Minimal transaction**: BEGIN, an advisory lock, one indexed SELECT, COMMIT, on the same pool, each
statement sent after the answer to the one before (4 round trips): the least a locked read-then-write can cost. On the
pipelined pool the store sends BEGIN, the locks and the read together, then the write and COMMIT together: a no-change
login is 3 round trips (the settings read of S1 and those two). Each no-change login is followed by one minimal
transaction and by one that writes a row instead of its SELECT (a one-row upsert, whose COMMIT waits for the write-ahead
log to reach the disk, as a login's does), so the three see the same load. **The client's CPU** is this process's CPU
time (user and system, \`process.cpuUsage\`) during one call: the JavaScript and the socket writes, not the waiting (on
PGlite it includes the database, which runs in this process). For comparison, after everything else, the same no-change
logins alternate between that store and the same store on a pool without pipeline mode (one statement at a time: 6 round
trips).

${markdownTable(
  [
    'org groups',
    ...results.map((r) => `logins per layout, ${r.label}`),
    ...columns.map(([r, l]) => `login p50, ${r.label}, ${l}`),
    ...results.map((r) => `adopter ÷ default, ${r.label}`),
  ],
  sizes.orgGroups.map((n) => [
    n.toLocaleString('en'),
    ...results.map((r) => String(r.samples.get(n) ?? 0)),
    ...columns.map(([r, l]) => formatMs(p50At(r, l, n))),
    ...results.map((r) =>
      (p50At(r, 'adopter schema', n) / p50At(r, 'default tables', n)).toFixed(2),
    ),
  ]),
  ['r', ...[...results, ...columns, ...results].map(() => 'r' as const)],
)}

**The read at each size**: after each size's logins, one more login of a user whose claim is unchanged, through a client
that has the server \`EXPLAIN ANALYZE\` the read (unprepared): its execution time, and the tables it scanned whole
instead of through an index.

${markdownTable(
  ['org groups', ...columns.map(([r, l]) => `read, ${r.label}, ${l}`)],
  sizes.orgGroups.map((n) => [
    n.toLocaleString('en'),
    ...columns.map(([r, l]) => {
      const read = r.reads.get(l)?.get(n)
      if (read === undefined) return '—'
      const scans = read.seqScans.map((t) => `\`${t}\``).join(', ')
      return `${formatMs(read.executionMs)}${scans === '' ? ', index scans' : `, **seq scan of ${scans}**`}`
    }),
  ]),
  ['r', ...columns.map(() => 'r' as const)],
)}

${markdownTable(
  ['', ...results.map((r) => r.label)],
  [
    ['no-change login p50', ...results.map((r) => formatMs(r.noChangeP50))],
    ["of which the client's CPU (p50)", ...results.map((r) => formatMs(r.noChangeCpuP50))],
    ['minimal transaction p50', ...results.map((r) => formatMs(r.minimalP50))],
    ["of which the client's CPU (p50)", ...results.map((r) => formatMs(r.minimalCpuP50))],
    ['ratio', ...results.map((r) => (r.noChangeP50 / r.minimalP50).toFixed(2))],
    ['minimal transaction writing one row p50', ...results.map((r) => formatMs(r.minimalWriteP50))],
    ['ratio to it', ...results.map((r) => (r.noChangeP50 / r.minimalWriteP50).toFixed(2))],
    [
      'no-change login p50, alternating: pipelined pool',
      ...results.map((r) => (r.pipelinedP50 === undefined ? '—' : formatMs(r.pipelinedP50))),
    ],
    [
      '… and a pool without pipeline mode',
      ...results.map((r) => (r.unpipelinedP50 === undefined ? '—' : formatMs(r.unpipelinedP50))),
    ],
  ],
  ['l', ...results.map(() => 'r' as const)],
)}

${markdownTable(
  ['goal', 'measured', 'met'],
  goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : `**no**: ${g.reason ?? ''}`]),
)}
`
  return { markdown, goals: quick ? [] : goals }
}

/** Login p50 at 100 … 100,000 org groups on both layouts, and against a minimal transaction. */
export const loginScaleSuite: BenchSuite = {
  id: 'login-scale',
  title:
    "Login p50 at 100 to 100,000 org groups on groupsync's tables and an adopter's (server and PGlite), and against a minimal transaction",
  run,
}
