import { describe, expect, it } from 'vitest'
import { formatMs, formatRatio, markdownTable, replaceSection } from '../src/index.js'

describe('replaceSection', () => {
  const doc = [
    '# Benchmarks',
    '',
    '<!-- bench:a:start -->',
    'old a',
    '<!-- bench:a:end -->',
    '',
    'hand-written note',
    '',
    '<!-- bench:b:start -->',
    'old b',
    '<!-- bench:b:end -->',
    '',
  ].join('\n')

  it('rewrites only the section of its suite', () => {
    const out = replaceSection(doc, 'a', '## A\nnew a\n')
    expect(out).toBe(doc.replace('old a', '## A\nnew a'))
    expect(out).toContain('hand-written note')
    expect(out).toContain('old b')
  })

  it('appends a section the doc does not have yet', () => {
    const out = replaceSection(doc, 'c', 'new c')
    expect(out.startsWith(doc.trimEnd())).toBe(true)
    expect(out.endsWith('<!-- bench:c:start -->\nnew c\n<!-- bench:c:end -->\n')).toBe(true)
  })

  it('is idempotent', () => {
    const once = replaceSection(doc, 'b', 'new b')
    expect(replaceSection(once, 'b', 'new b')).toBe(once)
  })
})

describe('markdownTable and formatMs', () => {
  it('renders a header, an alignment row and the rows', () => {
    expect(markdownTable(['x', 'y'], [['1', '2']], ['l', 'r'])).toBe(
      '| x | y |\n| --- | ---: |\n| 1 | 2 |',
    )
  })

  it('picks a unit that keeps three significant digits readable', () => {
    expect(formatMs(0.0123)).toBe('12.3 µs')
    expect(formatMs(12.345)).toBe('12.3 ms')
    expect(formatMs(2345)).toBe('2.35 s')
    expect(formatMs(0.000191)).toBe('191 ns')
    expect(formatMs(2_300_000)).toBe('38.3 min')
  })
})

describe('formatRatio', () => {
  it('keeps two decimals for small ratios and none for large ones', () => {
    expect(formatRatio(1.346)).toBe('1.35×')
    expect(formatRatio(247.6)).toBe('248×')
    expect(formatRatio(NaN)).toBe('–')
  })
})
