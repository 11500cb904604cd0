import type { LoginSyncStore, MembershipStore } from '@groupsync/core'
import { createPostgresMembershipStore, type SqlClient } from '@groupsync/store-postgres'
import { syncOnLoginAsync } from '@groupsync/sync'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { quantile } from '../../measure.js'
import {
  openPGlite,
  openServerPool,
  pgliteVersion,
  probePostgresServer,
  shortVersion,
  withMigratedSchema,
} from '../../postgres.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'

// Issue: a login's cost must depend on the claim and the user's memberships, not on the size of
// the organisation (rule 11). This suite times whole logins at 100 to 100,000 org groups, and a
// login that changes nothing against the smallest transaction a login could be.

const CLAIM_GROUPS = 20
const USERS = 10
/** Goal: login p50 at the largest org ÷ at the smallest. */
const MAX_SCALE_RATIO = 1.5
/** Goal: a no-change login's p50 ÷ a minimal 4-statement transaction's p50, on the server. */
const MAX_MINIMAL_RATIO = 4

interface Sizes {
  readonly orgGroups: readonly number[]
  /** Timed logins per org size (each changes 4 memberships). */
  readonly logins: number
  /** Timed no-change logins and minimal transactions. */
  readonly baseline: number
}
const FULL: Sizes = { orgGroups: [100, 1_000, 10_000, 100_000], logins: 300, baseline: 300 }
const QUICK: Sizes = { orgGroups: [100, 1_000], logins: 20, baseline: 20 }

const groupName = (i: number): string => `team-${i}`

/**
 * `count` groups `team-1` … in one statement (setup only), each with its slice key: the names are
 * lower-case ASCII, so `lower()` gives what core's `sliceKey` gives.
 */
async function seedOrg(client: SqlClient, schema: string, orgId: string, count: number) {
  await client.query(
    `INSERT INTO "${schema}".org_groups (org_id, name, name_key)
     SELECT $1, 'team-' || i, 'team-' || i FROM generate_series(1, $2::int) AS i`,
    [orgId, count],
  )
}

/**
 * User `u`'s two claims in an org of `n` groups: 20 groups spread over the whole org, and the
 * same with two swapped for two others, so that alternating between them changes 4 memberships.
 */
function claimsOf(u: number, n: number): readonly [string[], string[]] {
  const step = Math.floor(n / (CLAIM_GROUPS + 2))
  const pick = (k: number) => groupName(((u * 7 + k * step) % n) + 1)
  const a = Array.from({ length: CLAIM_GROUPS }, (_, k) => pick(k))
  const b = [...a.slice(2), pick(CLAIM_GROUPS), pick(CLAIM_GROUPS + 1)]
  return [a, b]
}

const p50 = (ms: number[]): number =>
  quantile(
    [...ms].sort((x, y) => x - y),
    0.5,
  )

async function login(store: LoginSyncStore, orgId: string, userId: string, groups: string[]) {
  const began = performance.now()
  const cpu = process.cpuUsage()
  const result = await syncOnLoginAsync(
    { orgId, userId, claims: { sub: userId, groups } },
    { store },
  )
  const used = process.cpuUsage(cpu)
  const ms = performance.now() - began
  if (result.status !== 'synced') throw new Error(`login-scale: a login ended ${result.status}`)
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    changed: result.added.length + result.removed.length,
  }
}

/**
 * A transaction of BEGIN, an advisory lock, one statement, COMMIT on the store's pool, timed:
 * the minimal transaction (an indexed SELECT) or the same writing one row (an upsert), which
 * makes COMMIT wait for the write-ahead log to reach the disk as a login's does.
 */
async function timedTransaction(
  client: SqlClient,
  lockKey: string,
  statement: { readonly text: string; readonly values: readonly unknown[] },
): Promise<number> {
  const began = performance.now()
  const tx = await client.begin()
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey])
  await tx.query(statement.text, statement.values)
  await tx.commit()
  return performance.now() - began
}

interface BackendResult {
  readonly label: string
  /** Login p50 per org size. */
  readonly p50ByOrg: ReadonlyMap<number, number>
  readonly noChangeP50: number
  /** The client's CPU time (this process, user and system) per no-change login, p50. */
  readonly noChangeCpuP50: number
  readonly minimalP50: number
  /** The minimal transaction with its SELECT replaced by a one-row upsert. */
  readonly minimalWriteP50: number
  /** No-change logins with batches and without, alternating, after the rest (server only). */
  readonly batchedP50?: number
  readonly unbatchedP50?: number
}

async function measureBackend(
  label: string,
  client: SqlClient,
  store: (schema: string) => Promise<MembershipStore>,
  sizes: Sizes,
  log: (line: string) => void,
  unbatchedStore?: (schema: string) => Promise<MembershipStore>,
): Promise<BackendResult> {
  return withMigratedSchema(client, async (schema) => {
    const s = await store(schema)
    const unbatched = unbatchedStore === undefined ? undefined : await unbatchedStore(schema)
    try {
      const p50ByOrg = new Map<number, number>()
      /** Each user's claim at their last login, in the org measured last (the largest). */
      let lastClaims: readonly string[][] = []
      for (const n of sizes.orgGroups) {
        const orgId = `scale-${n}`
        log(`login-scale (${label}): an org of ${n} groups`)
        await seedOrg(client, schema, orgId, n)
        await s.updateOrgSettings(orgId, () => ({
          settings: { manageGroupMemberships: true, matchMode: 'exact' },
          audit: [],
        }))
        const claims = Array.from({ length: USERS }, (_, u) => claimsOf(u, n))
        // Warm-up: each user's first login adds the 20 groups of its first claim.
        for (let u = 0; u < USERS; u++) await login(s, orgId, `user-${u}`, claims[u]?.[0] ?? [])
        const times: number[] = []
        const last = Array.from({ length: USERS }, () => 0)
        for (let i = 0; i < sizes.logins; i++) {
          const u = i % USERS
          last[u] = 1 - (last[u] ?? 0)
          const { ms, changed } = await login(
            s,
            orgId,
            `user-${u}`,
            claims[u]?.[last[u] ?? 0] ?? [],
          )
          if (changed !== 4) throw new Error(`login-scale: a login changed ${changed}, not 4`)
          times.push(ms)
        }
        p50ByOrg.set(n, p50(times))
        lastClaims = claims.map((c, u) => c[last[u] ?? 0] ?? [])
      }
      // At the largest org: logins that change nothing (each user's last claim again), each
      // followed by a minimal transaction and by one that writes a row, so that all three see
      // the same load on a shared machine.
      const orgId = `scale-${sizes.orgGroups.at(-1) ?? 0}`
      await client.query(
        `CREATE TABLE "${schema}".bench_minimal_write (k text PRIMARY KEY, at timestamptz NOT NULL)`,
      )
      log(`login-scale (${label}): ${sizes.baseline} no-change logins and minimal transactions`)
      const noChange: number[] = []
      const noChangeCpu: number[] = []
      const minimal: number[] = []
      const minimalWrite: number[] = []
      for (let i = 0; i < sizes.baseline; i++) {
        const u = i % USERS
        const { ms, cpuMs, changed } = await login(s, orgId, `user-${u}`, lastClaims[u] ?? [])
        if (changed !== 0) throw new Error(`login-scale: a no-change login changed ${changed}`)
        noChange.push(ms)
        noChangeCpu.push(cpuMs)
        minimal.push(
          await timedTransaction(client, `min-${u}`, {
            text: `SELECT 1 FROM "${schema}".org_settings WHERE org_id = $1`,
            values: [orgId],
          }),
        )
        minimalWrite.push(
          await timedTransaction(client, `min-${u}`, {
            text: `INSERT INTO "${schema}".bench_minimal_write (k, at) VALUES ($1, now())
                   ON CONFLICT (k) DO UPDATE SET at = excluded.at`,
            values: [`user-${u}`],
          }),
        )
      }
      // Then, apart (so that the goal's measurement above stays as it was), the same no-change
      // logins on the store without batches, each after one on the store with them.
      const batchedTimes: number[] = []
      const unbatchedTimes: number[] = []
      for (let i = 0; unbatched !== undefined && i < sizes.baseline; i++) {
        const u = i % USERS
        for (const [times, on] of [
          [batchedTimes, s],
          [unbatchedTimes, unbatched],
        ] as const) {
          const again = await login(on, orgId, `user-${u}`, lastClaims[u] ?? [])
          if (again.changed !== 0) throw new Error(`login-scale: a no-change login changed`)
          times.push(again.ms)
        }
      }
      return {
        label,
        p50ByOrg,
        noChangeP50: p50(noChange),
        noChangeCpuP50: p50(noChangeCpu),
        minimalP50: p50(minimal),
        minimalWriteP50: p50(minimalWrite),
        ...(unbatched !== undefined && {
          batchedP50: p50(batchedTimes),
          unbatchedP50: p50(unbatchedTimes),
        }),
      }
    } finally {
      await s.close()
      await unbatched?.close()
    }
  })
}

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const sizes = quick ? QUICK : FULL
  const smallest = sizes.orgGroups[0] ?? 100
  const largest = sizes.orgGroups.at(-1) ?? smallest
  const results: BackendResult[] = []
  const probe = await probePostgresServer()
  if (probe.reachable) {
    const server = openServerPool(4)
    // Straight to the server, no proxy: each connection plans the store's statements once.
    const serverStore = (batchStatements: boolean) => (schema: string) =>
      createPostgresMembershipStore({
        pool: server.pool,
        schema,
        migrate: false,
        preparedStatements: true,
        batchStatements,
      })
    try {
      results.push(
        await measureBackend(
          'server',
          server.client,
          serverStore(true),
          sizes,
          log,
          // The same store with each statement its own round trip, for comparison.
          serverStore(false),
        ),
      )
    } finally {
      await server.end()
    }
  }
  const embedded = await openPGlite()
  try {
    results.push(
      await measureBackend(
        'PGlite',
        embedded.client,
        (schema) =>
          createPostgresMembershipStore({ client: embedded.client, schema, migrate: false }),
        sizes,
        log,
      ),
    )
  } finally {
    await embedded.close()
  }

  const goals: GoalResult[] = []
  for (const r of results) {
    const ratio = (r.p50ByOrg.get(largest) ?? Number.NaN) / (r.p50ByOrg.get(smallest) ?? Number.NaN)
    goals.push({
      goal: `${r.label}: login p50 at ${largest.toLocaleString('en')} org groups ÷ at ${smallest}: ≤ ${MAX_SCALE_RATIO}`,
      met: ratio <= MAX_SCALE_RATIO,
      measured: ratio.toFixed(2),
      ...(ratio > MAX_SCALE_RATIO && {
        reason: `a login at ${largest} groups took ${ratio.toFixed(2)}× as long`,
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
      ...(ratio > MAX_MINIMAL_RATIO && {
        reason: `the no-change login took ${ratio.toFixed(1)}× the minimal transaction`,
      }),
    })
  }

  const markdown = `## A login's cost and the size of the organisation

${quick ? '**Quick run (`pnpm bench --quick`): small orgs and few samples; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`login-scale\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}
- PostgreSQL server: ${probe.reachable ? `${shortVersion(probe.version)}, through a node-postgres pool of 4 connections; the store with \`preparedStatements: true\` (each connection parses and plans the store's statements once), the minimal transaction's statements unprepared` : `unreachable (${probe.reason}); not measured`}
- PGlite: ${pgliteVersion()}, in the benchmark's process

**What is timed**: \`syncOnLoginAsync\` of \`@groupsync/sync\` (the whole login: settings read, claim checks, the store's
unit of work over the slice of rule 11, the writes and COMMIT) with a ${CLAIM_GROUPS}-group claim, for ${USERS} users of an org of
${sizes.orgGroups.map((n) => n.toLocaleString('en')).join(', ')} groups with mapping on, each user a member of ${CLAIM_GROUPS} groups spread over
the org; each login swaps 2 groups for 2 others (4 changes), ${sizes.logins} logins per size. **No-change login**: the same claim
again at ${largest.toLocaleString('en')} groups (it still records the last-sync time, S7). **Minimal transaction**: BEGIN, an advisory
lock, one indexed SELECT, COMMIT, on the same pool: the least any locked read-then-write login can cost.
On the server the store sends BEGIN, the locks and the read in one round trip (\`batchStatements\`, the default): a
no-change login is 4 round trips (the settings read of S1, that batch, the last-sync write, COMMIT), as many as the
minimal transaction. For comparison, after everything else, the same no-change logins alternate between that
store and one with \`batchStatements: false\` (6 round trips).
Each no-change login is followed by one minimal transaction and by one that writes a row instead of
its SELECT (a one-row upsert, whose COMMIT waits for the write-ahead log to reach the disk, as a
login's does), so the three see the same load. **The client's CPU** is this process's CPU time
(user and system, \`process.cpuUsage\`) during a no-change login: the JavaScript and the socket
writes, not the time spent waiting for the server.

${markdownTable(
  ['org groups', ...results.map((r) => `login p50, ${r.label}`)],
  sizes.orgGroups.map((n) => [
    n.toLocaleString('en'),
    ...results.map((r) => formatMs(r.p50ByOrg.get(n) ?? Number.NaN)),
  ]),
  ['r', ...results.map(() => 'r' as const)],
)}

${markdownTable(
  ['', ...results.map((r) => r.label)],
  [
    ['no-change login p50', ...results.map((r) => formatMs(r.noChangeP50))],
    [
      'no-change login p50, alternating: with batches (the default)',
      ...results.map((r) => (r.batchedP50 === undefined ? '—' : formatMs(r.batchedP50))),
    ],
    [
      '… and without (`batchStatements: false`)',
      ...results.map((r) => (r.unbatchedP50 === undefined ? '—' : formatMs(r.unbatchedP50))),
    ],
    ["of which the client's CPU (p50)", ...results.map((r) => formatMs(r.noChangeCpuP50))],
    ['minimal transaction p50', ...results.map((r) => formatMs(r.minimalP50))],
    ['ratio', ...results.map((r) => (r.noChangeP50 / r.minimalP50).toFixed(2))],
    ['minimal transaction writing one row p50', ...results.map((r) => formatMs(r.minimalWriteP50))],
    ['ratio to it', ...results.map((r) => (r.noChangeP50 / r.minimalWriteP50).toFixed(2))],
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

/** Login p50 at 100 … 100,000 org groups, and a no-change login against a minimal transaction. */
export const loginScaleSuite: BenchSuite = {
  id: 'login-scale',
  title:
    'Login p50 at 100 to 100,000 org groups (server and PGlite), and against a minimal transaction',
  run,
}
