import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { DiffSizes } from './data.js'

/** Prefix of the heap probe's own lines on stdout, between V8's GC trace lines. */
export const MARK = '@@heap'

/**
 * What the probe measures, in order: the three diffs given the array, building the org index
 * (its retained heap is the index's own size), and the diff given that index.
 */
export const HEAP_IMPLEMENTATIONS = [
  'groupsync',
  'set-loop',
  'set-loop-ids',
  'index-build',
  'groupsync-index',
] as const

/** What one call of an implementation cost in heap, in bytes. */
export interface HeapUse {
  /** The most heap in use at any point of the call, above the heap in use when it started. */
  readonly peak: number
  /** Heap still held once the call returned and garbage was collected: the result. */
  readonly retained: number
  /** How many collections V8 ran during the call. */
  readonly collections: number
}

/** The heap measurement of one input size. */
export interface DiffHeap {
  /** Heap the input itself takes: what generating it added, after collecting garbage. */
  readonly inputBytes: number
  readonly byImplementation: Readonly<Record<(typeof HEAP_IMPLEMENTATIONS)[number], HeapUse>>
}

// A --trace-gc line: `[pid:0x…]   123 ms: Scavenge 3.8 (4.0) -> 3.6 (5.0) MB, …`.
const GC_LINE = /ms: [A-Za-z-]+(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> [\d.]+ \([\d.]+\) MB/

/**
 * Reads the heap probe's stdout: between an implementation's start and end markers, heap in use
 * only grows until a collection, so its peak is the larger of the heap before each collection
 * (from the GC trace, in MB) and the heap at the end.
 */
export function parseHeapProbe(stdout: string): DiffHeap {
  let inputBytes = NaN
  const uses: Partial<
    Record<string, { start: number; peak: number; collections: number; retained: number }>
  > = {}
  let current: { start: number; peak: number; collections: number; retained: number } | undefined
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const [, what, name = '', value = ''] = line.split(' ')
      if (what === 'input') inputBytes = Number(name)
      else if (what === 'start') {
        current = { start: Number(value), peak: Number(value), collections: 0, retained: NaN }
        uses[name] = current
      } else if (what === 'end' && current !== undefined) {
        current.peak = Math.max(current.peak, Number(value))
        current = undefined
      } else if (what === 'retained') {
        const use = uses[name]
        if (use !== undefined) use.retained = Number(value)
      }
      continue
    }
    const gc = current === undefined ? null : GC_LINE.exec(line)
    if (gc !== null && current !== undefined) {
      current.collections += 1
      current.peak = Math.max(current.peak, Number(gc[1]) * 2 ** 20)
    }
  }
  const entry = (name: (typeof HEAP_IMPLEMENTATIONS)[number]): HeapUse => {
    const use = uses[name]
    if (use === undefined || Number.isNaN(inputBytes)) {
      throw new Error(`heap probe: no measurement of ${name} in its output`)
    }
    return { peak: use.peak - use.start, retained: use.retained, collections: use.collections }
  }
  return {
    inputBytes,
    byImplementation: Object.fromEntries(
      HEAP_IMPLEMENTATIONS.map((name) => [name, entry(name)]),
    ) as DiffHeap['byImplementation'],
  }
}

/**
 * Measures the heap of one diff call per implementation at `sizes`, in a child process with
 * V8's GC trace on (so that the trace does not mix with this process's output).
 */
export async function measureDiffHeap(sizes: DiffSizes): Promise<DiffHeap> {
  const probe = fileURLToPath(new URL('./heap-probe.js', import.meta.url))
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--trace-gc', probe, JSON.stringify(sizes)],
    { maxBuffer: 64 * 2 ** 20 },
  )
  return parseHeapProbe(stdout)
}
