import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BenchSuite } from '../src/index.js'
import { runBench } from '../src/run-bench.js'

// `pnpm bench --quick` runs in CI: it must exit non-zero when a suite crashes and zero otherwise,
// and a crash must not stop the other suites.

const ok = (id: string, ran: string[]): BenchSuite => ({
  id,
  title: id,
  run: ({ quick }) => {
    ran.push(id)
    return Promise.resolve({
      markdown: `## ${id}\n\nquick: ${String(quick)}`,
      goals: [{ goal: `${id} goal`, met: false, measured: '3×', reason: 'because' }],
      assets: [{ path: `benchmarks/${id}.svg`, content: '<svg/>' }],
    })
  },
})
const crashing = (ran: string[]): BenchSuite => ({
  id: 'boom',
  title: 'boom',
  run: () => {
    ran.push('boom')
    return Promise.reject(new Error('suite failed'))
  },
})

const probe = () =>
  Promise.resolve({ reachable: false as const, url: 'postgres://x', reason: 'test' })
const quiet = { out: () => undefined, err: () => undefined, probe }

const dirs: string[] = []
const docsDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupsync-bench-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('runBench', () => {
  it('exits 1 when a suite crashes, after running the others', async () => {
    const ran: string[] = []
    const suites = [ok('a', ran), crashing(ran), ok('b', ran)]
    const code = await runBench({ argv: ['--quick'], suites, docsDir: docsDir(), ...quiet })
    expect(code).toBe(1)
    expect(ran).toEqual(['a', 'boom', 'b'])
  })

  it('exits 0 when every suite runs, even with missed goals, and a quick run writes nothing', async () => {
    const ran: string[] = []
    const dir = docsDir()
    const code = await runBench({
      argv: ['--quick'],
      suites: [ok('a', ran)],
      docsDir: dir,
      ...quiet,
    })
    expect(code).toBe(0)
    expect(ran).toEqual(['a'])
    expect(existsSync(join(dir, 'benchmarks.md'))).toBe(false)
  })

  it('exits 2 for an unknown suite or option, running nothing', async () => {
    const ran: string[] = []
    const suites = [ok('a', ran)]
    expect(
      await runBench({ argv: ['--suite', 'nope'], suites, docsDir: docsDir(), ...quiet }),
    ).toBe(2)
    expect(await runBench({ argv: ['--fast'], suites, docsDir: docsDir(), ...quiet })).toBe(2)
    expect(ran).toEqual([])
  })

  it('a full run writes every section, the assets and the summary with each goal', async () => {
    const ran: string[] = []
    const dir = docsDir()
    const code = await runBench({
      argv: [],
      suites: [ok('a', ran), ok('b', ran)],
      docsDir: dir,
      ...quiet,
    })
    expect(code).toBe(0)
    const doc = readFileSync(join(dir, 'benchmarks.md'), 'utf8')
    expect(doc).toContain('<!-- bench:a:start -->\n## a\n\nquick: false\n<!-- bench:a:end -->')
    expect(doc).toContain('<!-- bench:b:start -->')
    // The summary comes first and states each goal with its reason.
    expect(doc.indexOf('bench:summary:start')).toBeLessThan(doc.indexOf('bench:a:start'))
    expect(doc).toContain('| `a` | a goal | 3× | **no** — because |')
    expect(doc).toContain('unreachable at `postgres://x`')
    expect(readFileSync(join(dir, 'benchmarks', 'b.svg'), 'utf8')).toBe('<svg/>')
  })

  it('names the suites that state no goal in the summary', async () => {
    const dir = docsDir()
    const costsOnly: BenchSuite = {
      id: 'costs',
      title: 'costs',
      run: () => Promise.resolve({ markdown: '## costs', goals: [] }),
    }
    expect(
      await runBench({ argv: [], suites: [ok('a', []), costsOnly], docsDir: dir, ...quiet }),
    ).toBe(0)
    expect(readFileSync(join(dir, 'benchmarks.md'), 'utf8')).toContain(
      'No goal is set for `costs`: it reports costs only.',
    )
  })

  it('does not write the summary when a suite crashed or only some suites ran', async () => {
    const ran: string[] = []
    const dir = docsDir()
    await runBench({
      argv: ['--suite', 'a'],
      suites: [ok('a', ran), ok('b', ran)],
      docsDir: dir,
      ...quiet,
    })
    const doc = readFileSync(join(dir, 'benchmarks.md'), 'utf8')
    expect(doc).toContain('bench:a:start')
    expect(doc).not.toContain('## Summary')
    expect(ran).toEqual(['a'])
  })
})
