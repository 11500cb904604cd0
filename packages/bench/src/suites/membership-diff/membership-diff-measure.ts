import { computeMembershipDiff, type MembershipDiff } from '@groupsync/core'
// The org-group index is no export of core: a benchmark of its own, read from core's build.
import { indexOrgGroups, type OrgGroupIndex } from '../../../../core/dist/org-group-index.js'
import { byName, measureSideBySide, type Measurement, type TimedTask } from '../../measure.js'
import { generateDiffInput, type DiffInput, type DiffSizes } from './data.js'
import { measureDiffHeap, type DiffHeap } from './diff-heap.js'
import { naiveDiff } from './naive-diff.js'
import { setLoopDiff } from './set-loop-diff.js'

/** The naive version is quadratic: above this many org groups it would take most of an hour. */
export const NAIVE_MAX = 100_000

const OURS = 'groupsync computeMembershipDiff'
const INDEXED = 'groupsync computeMembershipDiff given an org index'
const BUILD = 'groupsync indexOrgGroups (once per version of the groups)'
const SET_LOOP = '(b) hand-written Set loop'
const SET_LOOP_IDS = '(b′) Set loop + rule 8 id check'
const NAIVE = '(a) naive filter + includes'

const scaled = (orgGroups: number): DiffSizes => ({
  orgGroups,
  claimEntries: Math.max(1, orgGroups / 10),
  current: Math.max(1, orgGroups / 10),
})

export const sizeLabel = (s: DiffSizes): string =>
  [s.orgGroups, s.claimEntries, s.current].map((n) => n.toLocaleString('en')).join(' × ')

/** The diff as plain data (groups by id), to check the implementations agree. */
const project = (d: MembershipDiff) =>
  JSON.stringify({
    toAdd: d.toAdd.map((g) => g.id),
    toRemove: d.toRemove.map((g) => g.id),
    unchanged: d.unchanged.map((g) => g.id),
    unmatchedClaims: d.unmatchedClaims,
    caseOnlyMatches: d.caseOnlyMatches.map((p) => [p.claim, p.group.id]),
  })

const summaryOf = (d: MembershipDiff): string =>
  `toAdd ${d.toAdd.length}, toRemove ${d.toRemove.length}, unchanged ${d.unchanged.length}, ` +
  `unmatchedClaims ${d.unmatchedClaims.length}, caseOnlyMatches ${d.caseOnlyMatches.length}`

/**
 * Runs the Set loops (and the naive version when `withNaive`) once and fails the run if their
 * outputs differ from the library's in any way; returns a check for the naive version's output
 * for when it is too slow to call just for this.
 */
function checkSameOutput(
  input: DiffInput,
  withNaive: boolean,
): { readonly summary: string; readonly checkNaive: (result: unknown) => void } {
  const { claimGroups, orgGroups, current } = input
  const ours = computeMembershipDiff(claimGroups, orgGroups, current)
  const expected = project(ours)
  const same = (name: string, diff: MembershipDiff): void => {
    if (project(diff) !== expected) {
      throw new Error(`${name} does not give the same output as ${OURS}; the comparison is void`)
    }
  }
  same(INDEXED, computeMembershipDiff(claimGroups, indexOrgGroups(orgGroups), current))
  same(SET_LOOP, setLoopDiff(claimGroups, orgGroups, current))
  same(SET_LOOP_IDS, setLoopDiff(claimGroups, orgGroups, current, true))
  if (withNaive) same(NAIVE, naiveDiff(claimGroups, orgGroups, current))
  return {
    summary: summaryOf(ours),
    checkNaive: (result) => {
      same(NAIVE, result as MembershipDiff)
    },
  }
}

/** Time budget of the fast implementations per round, by size: many calls when they are quick. */
const fastBudget = (orgGroups: number, quick: boolean) =>
  orgGroups >= 1_000_000
    ? { iterations: 2, timeMs: 0, warmupIterations: 1 }
    : orgGroups >= 100_000
      ? { iterations: 20, timeMs: 1_000, warmupIterations: 10 }
      : { iterations: 50, timeMs: quick ? 150 : 400, warmupIterations: 50 }

/** What one size measured. */
export interface SizeResult {
  readonly sizes: DiffSizes
  readonly summary: string
  readonly ours: Measurement
  readonly indexed: Measurement
  readonly build: Measurement
  readonly setLoop: Measurement
  readonly setLoopIds: Measurement
  readonly naive: Measurement | undefined
  readonly heap: DiffHeap
}

export async function measureSize(
  orgGroups: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<SizeResult> {
  const sizes = scaled(orgGroups)
  log(`membership-diff: ${sizeLabel(sizes)}: generating the input and checking the outputs agree`)
  const input = generateDiffInput(sizes)
  const { claimGroups, orgGroups: groups, current } = input
  const runNaive = orgGroups <= NAIVE_MAX
  // Below the largest size the naive version is quick enough to call once more just to check it.
  const naiveIsSlow = orgGroups >= NAIVE_MAX
  const { summary, checkNaive } = checkSameOutput(input, runNaive && !naiveIsSlow)

  const fast = fastBudget(orgGroups, quick)
  // Built once, untimed, as a service does when an org's groups change; its cost is the BUILD task.
  const index: OrgGroupIndex = indexOrgGroups(groups)
  const tasks: TimedTask[] = [
    { name: OURS, fn: () => computeMembershipDiff(claimGroups, groups, current), ...fast },
    { name: INDEXED, fn: () => computeMembershipDiff(claimGroups, index, current), ...fast },
    { name: BUILD, fn: () => indexOrgGroups(groups), ...fast },
    { name: SET_LOOP, fn: () => setLoopDiff(claimGroups, groups, current), ...fast },
    { name: SET_LOOP_IDS, fn: () => setLoopDiff(claimGroups, groups, current, true), ...fast },
  ]
  if (runNaive) {
    tasks.push({
      name: NAIVE,
      fn: () => naiveDiff(claimGroups, groups, current),
      // Tens of seconds per call at 100k: one call in each of two rounds, the first one's output
      // checked after its round. Its margin over the goal is wide; more calls would not change it.
      ...(naiveIsSlow
        ? { iterations: 1, timeMs: 0, warmupIterations: 0, check: checkNaive, maxRounds: 2 }
        : { iterations: 5, timeMs: quick ? 100 : 300, warmupIterations: 2 }),
    })
  }
  const rounds = quick ? 2 : 3
  const results = await measureSideBySide(tasks, rounds, (round) => {
    log(`membership-diff: ${sizeLabel(sizes)}: round ${round + 1} of ${rounds}`)
  })
  log(`membership-diff: ${sizeLabel(sizes)}: heap of one call (child process with --trace-gc)`)
  const heap = await measureDiffHeap(sizes)
  return {
    sizes,
    summary,
    ours: byName(results, OURS),
    indexed: byName(results, INDEXED),
    build: byName(results, BUILD),
    setLoop: byName(results, SET_LOOP),
    setLoopIds: byName(results, SET_LOOP_IDS),
    naive: runNaive ? byName(results, NAIVE) : undefined,
    heap,
  }
}
