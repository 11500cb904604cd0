import { computeMembershipDiff } from '@groupsync/core'
// The org-group index is no export of core: a benchmark of its own, read from core's build.
import { indexOrgGroups, type OrgGroupIndex } from '../../../../core/dist/org-group-index.js'
import { profileCpu, profileMarkdown, summariseProfile } from '../../cpu-profile.js'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, formatRatio, markdownTable } from '../../markdown.js'
import type { Measurement } from '../../measure.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import { generateDiffInput, type DiffInput } from './data.js'
import { NAIVE_MAX, measureSize, sizeLabel, type SizeResult } from './membership-diff-measure.js'

/** Org groups per size; the claim and the current memberships are a tenth of it (issue 6 part 1). */
const FULL_SIZES = [10, 1_000, 100_000, 1_000_000] as const
const QUICK_SIZES = [10, 1_000, 10_000] as const
/** The size of the issue-2 benchmark (100k × 10k × 10k); a quick run uses its largest size. */
const FULL_GOAL_SIZE = 100_000

/** Goals of issues 2 and 6 for the diff. */
const MIN_SPEEDUP_VS_NAIVE = 100
const MAX_RATIO_VS_SET_LOOP = 1.5
const MAX_HEAP_VS_INPUT = 2

// Below a KiB, and below zero, is the noise of a heap that moves a little between collections.
const mib = (bytes: number): string =>
  bytes >= 2 ** 20
    ? `${(bytes / 2 ** 20).toFixed(1)} MiB`
    : bytes >= 2 ** 10
      ? `${(bytes / 2 ** 10).toFixed(0)} KiB`
      : '< 1 KiB'

const rme = (m: Measurement): string => (Number.isNaN(m.rme) ? '–' : `${m.rme.toFixed(1)} %`)

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const orgSizes = quick ? QUICK_SIZES : FULL_SIZES
  const goalSize = quick ? Math.max(...QUICK_SIZES) : FULL_GOAL_SIZE
  const heapGoalSize = Math.max(...orgSizes)
  const results: SizeResult[] = []
  for (const n of orgSizes) results.push(await measureSize(n, quick, log))
  const at = (n: number): SizeResult => {
    const r = results.find((x) => x.sizes.orgGroups === n)
    if (r === undefined) throw new Error(`membership-diff: no result at ${n} org groups`)
    return r
  }
  const goalPoint = at(goalSize)
  const heapPoint = at(heapGoalSize)

  // Where the library's time goes at the goal size, line by line, given the array and the index.
  const goalInput = generateDiffInput(goalPoint.sizes)
  const goalIndex = indexOrgGroups(goalInput.orgGroups)
  const profileOf = async (groups: OrgGroupIndex | DiffInput['orgGroups'], what: string) => {
    log(
      `membership-diff: CPU profile of computeMembershipDiff ${what} at ${sizeLabel(goalPoint.sizes)}`,
    )
    return summariseProfile(
      await profileCpu(() => {
        const until = performance.now() + (quick ? 300 : 3_000)
        while (performance.now() < until) {
          computeMembershipDiff(goalInput.claimGroups, groups, goalInput.current)
        }
        return Promise.resolve()
      }, 100),
      8,
    )
  }
  const profile = await profileOf(goalInput.orgGroups, 'given the array')
  const indexProfile = await profileOf(goalIndex, 'given an index')

  const { ours, indexed, build, setLoop, setLoopIds, naive } = goalPoint
  const speedup = naive === undefined ? NaN : naive.median / ours.median
  const ratio = ours.median / setLoop.median
  const indexRatio = indexed.median / setLoop.median
  const ratioWithIds = ours.median / setLoopIds.median
  const heapRatio = heapPoint.heap.byImplementation.groupsync.peak / heapPoint.heap.inputBytes
  const setLoopIdsRatio = setLoopIds.median / setLoop.median
  const indexHotLines =
    indexProfile.functions
      .find((f) => f.name === 'diffWithLookup')
      ?.hotLines.slice(0, 2)
      .map((l) => `\`${l.text}\` (${(l.share * 100).toFixed(0)} %)`)
      .join(' and ') ?? 'in the profile below'
  const goals: GoalResult[] = [
    {
      goal: `≥ ${MIN_SPEEDUP_VS_NAIVE}× faster than (a) naive at ${sizeLabel(goalPoint.sizes)}`,
      met: speedup >= MIN_SPEEDUP_VS_NAIVE,
      measured: `${speedup.toFixed(0)}× faster`,
      ...(speedup >= MIN_SPEEDUP_VS_NAIVE
        ? {}
        : {
            reason: `(a)'s cost grows with org groups × claim entries, ours linearly; at this size (a) takes only ${naive === undefined ? 'an unmeasured time' : formatMs(naive.median)}`,
          }),
    },
    {
      goal: `given an org index, ≤ ${MAX_RATIO_VS_SET_LOOP}× the time of (b) the minimal Set loop at ${sizeLabel(goalPoint.sizes)}`,
      met: indexRatio <= MAX_RATIO_VS_SET_LOOP,
      measured:
        `${formatRatio(indexRatio)} the time (${formatMs(indexed.median)} vs ${formatMs(setLoop.median)}); ` +
        `building the index, once per version of the org's groups, takes ${formatMs(build.median)} ` +
        `(${formatRatio(build.median / setLoop.median)} (b)); given the array, ${formatRatio(ratio)} (b)`,
      ...(indexRatio <= MAX_RATIO_VS_SET_LOOP
        ? {}
        : {
            reason:
              `the diff given an index walks only the claim and current; its busiest lines are ` +
              `${indexHotLines} (profile below)`,
          }),
    },
    {
      goal: `peak heap of one call at ${sizeLabel(heapPoint.sizes)} < ${MAX_HEAP_VS_INPUT}× the input's own size`,
      met: heapRatio < MAX_HEAP_VS_INPUT,
      measured: `${heapRatio.toFixed(2)}× (${mib(heapPoint.heap.byImplementation.groupsync.peak)} for ${mib(heapPoint.heap.inputBytes)} of input)`,
      ...(heapRatio < MAX_HEAP_VS_INPUT ? {} : { reason: 'see the heap table' }),
    },
  ]

  const naiveCell = (r: SizeResult): string => {
    if (r.naive !== undefined) return formatMs(r.naive.median)
    // Quadratic: scale the largest measured naive time by the growth of orgGroups × claim.
    const measured = [...results].reverse().find((x) => x.naive !== undefined)
    if (measured?.naive === undefined) return 'not run'
    const growth =
      (r.sizes.orgGroups * r.sizes.claimEntries) /
      (measured.sizes.orgGroups * measured.sizes.claimEntries)
    return `not run (≈ ${formatMs(measured.naive.median * growth)} estimated)`
  }
  const timeTable = markdownTable(
    [
      'org groups × claim × current',
      'groupsync',
      'groupsync given an index',
      'index build (once)',
      '(b) Set loop',
      '(b′) + id check',
      '(a) naive',
      'groupsync ÷ (b)',
      'given an index ÷ (b)',
      '(a) ÷ groupsync',
    ],
    results.map((r) => [
      sizeLabel(r.sizes),
      formatMs(r.ours.median),
      formatMs(r.indexed.median),
      formatMs(r.build.median),
      formatMs(r.setLoop.median),
      formatMs(r.setLoopIds.median),
      naiveCell(r),
      formatRatio(r.ours.median / r.setLoop.median),
      formatRatio(r.indexed.median / r.setLoop.median),
      r.naive === undefined ? '–' : formatRatio(r.naive.median / r.ours.median),
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  )
  const heapTable = markdownTable(
    [
      'org groups × claim × current',
      "input's own heap",
      'groupsync peak',
      'peak ÷ input',
      'groupsync retained',
      '(b) peak',
      '(b′) peak',
      'GCs during the call (groupsync)',
      "index's own heap",
      'given an index: peak',
    ],
    results.map((r) => {
      const h = r.heap.byImplementation
      return [
        sizeLabel(r.sizes),
        mib(r.heap.inputBytes),
        mib(h.groupsync.peak),
        `${(h.groupsync.peak / r.heap.inputBytes).toFixed(2)}×`,
        mib(h.groupsync.retained),
        mib(h['set-loop'].peak),
        mib(h['set-loop-ids'].peak),
        String(h.groupsync.collections),
        mib(h['index-build'].retained),
        mib(h['groupsync-index'].peak),
      ]
    }),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  )
  const detailTable = markdownTable(
    ['implementation', 'median', 'mean ± rme', 'min', 'samples', 'time vs groupsync'],
    [ours, indexed, build, setLoop, setLoopIds, ...(naive === undefined ? [] : [naive])].map(
      (m) => [
        m.name,
        formatMs(m.median),
        `${formatMs(m.mean)} ± ${rme(m)}`,
        formatMs(m.min),
        String(m.samples),
        formatRatio(m.median / ours.median),
      ],
    ),
    ['l', 'r', 'r', 'r', 'r', 'r'],
  )
  const goalTable = markdownTable(
    [
      `goal (issues 2 and 6 part 1${quick ? '; full sizes only' : ''})`,
      'measured (medians)',
      'met',
    ],
    goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : `**no**: ${g.reason ?? ''}`]),
  )
  const rounds = quick ? 2 : 3
  const largest = results.at(-1)

  const markdown = `## computeMembershipDiff

${quick ? '**Quick run (`pnpm bench --quick`): small sizes, rough numbers; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`membership-diff\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}

**Input** (seeded, the same every run), at each size: *n* org groups named like \`team-1234\` (1 % share a name),
a claim of *n*/10 entries (94.5 % name an org group, 5 % name none, 0.5 % differ from a name only in case), and
*n*/10 current memberships (60 % named by the claim, 30 % not named, 10 % another organisation's). Exact match mode.
Output at ${sizeLabel(goalPoint.sizes)}: ${goalPoint.summary}.

### Time (median of one call)

${timeTable}

**The naive version (a) is not run above ${NAIVE_MAX.toLocaleString('en')} org groups**: it scans the claim for each org group and
\`current\` for each match, so its time grows with org groups × claim entries — ${largest?.naive === undefined && largest !== undefined ? `the estimate for ${sizeLabel(largest.sizes)} above scales its measured time at the largest size it ran by that product.` : 'it ran at every size of this run.'}

### Heap of one call

${heapTable}

Measured in a child process (\`heap-probe.ts\`) with \`--trace-gc\`: heap in use only grows between collections, so
the **peak** of a call is the larger of the heap before each collection during the call and the heap at its end,
minus the heap in use when it started (input in place, garbage collected). It includes garbage not yet collected:
an upper bound of the working set. **Retained** is what stays after the call once garbage is collected (the result's
arrays; the groups in them are the caller's objects). The **input's own heap** is what generating the input added.
The **index's own heap** is what \`indexOrgGroups\` retains (the frozen copy of the array and its three maps), held
once per version of an org's groups, not per login; **given an index: peak** is one diff given that index.

### Goals

${goalTable}

For reference, not goals: given the array, \`computeMembershipDiff\` takes ${formatRatio(ratio)} the time of (b) and
${ratioWithIds.toFixed(2)}× that of (b′), which honours the same contract (rule 8 at every call; (b′) itself takes
${formatRatio(setLoopIdsRatio)} (b)). Given an index, rule 8 was checked when the index was built, and the diff walks only the
claim and \`current\`: it does not grow with the organisation. A service or store that builds the index once per version
of an org's groups pays ${formatMs(build.median)} at each change of the groups, about the time of ${(build.median / indexed.median).toFixed(0)}
diffs given the index.

### Detail at ${sizeLabel(goalPoint.sizes)} (the benchmark of issue 2)

${detailTable}

**CPU profile of \`computeMembershipDiff\` given an index** (the goal above) at ${sizeLabel(goalPoint.sizes)}, called in a loop for
${quick ? '0.3' : '3'} s (V8's sampling profiler, as \`node --cpu-prof\`; lines are of \`packages/core/dist/compute-membership-diff.js\`).
Builtins the JIT inlines, such as \`Map.prototype.get\`, count for the line that calls them:

${profileMarkdown(indexProfile)}

**CPU profile of \`computeMembershipDiff\` given the array**, the same way:

${profileMarkdown(profile)}

- **(a)** computes the same diff with \`Array.prototype.filter\`, \`includes\`, \`indexOf\` and \`some\`: a scan of the claim
  or of \`current\` for every org group.
- **(b)** is the least code that computes it with hash lookups: one loop over the org groups with \`Set\`s, a \`Map\` for
  rule 10, then the sorts. It skips what the library does beyond the output: the duplicate-id check (rule 8) and the
  case-insensitive mode.
- **(b′)** is (b) plus the duplicate-id check of rule 8 (one more \`Set\`, of every org group id), so it honours the whole
  contract of \`computeMembershipDiff\` in exact mode, errors included.
- **given an index**: \`computeMembershipDiff(claim, indexOrgGroups(orgGroups), current)\`, the index built once before
  timing; **index build** times \`indexOrgGroups(orgGroups)\` (rule 8 and the maps by id, name and lower-cased name).
- **Same output contract**: (a), (b), (b′) and \`computeMembershipDiff\` (given the array and given an index) return the same five lists (\`toAdd\`, \`toRemove\`,
  \`unchanged\`, \`unmatchedClaims\`, \`caseOnlyMatches\`) in the same order (rule 7, UTF-16 code units). The run checks this
  on every input before timing (for (a) at ${NAIVE_MAX.toLocaleString('en')} groups, on the output of its first timed call) and fails if they differ.
- Method: tinybench through \`measureSideBySide\`, ${rounds} rounds that each time every implementation in turn (samples pooled).
  Per round: at ≤ ${(quick ? 10_000 : 1_000).toLocaleString('en')} groups ≥ 50 calls and ≥ ${quick ? 150 : 400} ms; at 100,000 ≥ 20 calls and ≥ 1 s; at 1,000,000
  2 calls; (a) at ${NAIVE_MAX.toLocaleString('en')} groups 1 call in each of the first 2 rounds (tens of seconds each). Ratios compare medians, which
  resist load from other processes.
`
  // The goals are about the full sizes; a quick run only shows that the suite still works.
  return { markdown, goals: quick ? [] : goals }
}

/**
 * Issues 2 and 6 (part 1): the diff from 10 to 1,000,000 org groups against (a) a naive and
 * (b) a hand-written Set version — time, heap, and a profile of the library's time.
 */
export const membershipDiffSuite: BenchSuite = {
  id: 'membership-diff',
  title: 'computeMembershipDiff from 10 to 1M org groups vs a naive and a hand-written Set version',
  run,
}
