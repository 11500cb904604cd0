import { describe, expect, it } from 'vitest'
import {
  sourceBetween,
  summariseReport,
  totalScore,
  type EquivalentMutant,
  type StrykerMutant,
  type StrykerReport,
} from '../src/index.js'

const source = ['const a = 1', 'if (a > 0) {', '  run(a)', '}'].join('\n')

const mutant = (
  id: string,
  status: StrykerMutant['status'],
  line: number,
  from: number,
  to: number,
  replacement: string,
  mutatorName = 'ConditionalExpression',
): StrykerMutant => ({
  id,
  status,
  mutatorName,
  replacement,
  location: { start: { line, column: from }, end: { line, column: to } },
})

const report: StrykerReport = {
  files: {
    'packages/x/src/b.ts': {
      source,
      mutants: [
        mutant('1', 'Killed', 2, 5, 10, 'true'),
        mutant('2', 'Survived', 2, 5, 10, 'false'),
        mutant('3', 'Timeout', 2, 5, 10, 'a >= 0', 'EqualityOperator'),
        mutant('4', 'NoCoverage', 3, 3, 9, '', 'StringLiteral'),
        mutant('5', 'CompileError', 1, 11, 12, '0', 'NumberLiteral'),
        mutant('6', 'Ignored', 1, 11, 12, '2', 'NumberLiteral'),
      ],
    },
    'packages/x/src/a.ts': { source: 'x', mutants: [mutant('7', 'Killed', 1, 1, 2, 'y')] },
  },
}

/** The survivor of b.ts at line 2, as an equivalents list would name it. */
const listed: EquivalentMutant = {
  file: 'packages/x/src/b.ts',
  mutator: 'ConditionalExpression',
  original: 'a > 0',
  replacement: 'false',
  reason: 'a is 1',
}

describe('sourceBetween', () => {
  it('cuts one line by 1-based columns, the end excluded', () => {
    expect(sourceBetween(source, { line: 2, column: 5 }, { line: 2, column: 10 })).toBe('a > 0')
  })

  it('spans lines', () => {
    expect(sourceBetween(source, { line: 2, column: 12 }, { line: 4, column: 2 })).toBe(
      '{\n  run(a)\n}',
    )
  })
})

describe('summariseReport', () => {
  it('counts each status per file, files in path order, and scores as Stryker does', () => {
    const [a, b] = summariseReport(report, [])
    expect(a?.file).toBe('packages/x/src/a.ts')
    expect(a?.score).toBe(100)
    expect(b).toMatchObject({
      file: 'packages/x/src/b.ts',
      mutants: 6,
      killed: 1,
      timeout: 1,
      survived: 1,
      noCoverage: 1,
      equivalent: 0,
      invalid: 2,
      score: 50,
      scoreWithoutEquivalents: 50,
    })
  })

  it('lists survivors and uncovered mutants with the code they changed', () => {
    const b = summariseReport(report, [])[1]
    expect(b?.survivors).toEqual([
      {
        file: 'packages/x/src/b.ts',
        line: 2,
        mutator: 'ConditionalExpression',
        original: 'a > 0',
        replacement: 'false',
        status: 'Survived',
      },
      {
        file: 'packages/x/src/b.ts',
        line: 3,
        mutator: 'StringLiteral',
        original: 'run(a)',
        replacement: '',
        status: 'NoCoverage',
      },
    ])
  })

  it('marks a survivor listed as equivalent by file, mutator and code, whitespace aside', () => {
    const b = summariseReport(report, [{ ...listed, original: 'a  >\n 0' }])[1]
    expect(b?.survivors[0]?.equivalent).toBe('a is 1')
    expect(b?.survivors[1]?.equivalent).toBeUndefined()
    expect(b?.equivalent).toBe(1)
    expect(b?.scoreWithoutEquivalents).toBeCloseTo((100 * 2) / 3)
  })

  it('does not match an entry of another file, mutator or replacement', () => {
    const near: EquivalentMutant[] = [
      {
        file: 'packages/x/src/a.ts',
        mutator: 'ConditionalExpression',
        original: 'a > 0',
        replacement: 'false',
        reason: 'r',
      },
      {
        file: 'packages/x/src/b.ts',
        mutator: 'EqualityOperator',
        original: 'a > 0',
        replacement: 'false',
        reason: 'r',
      },
      {
        file: 'packages/x/src/b.ts',
        mutator: 'ConditionalExpression',
        original: 'a > 0',
        replacement: 'true',
        reason: 'r',
      },
    ]
    expect(summariseReport(report, near)[1]?.equivalent).toBe(0)
  })
})

describe('an equivalent with a context', () => {
  // The same code twice; only the second occurrence is equivalent.
  const twice = ['if (a > 0) {', '  first()', '}', 'if (a > 0) {', '  second()', '}'].join('\n')
  const both: StrykerReport = {
    files: {
      'packages/x/src/c.ts': {
        source: twice,
        mutants: [
          mutant('1', 'Survived', 1, 5, 10, 'false'),
          mutant('2', 'Survived', 4, 5, 10, 'false'),
        ],
      },
    },
  }
  const entry = { ...listed, file: 'packages/x/src/c.ts' }

  it('matches only the occurrence whose line or the two after it hold the context', () => {
    const [c] = summariseReport(both, [{ ...entry, context: 'second()' }])
    expect(c?.survivors.map((s) => s.equivalent)).toEqual([undefined, 'a is 1'])
  })

  it('without a context, matches every occurrence', () => {
    const [c] = summariseReport(both, [entry])
    expect(c?.survivors.map((s) => s.equivalent)).toEqual(['a is 1', 'a is 1'])
  })

  it('several entries for one code: each occurrence takes the first that matches', () => {
    const [c] = summariseReport(both, [
      { ...entry, context: 'second()', reason: 'two' },
      { ...entry, context: 'first()', reason: 'one' },
    ])
    expect(c?.survivors.map((s) => s.equivalent)).toEqual(['one', 'two'])
  })
})

describe('totalScore', () => {
  it('pools the files, with or without the equivalents', () => {
    const files = summariseReport(report, [{ ...listed, reason: 'r' }])
    expect(totalScore(files)).toBeCloseTo((100 * 3) / 5)
    expect(totalScore(files, true)).toBe(75)
  })

  it('is 100 when nothing ran', () => {
    expect(totalScore([])).toBe(100)
  })
})
