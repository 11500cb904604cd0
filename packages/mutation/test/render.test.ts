import { describe, expect, it } from 'vitest'
import {
  summariseReport,
  targetMarkdown,
  type StrykerReport,
  type TargetRun,
} from '../src/index.js'

const report: StrykerReport = {
  files: {
    'packages/x/src/rules.ts': {
      source: 'if (a | b) go()',
      mutants: [
        {
          id: '1',
          mutatorName: 'ConditionalExpression',
          replacement: 'true',
          status: 'Survived',
          location: { start: { line: 1, column: 5 }, end: { line: 1, column: 10 } },
        },
        {
          id: '2',
          mutatorName: 'BlockStatement',
          replacement: '{}',
          status: 'Survived',
          location: { start: { line: 1, column: 12 }, end: { line: 1, column: 16 } },
        },
        {
          id: '3',
          mutatorName: 'ConditionalExpression',
          replacement: 'false',
          status: 'Killed',
          location: { start: { line: 1, column: 5 }, end: { line: 1, column: 10 } },
        },
      ],
    },
  },
}

const run = (equivalentReason?: string): TargetRun => ({
  target: 'rules',
  mutate: ['packages/x/src/rules.ts'],
  breakAt: 60,
  files: summariseReport(
    report,
    equivalentReason === undefined
      ? []
      : [
          {
            file: 'packages/x/src/rules.ts',
            mutator: 'ConditionalExpression',
            original: 'a | b',
            replacement: 'true',
            reason: equivalentReason,
          },
        ],
  ),
  startedAt: new Date('2026-11-30T09:15:00Z'),
  minutes: 3.25,
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    node: 'v20',
    platform: 'linux',
    memoryGiB: 24,
    loadAverage: 1.5,
  },
  concurrency: 2,
  incremental: false,
  strykerVersion: '9.6.1',
})

describe('targetMarkdown', () => {
  it('says when and where it ran, the score against the threshold, and whether CI runs it', () => {
    const md = targetMarkdown(run(), true)
    expect(md).toContain('## rules')
    expect(md).toContain('2026-11-30 09:15 UTC, 3.3 min, Stryker 9.6.1, concurrency 2')
    expect(md).toContain('Test CPU, 2 cores')
    expect(md).toContain('**Score 33.3%**')
    expect(md).toContain('fails below 60.0%, and CI runs it')
    expect(targetMarkdown(run(), false)).toContain('run on demand')
  })

  it('has a row per file with its counts and scores', () => {
    expect(targetMarkdown(run(), true)).toContain(
      '| `packages/x/src/rules.ts` | 3 | 1 | 0 | 2 | 0 | 0 | 33.3% | 33.3% |',
    )
  })

  it('lists each equivalent with its reason and each other survivor as unexplained, code escaped', () => {
    const md = targetMarkdown(run('a | b is always true here'), true)
    expect(md).toContain('### Equivalent mutants (1)')
    expect(md).toContain(
      '| `x/src/rules.ts:1` | ConditionalExpression | `a \\| b` | `true` | a \\| b is always true here |',
    )
    expect(md).toContain('### Survivors not yet killed or explained (1)')
    expect(md).toContain('| `x/src/rules.ts:1` | BlockStatement | `go()` | `{}` | survived |')
    expect(md).toContain('(50.0% without the 1 equivalent mutants)')
  })

  it('says None when there is nothing to list', () => {
    const md = targetMarkdown(run(), true)
    expect(md).toContain('### Equivalent mutants (0)\n\nNone.')
  })
})
