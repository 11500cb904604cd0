import { computeMembershipDiff, type MembershipDiff } from '@groupsync/core'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { measureSideBySide, type Measurement } from '../../measure.js'
import type { BenchSuite, GoalResult, SuiteContext, SuiteReport } from '../../suite.js'
import { generateDiffInput, type DiffInput, type DiffSizes } from './data.js'
import { naiveDiff } from './naive-diff.js'
import { setLoopDiff } from './set-loop-diff.js'

const FULL: DiffSizes = { orgGroups: 100_000, claimEntries: 10_000, current: 10_000 }
const QUICK: DiffSizes = { orgGroups: 10_000, claimEntries: 1_000, current: 1_000 }

const OURS = 'groupsync computeMembershipDiff'
const SET_LOOP = '(b) hand-written Set loop'
const SET_LOOP_IDS = '(b′) Set loop + rule 8 id check'
const NAIVE = '(a) naive filter + includes'

/** Goals of issue 2 for the diff at full size. */
const MIN_SPEEDUP_VS_NAIVE = 100
const MAX_RATIO_VS_SET_LOOP = 1.5

/** The diff as plain data (groups by id), to check the three implementations agree. */
const project = (d: MembershipDiff) =>
  JSON.stringify({
    toAdd: d.toAdd.map((g) => g.id),
    toRemove: d.toRemove.map((g) => g.id),
    unchanged: d.unchanged.map((g) => g.id),
    unmatchedClaims: d.unmatchedClaims,
    caseOnlyMatches: d.caseOnlyMatches.map((p) => [p.claim, p.group.id]),
  })

/** Runs the three implementations once and fails the run if their outputs differ in any way. */
function checkSameOutput(input: DiffInput): { readonly summary: string } {
  const { claimGroups, orgGroups, current } = input
  const ours = computeMembershipDiff(claimGroups, orgGroups, current)
  const expected = project(ours)
  for (const [name, diff] of [
    [SET_LOOP, setLoopDiff(claimGroups, orgGroups, current)],
    [SET_LOOP_IDS, setLoopDiff(claimGroups, orgGroups, current, true)],
    [NAIVE, naiveDiff(claimGroups, orgGroups, current)],
  ] as const) {
    if (project(diff) !== expected) {
      throw new Error(`${name} does not give the same output as ${OURS}; the comparison is void`)
    }
  }
  return {
    summary:
      `toAdd ${ours.toAdd.length}, toRemove ${ours.toRemove.length}, ` +
      `unchanged ${ours.unchanged.length}, unmatchedClaims ${ours.unmatchedClaims.length}, ` +
      `caseOnlyMatches ${ours.caseOnlyMatches.length}`,
  }
}

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const sizes = quick ? QUICK : FULL
  const input = generateDiffInput(sizes)
  const { claimGroups, orgGroups, current } = input
  const machine = describeMachine()

  log(`membership-diff: checking that the four implementations agree (one naive call)…`)
  const { summary } = checkSameOutput(input)

  // The naive version takes seconds per call at full size: few calls, no time budget. The check
  // above has already run it once, which is its warm-up.
  const rounds = quick ? 2 : 3
  const fast = { iterations: quick ? 10 : 30, timeMs: quick ? 200 : 2_000, warmupIterations: 20 }
  const results = await measureSideBySide(
    [
      { name: OURS, fn: () => computeMembershipDiff(claimGroups, orgGroups, current), ...fast },
      { name: SET_LOOP, fn: () => setLoopDiff(claimGroups, orgGroups, current), ...fast },
      {
        name: SET_LOOP_IDS,
        fn: () => setLoopDiff(claimGroups, orgGroups, current, true),
        ...fast,
      },
      {
        name: NAIVE,
        fn: () => naiveDiff(claimGroups, orgGroups, current),
        iterations: quick ? 2 : 1,
        timeMs: 0,
        warmupIterations: 0,
      },
    ],
    rounds,
    (round) => {
      log(`membership-diff: round ${round + 1} of ${rounds}`)
    },
  )
  const get = (name: string): Measurement => {
    const m = results.find((r) => r.name === name)
    if (m === undefined) throw new Error(`no measurement for ${name}`)
    return m
  }
  const ours = get(OURS)
  const setLoop = get(SET_LOOP)
  const setLoopIds = get(SET_LOOP_IDS)
  const naive = get(NAIVE)
  const speedup = naive.median / ours.median
  const ratio = ours.median / setLoop.median
  const ratioWithIds = ours.median / setLoopIds.median

  const goals: GoalResult[] = [
    {
      goal: `≥ ${MIN_SPEEDUP_VS_NAIVE}× faster than (a)`,
      met: speedup >= MIN_SPEEDUP_VS_NAIVE,
      measured: `${speedup.toFixed(0)}× faster`,
    },
    {
      goal: `≤ ${MAX_RATIO_VS_SET_LOOP}× the time of (b)`,
      met: ratio <= MAX_RATIO_VS_SET_LOOP,
      measured: `${ratio.toFixed(2)}× the time`,
    },
  ]

  const table = markdownTable(
    ['implementation', 'median', 'mean ± rme', 'min', 'samples', 'time vs groupsync'],
    results.map((m) => [
      m.name,
      formatMs(m.median),
      `${formatMs(m.mean)} ± ${Number.isNaN(m.rme) ? '–' : `${m.rme.toFixed(1)} %`}`,
      formatMs(m.min),
      String(m.samples),
      `${(m.median / ours.median).toFixed(2)}×`,
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r'],
  )
  const goalTable = markdownTable(
    [`goal (issue 2${quick ? ', full size only' : ''})`, 'measured (medians)', 'met'],
    goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : '**no**']),
  )

  const markdown = `## computeMembershipDiff

${quick ? '**Quick run (`pnpm bench --quick`): small sizes, rough numbers; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`membership-diff\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}

**Input** (seeded, the same every run): ${sizes.orgGroups.toLocaleString('en')} org groups named like \`team-1234\` (1 % share a name),
${sizes.claimEntries.toLocaleString('en')} claim entries (94.5 % name an org group, 5 % name none, 0.5 % differ from a name only in case),
${sizes.current.toLocaleString('en')} current memberships (60 % named by the claim, 30 % not named, 10 % another organisation's).
Exact match mode. Output: ${summary}.

${table}

${goalTable}

For reference, not a goal: \`computeMembershipDiff\` takes ${ratioWithIds.toFixed(2)}× the time of (b′).

- **(a)** computes the same diff with \`Array.prototype.filter\`, \`includes\`, \`indexOf\` and \`some\`: a scan of the claim
  or of \`current\` for every org group.
- **(b)** is the least code that computes it with hash lookups: one loop over the org groups with \`Set\`s, a \`Map\` for
  rule 10, then the sorts. It skips what the library does beyond the output: the duplicate-id check (rule 8) and the
  case-insensitive mode.
- **(b′)** is (b) plus the duplicate-id check of rule 8 (one more \`Set\`, of every org group id), so it honours the whole
  contract of \`computeMembershipDiff\` in exact mode, errors included.
- **Same output contract**: (a), (b), (b′) and \`computeMembershipDiff\` return the same five lists (\`toAdd\`, \`toRemove\`,
  \`unchanged\`, \`unmatchedClaims\`, \`caseOnlyMatches\`) in the same order (rule 7, UTF-16 code units). The run checks this
  on the benchmark input before timing and fails if they differ.
- Method: tinybench, ${rounds} rounds that each time every implementation in turn (samples pooled; the fast ones
  ≥ ${fast.iterations} calls and ≥ ${fast.timeMs} ms per round after ${fast.warmupIterations} warm-up calls, (a) ${quick ? '2 calls' : '1 call'} per round
  after one untimed call). Ratios compare medians, which resist load from other processes.
`
  // The goals are about the full sizes; a quick run only shows that the suite still works.
  return { markdown, goals: quick ? [] : goals }
}

/** Issue 2's benchmark: the diff at 100k org groups × 10k claim entries × 10k current. */
export const membershipDiffSuite: BenchSuite = {
  id: 'membership-diff',
  title: 'computeMembershipDiff vs a naive and a hand-written Set version',
  run,
}
