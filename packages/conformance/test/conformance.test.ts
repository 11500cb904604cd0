import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_VECTORS_DIR, loadCases, type Case } from '../src/cases.js'
import type { Part } from '../src/protocol.js'
import { formatReport } from '../src/report.js'
import { runConformance, type CaseResult } from '../src/run-conformance.js'

// The runner starts ports as subprocesses, and the ports are the built JavaScript: build once
// (the command line reads the vectors the build copies into dist/vectors).
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
beforeAll(() => {
  execFileSync(process.execPath, [tsc, '-b'], { cwd: packageDir, stdio: 'inherit' })
  execFileSync(process.execPath, ['scripts/copy-docs.mjs'], { cwd: packageDir, stdio: 'inherit' })
}, 120_000)

const node = (script: string, ...args: string[]): string =>
  [process.execPath, join(packageDir, script), ...args].map((part) => `"${part}"`).join(' ')
const typescriptPort = node('dist/ports/typescript-port.js')
const localePort = node('dist/ports/locale-sensitive-port.js')
const unguardedPort = node('dist/ports/unguarded-port.js')
const faultyPort = (mode: string, id = ''): string =>
  node('test/fixtures/faulty-port.mjs', mode, id)

const failures = (results: readonly CaseResult[]) =>
  results.flatMap((result) => (result.passed ? [] : [result]))

describe('the TypeScript implementation as a port', () => {
  it('passes every vector of every part, and every vector file is sent', async () => {
    const cases = loadCases()
    const files = new Set(cases.map((c) => c.file))
    const expectedFiles = [
      ...readdirSync(DEFAULT_VECTORS_DIR).filter((f) => /^(diff|claims|sync)-.*\.json$/.test(f)),
      ...readdirSync(join(DEFAULT_VECTORS_DIR, 'presets')).map((f) => `presets/${f}`),
    ].filter((f) => !f.endsWith('schema.json'))
    expect([...files].sort()).toEqual(expectedFiles.sort())
    expect(new Set(cases.map((c) => c.part))).toEqual(new Set(['diff', 'claims', 'sync']))

    const report = await runConformance({ command: typescriptPort, cases })
    expect(failures(report.results), formatReport(report)).toEqual([])
    expect(report.passed).toBe(cases.length)
    expect(report.stopped).toBeUndefined()
    expect(report.ending).toBe('exited with code 0')
    expect(formatReport(report).split('\n').at(-1)).toBe(`${cases.length} passed, 0 failed`)
  })
})

describe('a port that lower-cases with a Turkish locale and sorts with localeCompare', () => {
  it('fails, and the runner names the vectors it gets wrong and why', async () => {
    const cases = loadCases().filter((c) => c.part === 'diff')
    const report = await runConformance({ command: localePort, cases })
    const failed = failures(report.results)
    const names = failed.map((f) => f.case.name)
    // The two mistakes, each caught where the rules say so.
    expect(names).toContain(
      'case-insensitive: U+0130 lower-cases to i + U+0307 without a locale, not to i',
    )
    expect(names).toContain(
      'groups by code units: Z < z < é < emoji (surrogate pair) < U+FF01, ties by id',
    )
    expect(names).toContain(
      'slice: keys are lower-cased as rule 1 does, U+0130 becoming i + U+0307',
    )
    expect(failed.every((f) => f.kind === 'mismatch')).toBe(true)
    expect(report.failed).toBe(failed.length)
    expect(report.passed + report.failed).toBe(cases.length)
    const text = formatReport(report)
    expect(text).toContain(
      'FAIL diff-rule-07-order.json › groups by code units: Z < z < é < emoji (surrogate pair) < U+FF01, ties by id\n     at /toAdd/0: expected "c", got "f"',
    )
    expect(text).toMatch(/^diff-rule-07-order\.json +6 +4 +2$/m)
    expect(text.split('\n').at(-1)).toBe(`${report.passed} passed, ${report.failed} failed`)
  })
})

describe('a port whose login sync ignores the mass-removal guard', () => {
  it('fails exactly the scenarios in which the guard trips, named, and passes the rest', async () => {
    const cases = loadCases().filter((c) => c.part === 'sync')
    const report = await runConformance({ command: unguardedPort, cases })
    const failed = failures(report.results)
    expect(failed.map((f) => f.case.name).sort()).toEqual(
      [
        'a mass-removal limit below zero is SYNC_POLICY_INVALID',
        "precedence: in a policy, an unknown name at any depth is named before any invalid value (massRemovalGuard's before absent's)",
        'more removals than maxRemovals is denied, with removals, memberships and the limit',
        'a larger share than maxRemovalPercent is denied (3 of 4 > 50%)',
        'with both limits, either one trips the guard; the event holds both',
        'an absent claim read as empty is guarded too',
      ].sort(),
    )
    expect(failed.every((f) => f.kind === 'mismatch')).toBe(true)
    expect(report.passed).toBe(cases.length - failed.length)
    const text = formatReport(report)
    expect(text).toContain(
      'FAIL sync-rule-06-mass-removal-guard.json › an absent claim read as empty is guarded too\n     at /result/status: expected "denied", got "synced"',
    )
    expect(text).toMatch(/^sync-rule-06-mass-removal-guard\.json +8 +4 +4$/m)
  })
})

const flippedPort = (decision: string): string => node('dist/ports/flipped-port.js', decision)

/** Every decision of docs/rules.md made the other way, and vectors that must catch it. */
const FLIPPED: readonly {
  readonly decision: string
  readonly point: string
  readonly part: Part
  readonly caughtBy: readonly string[]
}[] = [
  {
    decision: 'policy-before-mapping-off',
    point: '1: the order of a login’s checks',
    part: 'sync',
    caughtBy: ['mapping off: the policy is not read, so a misspelt one is no error'],
  },
  {
    decision: 'claim-option-as-part-2',
    point: '2: a bad claim option in a policy',
    part: 'sync',
    caughtBy: [
      'a claim option of the wrong type in a policy is SYNC_POLICY_INVALID at /policy/claimsOptions/<option>',
      'a glob that is not a string, in a policy, is SYNC_POLICY_INVALID at its pointer under /policy/claimsOptions',
    ],
  },
  {
    decision: 'resolved-state-of-answer',
    point: '3: the claim summary of a resolved overage',
    part: 'sync',
    caughtBy: [
      'overage resolved to present groups: synced to them, the claim from the distributed source',
    ],
  },
  {
    decision: 'preset-without-policy-defaults',
    point: '4: a preset is all of its data',
    part: 'sync',
    caughtBy: [
      'preset google-workspace: its absent: resolve asks the resolver for the groups Google never sends',
    ],
  },
  {
    decision: 'removals-first',
    point: '5: the order of one login’s events',
    part: 'sync',
    caughtBy: [
      'events of one login: the added groups in the order of added (by name, then id), then the removed in the order of removed',
    ],
  },
  {
    decision: 'future-without-tolerance',
    point: '6: a time in the future, with the tolerance',
    part: 'sync',
    caughtBy: ['an iat exactly the clock tolerance (30 s) ahead is applied and recorded'],
  },
  {
    decision: 'removal-before-last-sync',
    point: '6: S12 and S13 together',
    part: 'sync',
    caughtBy: [
      'a token older than the last sync and issued before the removal is stale older-than-last-sync: S12 is checked first',
    ],
  },
  {
    decision: 'stale-ties-reversed',
    point: '7: listStaleMembers ties',
    part: 'sync',
    caughtBy: ['users with the same last sync are listed by user id in code-unit order'],
  },
  {
    decision: 'empty-filter-lists-allowed',
    point: '8: a filter of empty lists is neither',
    part: 'claims',
    caughtBy: ['filter: empty lists of prefixes and globs are neither: refused at the filter'],
  },
  {
    decision: 'go-json-digest',
    point: '9: the digest needs JSON.stringify’s text',
    part: 'sync',
    caughtBy: [
      "the digest is of JSON.stringify's text: <, >, & and U+2028 as themselves, a quote, a backslash and control characters escaped",
    ],
  },
  {
    decision: 'java-lower-case',
    point: '10: Java’s toLowerCase(Locale.ROOT), Final_Sigma by word boundary',
    part: 'diff',
    caughtBy: [
      "case-insensitive: a sigma after a digit after a letter is not final: A0\u03a3 lower-cases to a0\u03c3 (a word-boundary rule, as Java's, says \u03c2)",
      'case-insensitive: case-ignorable characters between a letter and a sigma are skipped: A^\u03a3 lower-cases to a^\u03c2 (a word-boundary rule says \u03c3)',
      'case-insensitive: a cased letter after case-ignorable characters makes a sigma medial: A\u03a3^B lower-cases to a\u03c3^b (a word-boundary rule says \u03c2)',
    ],
  },
  {
    decision: 'python-casefold',
    point: '10: Python’s str.casefold',
    part: 'diff',
    caughtBy: [
      'case-insensitive: lower-casing is not case folding, so STRASSE does not match straße',
      'case-insensitive: lower-casing is not case folding: micro sign U+00B5 stays, final sigma stays, so neither matches \u03bc nor \u03c3',
    ],
  },
  {
    decision: 'go-lower-case',
    point: '10: Go’s strings.ToLower',
    part: 'diff',
    caughtBy: [
      'case-insensitive: U+0130 lower-cases to i + U+0307 without a locale, not to i',
      'case-insensitive: a final capital sigma lower-cases to the final sigma U+03C2',
    ],
  },
]

describe('a port that makes one decision of the rules the other way', () => {
  it.each(FLIPPED)(
    'fails the vectors of point $point ($decision)',
    async ({ decision, part, caughtBy }) => {
      const cases = loadCases().filter((c) => c.part === part)
      for (const name of caughtBy) expect(cases.map((c) => c.name)).toContain(name)
      const report = await runConformance({ command: flippedPort(decision), cases })
      const failed = failures(report.results)
      expect(failed.map((f) => f.case.name)).toEqual(expect.arrayContaining([...caughtBy]))
      expect(failed.every((f) => f.kind === 'mismatch')).toBe(true)
      expect(report.passed + report.failed).toBe(cases.length)
    },
    60_000,
  )

  it('fails every scenario with an event when it adds one unknown member to the first event', async () => {
    const cases = loadCases().filter((c) => c.part === 'sync')
    const withEvents = cases.filter((c) => {
      const expected = c.expectation.expected as { readonly events?: readonly unknown[] }
      return (expected.events?.length ?? 0) > 0
    })
    expect(withEvents.length).toBeGreaterThan(20)
    const report = await runConformance({ command: flippedPort('extra-event-member'), cases })
    const failed = failures(report.results)
    expect(failed.map((f) => f.case.name).sort()).toEqual(withEvents.map((c) => c.name).sort())
    for (const f of failed)
      expect(f.reason).toBe('at /events/0/severity: expected absent, got "info"')
  }, 60_000)
})

/** Runs the command line, as `pnpm conformance` does. */
function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [join(packageDir, 'dist/bin.js'), ...args], {
    cwd: packageDir,
    encoding: 'utf8',
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('the command line', () => {
  it('exits 0 when every vector passes, closing with "N passed, 0 failed"', () => {
    const run = cli('--exec', typescriptPort)
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`${loadCases().length} passed, 0 failed`)
    expect(run.stdout).toMatch(/^file +vectors +passed +failed$/m)
    expect(run.stdout).toMatch(/^presets\/okta\.json +\d+ +\d+ +0$/m)
  })

  it('exits 1 when a vector fails; --part and the separator pnpm passes on are understood', () => {
    const run = cli('--', '--exec', localePort, '--part', 'diff')
    expect(run.status, run.stderr).toBe(1)
    expect(run.stdout).not.toContain('claims-')
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, [1-9]\d* failed$/)
  })

  it('exits 2 for a usage error, naming it', () => {
    const bare = cli()
    expect(bare.status).toBe(2)
    expect(bare.stderr).toContain('--exec is required')
    expect(cli('--exec', typescriptPort, '--part', 'login').stderr).toContain('--part login is not')
    expect(cli('--exec', typescriptPort, '--timeout', '0').status).toBe(2)
    expect(cli('--exec', typescriptPort, '--bogus').status).toBe(2)
  })

  it('exits 2 for a vector file not in the documented format, naming the file and the member', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-'))
    const vector = { name: 'x', rule: 1, input: {}, expected: { toAdd: [], toRemove: [] } }
    writeFileSync(join(dir, 'diff-bad.json'), JSON.stringify({ vectors: [vector] }))
    const missing = cli('--exec', typescriptPort, '--vectors', dir)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('diff-bad.json: /vectors/0/expected/unchanged')

    const misspelt = { name: 'x', rule: 1, input: {}, expectedErorr: { code: 'X' } }
    writeFileSync(join(dir, 'diff-bad.json'), JSON.stringify({ vectors: [misspelt] }))
    const unknown = cli('--exec', typescriptPort, '--vectors', dir)
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('diff-bad.json: /vectors/0/expectedErorr')
  })
})

/** Five small diff cases: each claim names one group, which the user joins. */
const synthetic: Case[] = [0, 1, 2, 3, 4].map((index) => ({
  file: 'synthetic.json',
  index,
  name: `case ${index}`,
  part: 'diff',
  input: {
    claimGroups: ['dev'],
    orgGroups: [{ id: `g${index}`, name: 'dev' }],
    current: [],
    options: {},
  },
  expectation: {
    kind: 'output',
    expected: { toAdd: [`g${index}`], toRemove: [], unchanged: [], unmatchedClaims: [] },
  },
}))

/** The result of each synthetic case: `pass`, or the kind of failure. */
const kinds = (results: readonly CaseResult[]) =>
  results.map((result) => (result.passed ? 'pass' : result.kind))

describe('a port that crashes, hangs or answers garbage', () => {
  it('a crash fails that case with the exit code and the end of standard error; the port is restarted', async () => {
    const report = await runConformance({
      command: faultyPort('crash', 'synthetic.json#1'),
      cases: synthetic,
    })
    expect(kinds(report.results)).toEqual(['pass', 'crash', 'pass', 'pass', 'pass'])
    const [failure] = failures(report.results)
    expect(failure?.reason).toContain('the port exited with code 3 before answering')
    expect(failure?.reason).toContain('boom: crashing on purpose')
    expect(formatReport(report)).toContain('FAIL synthetic.json › case 1')
    expect(formatReport(report).split('\n').at(-1)).toBe('4 passed, 1 failed')
  })

  it('a hang fails that case after the timeout; the port is stopped and restarted', async () => {
    const report = await runConformance({
      command: faultyPort('hang', 'synthetic.json#2'),
      cases: synthetic,
      timeoutMs: 2_500,
      startupMs: 20_000,
    })
    expect(kinds(report.results)).toEqual(['pass', 'pass', 'timeout', 'pass', 'pass'])
    expect(failures(report.results)[0]?.reason).toBe(
      'no answer within 2500 ms (the port was stopped)',
    )
  })

  it.each([
    ['garbage', 'malformed answer: not JSON: this is not json'],
    ['wrong-id', 'malformed answer: the answer is for id "another", not "synthetic.json#3"'],
    ['not-utf8', 'malformed answer: not UTF-8 (bytes fffe…)'],
    ['both', 'malformed answer: exactly one of "output" and "error" is needed'],
  ])('a malformed answer (%s) fails that case, saying why', async (mode, reason) => {
    const report = await runConformance({
      command: faultyPort(mode, 'synthetic.json#3'),
      cases: synthetic,
    })
    expect(kinds(report.results)).toEqual(['pass', 'pass', 'pass', 'malformed', 'pass'])
    expect(failures(report.results)[0]?.reason).toContain(reason)
  })

  it.each(['crlf', 'blank-lines'])('answers with %s are read as usual', async (mode) => {
    const report = await runConformance({ command: faultyPort(mode), cases: synthetic })
    expect(kinds(report.results)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
  })

  it('a port that cannot start is given up on after three cases; the rest are not run', async () => {
    const report = await runConformance({ command: faultyPort('exit-at-start'), cases: synthetic })
    expect(kinds(report.results)).toEqual(['crash', 'crash', 'crash', 'not-run', 'not-run'])
    expect(failures(report.results)[0]?.reason).toContain('cannot start: no such runtime')
    expect(report.stopped).toBe('the port gave no usable answer to 3 cases in a row')
    const text = formatReport(report)
    expect(text).toContain(
      'Stopped: the port gave no usable answer to 3 cases in a row; the 2 cases after them were not run (counted as failed).',
    )
    expect(text.split('\n').at(-1)).toBe('0 passed, 5 failed')
  })

  it('a command the shell cannot find is a crash with its message', async () => {
    const report = await runConformance({
      command: 'groupsync-no-such-port-anywhere',
      cases: synthetic.slice(0, 1),
    })
    expect(kinds(report.results)).toEqual(['crash'])
    expect(failures(report.results)[0]?.reason).toMatch(/exited with code 127[^]*not found/)
  })

  it('a port that never answers costs three timeouts, not one per case', async () => {
    const started = Date.now()
    const report = await runConformance({
      command: faultyPort('hang-always'),
      cases: synthetic,
      timeoutMs: 200,
      startupMs: 0,
    })
    expect(kinds(report.results)).toEqual(['timeout', 'timeout', 'timeout', 'not-run', 'not-run'])
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('a wrong answer is a mismatch naming the first difference, and the port keeps running', async () => {
    const wrong: Case = {
      ...synthetic[0]!,
      name: 'expects another group',
      expectation: {
        kind: 'output',
        expected: { toAdd: ['g9'], toRemove: [], unchanged: [], unmatchedClaims: [] },
      },
    }
    const report = await runConformance({
      command: typescriptPort,
      cases: [wrong, wrong, wrong, wrong, ...synthetic.slice(1)],
      maxUnansweredInARow: 1,
    })
    expect(kinds(report.results)).toEqual([
      'mismatch',
      'mismatch',
      'mismatch',
      'mismatch',
      'pass',
      'pass',
      'pass',
      'pass',
    ])
    expect(failures(report.results)[0]?.reason).toBe('at /toAdd/0: expected "g9", got "g0"')
  })
})
