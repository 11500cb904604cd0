import { describe, expect, it } from 'vitest'
import { measureSideBySide, quantile } from '../src/measure.js'

describe('measureSideBySide', () => {
  it('awaits async tasks: each sample lasts as long as the promise', async () => {
    const [m] = await measureSideBySide(
      [
        {
          name: 'sleep',
          fn: () => new Promise((resolve) => setTimeout(resolve, 5)),
          async: true,
          iterations: 3,
          timeMs: 0,
          warmupIterations: 0,
        },
      ],
      2,
    )
    expect(m?.samples).toBe(6)
    expect(m?.min).toBeGreaterThanOrEqual(4)
  })

  it('checks the first result of a task once, and a failed check fails the run', async () => {
    const seen: unknown[] = []
    let calls = 0
    await measureSideBySide(
      [
        {
          name: 'count',
          fn: () => ++calls,
          iterations: 2,
          timeMs: 0,
          warmupIterations: 0,
          check: (r) => seen.push(r),
        },
      ],
      2,
    )
    expect(seen).toEqual([1])
    await expect(
      measureSideBySide(
        [
          {
            name: 'wrong',
            fn: () => 'x',
            iterations: 1,
            timeMs: 0,
            warmupIterations: 0,
            check: () => {
              throw new Error('wrong output')
            },
          },
        ],
        1,
      ),
    ).rejects.toThrow('wrong output')
  })

  it('pools more samples than a function call can take as arguments', async () => {
    const [m] = await measureSideBySide(
      [{ name: 'noop', fn: () => 0, iterations: 200_000, timeMs: 0, warmupIterations: 0 }],
      1,
    )
    expect(m?.samples).toBe(200_000)
  })
})

describe('quantile', () => {
  it('interpolates between neighbours and is NaN for no values', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantile([1, 2, 3, 4], 1)).toBe(4)
    expect(quantile([], 0.5)).toBeNaN()
  })
})
