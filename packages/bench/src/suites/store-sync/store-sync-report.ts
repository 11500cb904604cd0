import { profileMarkdown } from '../../cpu-profile.js'
import { formatMs, formatRatio, markdownTable } from '../../markdown.js'
import type { GoalResult } from '../../suite.js'
import { inFlightMs } from '../../postgres.js'
import { statementLabel, type Backend, type BackendResult } from './store-sync-measure.js'
import { STABLE_GROUPS } from './sync-fixture.js'

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
export const MIN_SPEEDUP = 20

const count = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en')

export function backendTable(result: BackendResult): string {
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
  const sqlMs = inFlightMs(result.breakdown)
  const slowest = [...result.breakdown].sort((a, b) => b.ms - a.ms)[0]
  return (
    `one store sync took ${formatMs(result.breakdownWallMs)}: ${formatMs(sqlMs)} in SQL ` +
    `(the slowest statement, \`${statementLabel(slowest?.text ?? '').slice(0, 24)}…\`, ${formatMs(slowest?.ms ?? NaN)}) ` +
    `and ${formatMs(Math.max(0, result.breakdownWallMs - sqlMs))} in JavaScript; the per-row statements cost only ` +
    `${formatMs(result.perRowBreakdown.medianMs)} each here, so ${MIN_SPEEDUP}× needs a store sync under ` +
    `${formatMs(perRowMs / MIN_SPEEDUP)}. Profiles below`
  )
}

export function goalsOf(
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
    // The read: a SELECT or the login's `WITH mine …`, not the lock statement beside it.
    .filter((x) => /^\s*(SELECT|WITH mine)\b/i.test(x.text) && !x.text.includes('pg_advisory'))
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

export function findingsMarkdown(
  result: BackendResult,
  maxChanges: number,
  throughProxy: readonly BackendResult[],
): string {
  const total = inFlightMs(result.breakdown)
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
**One store sync of ${maxChanges.toLocaleString('en')} changes (${result.backend.label})**, statement by statement, as the client waited for each (one sync, not a median; the time between statements is the JavaScript side: parsing the snapshot, the diff, building the write; statements issued together overlap, so the shares, of the time any statement was in flight, can add up to more than 100 %):

${table}

One per-row sync of ${maxChanges.toLocaleString('en')} changes sent ${p.count.toLocaleString('en')} statements that took ${formatMs(p.sumMs)} in all, ${formatMs(p.medianMs)} each (median): its time is the number of statements times the cost of one.

${plans}

${cpu}`
}
