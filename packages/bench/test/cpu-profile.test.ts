import type { Profiler } from 'node:inspector'
import { describe, expect, it } from 'vitest'
import { areaOf, profileCpu, profileMarkdown, summariseProfile } from '../src/cpu-profile.js'

const frame = (
  functionName: string,
  url: string,
  lineNumber = 0,
): Profiler.ProfileNode['callFrame'] => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
  scriptId: '0',
})

describe('areaOf', () => {
  it('names the package or runtime a function belongs to', () => {
    expect(areaOf('file:///w/packages/core/dist/x.js', 'f')).toBe('@groupsync/core')
    expect(areaOf('file:///w/node_modules/.pnpm/pg@8.23.1/node_modules/pg/lib/u.js', 'f')).toBe(
      'pg',
    )
    expect(
      areaOf(
        'file:///w/node_modules/.pnpm/@electric-sql+pglite@0.5/node_modules/@electric-sql/pglite/dist/a.js',
        'f',
      ),
    ).toBe('@electric-sql/pglite')
    expect(areaOf('node:buffer', 'write')).toBe('Node.js internals')
    expect(areaOf('wasm://wasm/1a2b', 'wasm-function[1]')).toBe(
      'WebAssembly (PGlite: Postgres itself)',
    )
    expect(areaOf('', '(garbage collector)')).toBe('garbage collector')
    expect(areaOf('', '(idle)')).toBe('idle (waiting for I/O)')
  })
})

describe('summariseProfile', () => {
  // Root → diff (2 samples of 1 ms on line 50, 1 on line 54) and → (idle) (1 sample of 1 ms).
  const profile: Profiler.Profile = {
    startTime: 0,
    endTime: 5000,
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
      {
        id: 2,
        callFrame: frame('computeMembershipDiff', 'file:///w/packages/core/dist/c.js', 33),
        positionTicks: [
          { line: 50, ticks: 2 },
          { line: 54, ticks: 1 },
        ],
      },
      { id: 3, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 2, 3, 2],
    timeDeltas: [0, 1000, 1000, 1000, 1000],
  }

  it('sums self time by area and by function, busiest lines first, idle left out of functions', () => {
    const s = summariseProfile(profile)
    expect(s.totalMs).toBe(4)
    expect(s.areas).toEqual([
      { area: '@groupsync/core', ms: 3 },
      { area: 'idle (waiting for I/O)', ms: 1 },
    ])
    expect(s.functions).toHaveLength(1)
    expect(s.functions[0]).toMatchObject({
      name: 'computeMembershipDiff',
      location: 'core/dist/c.js:34',
      ms: 3,
    })
    expect(s.functions[0]?.hotLines.map((l) => l.line)).toEqual([50, 54])
    expect(profileMarkdown(s)).toContain('| @groupsync/core | 3.00 ms | 75.0 % |')
  })

  it('records a real profile of work done in this process', async () => {
    let sink = 0
    const recorded = await profileCpu(() => {
      const until = performance.now() + 50
      while (performance.now() < until) sink += Math.sqrt(sink + 1)
      return Promise.resolve()
    }, 100)
    expect(sink).toBeGreaterThan(0)
    expect(summariseProfile(recorded).totalMs).toBeGreaterThan(20)
  })
})
