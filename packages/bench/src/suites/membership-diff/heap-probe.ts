// Child process of the membership-diff suite's heap measurement. Run as
//   node --expose-gc --trace-gc heap-probe.js '{"orgGroups":…,"claimEntries":…,"current":…}'
// It generates the input, then calls each implementation once between two marker lines on
// stdout; V8's --trace-gc lines between the markers give the heap in use before every
// collection during the call. `measureDiffHeap` (diff-heap.ts) starts it and reads its output.
import { computeMembershipDiff } from '@groupsync/core'
// The org-group index is no export of core: a benchmark of its own, read from core's build.
import { indexOrgGroups, type OrgGroupIndex } from '../../../../core/dist/org-group-index.js'
import { generateDiffInput, type DiffSizes } from './data.js'
import { HEAP_IMPLEMENTATIONS, MARK } from './diff-heap.js'
import { setLoopDiff } from './set-loop-diff.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('heap-probe: run node with --expose-gc')
const used = () => process.memoryUsage().heapUsed
const settle = () => {
  gc()
  gc()
}

const sizes = JSON.parse(process.argv[2] ?? '') as DiffSizes
settle()
const empty = used()
const { claimGroups, orgGroups, current } = generateDiffInput(sizes)
settle()
console.log(`${MARK} input ${used() - empty}`)

// 'index-build' measures building the index (its retained heap is what the index holds);
// 'groupsync-index' builds its own at its first, unmeasured call, then measures the diff alone.
let index: OrgGroupIndex | undefined
const implementations: Record<(typeof HEAP_IMPLEMENTATIONS)[number], () => unknown> = {
  groupsync: () => computeMembershipDiff(claimGroups, orgGroups, current),
  'set-loop': () => setLoopDiff(claimGroups, orgGroups, current),
  'set-loop-ids': () => setLoopDiff(claimGroups, orgGroups, current, true),
  'index-build': () => indexOrgGroups(orgGroups),
  'groupsync-index': () => {
    index ??= indexOrgGroups(orgGroups)
    return computeMembershipDiff(claimGroups, index, current)
  },
}
let keep: unknown
for (const name of HEAP_IMPLEMENTATIONS) {
  const run = implementations[name]
  run() // compiled before it is measured, like the timed runs
  settle()
  const start = used()
  console.log(`${MARK} start ${name} ${start}`)
  let result: unknown = run()
  const end = used()
  console.log(`${MARK} end ${name} ${end}`)
  settle()
  console.log(`${MARK} retained ${name} ${used() - start}`)
  keep = result
  result = undefined
}
console.log(`${MARK} done ${typeof keep}`)
