import { describe, expect, it } from 'vitest'
import { MARK, parseHeapProbe } from '../src/suites/membership-diff/diff-heap.js'

const MiB = 2 ** 20

describe('parseHeapProbe', () => {
  it('takes the peak of a call from the GC trace between its markers, or its end', () => {
    const trace = [
      `${MARK} input ${400 * MiB}`,
      `[1:0x1]  90 ms: Scavenge 390.0 (400.0) -> 380.0 (400.0) MB, 1.0 / 0.0 ms  allocation failure;`,
      `${MARK} start groupsync ${100 * MiB}`,
      `[1:0x1]  100 ms: Scavenge 150.5 (160.0) -> 140.0 (160.0) MB, 1.0 / 0.0 ms  allocation failure;`,
      `[1:0x1]  120 ms: Mark-Compact (reduce) 180.0 (200.0) -> 120.0 (150.0) MB, 9.0 / 0.0 ms  finalize;`,
      `${MARK} end groupsync ${130 * MiB}`,
      `${MARK} retained groupsync ${MiB}`,
      `${MARK} start set-loop ${100 * MiB}`,
      `${MARK} end set-loop ${110 * MiB}`,
      `${MARK} retained set-loop 1024`,
      `${MARK} start set-loop-ids ${100 * MiB}`,
      `${MARK} end set-loop-ids ${120 * MiB}`,
      `${MARK} retained set-loop-ids 2048`,
      `${MARK} start index-build ${100 * MiB}`,
      `${MARK} end index-build ${140 * MiB}`,
      `${MARK} retained index-build ${30 * MiB}`,
      `${MARK} start groupsync-index ${130 * MiB}`,
      `${MARK} end groupsync-index ${131 * MiB}`,
      `${MARK} retained groupsync-index 4096`,
    ].join('\n')
    const heap = parseHeapProbe(trace)
    expect(heap.inputBytes).toBe(400 * MiB)
    // The Mark-Compact saw 180 MiB in use: more than the end (130), and the trace before start
    // does not count.
    expect(heap.byImplementation.groupsync).toEqual({
      peak: 80 * MiB,
      retained: MiB,
      collections: 2,
    })
    expect(heap.byImplementation['set-loop']).toEqual({
      peak: 10 * MiB,
      retained: 1024,
      collections: 0,
    })
    expect(heap.byImplementation['set-loop-ids'].peak).toBe(20 * MiB)
    expect(heap.byImplementation['index-build']).toEqual({
      peak: 40 * MiB,
      retained: 30 * MiB,
      collections: 0,
    })
    expect(heap.byImplementation['groupsync-index'].peak).toBe(MiB)
  })

  it('fails when an implementation is missing from the output', () => {
    expect(() => parseHeapProbe(`${MARK} input 10`)).toThrow(/no measurement of groupsync/)
  })
})
