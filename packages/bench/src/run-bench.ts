import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { describeMachine } from './machine.js'
import { replaceSection } from './markdown.js'
import { pgliteVersion, probePostgresServer, shortVersion, type ServerProbe } from './postgres.js'
import type { BenchSuite, GoalResult } from './suite.js'
import { summaryMarkdown } from './summary.js'

/** The start of a `docs/benchmarks.md` that does not exist yet; suites fill in their sections. */
const DOC_HEADER = `# groupsync benchmarks

Written by \`pnpm bench\` (package \`packages/bench\`). Each suite owns the section between its
\`<!-- bench:ID:start -->\` and \`<!-- bench:ID:end -->\` markers and rewrites only that section
when it runs; everything outside the markers is kept. \`pnpm bench --suite ID\` runs one suite,
\`pnpm bench --quick\` runs every suite at small sizes (for CI) without touching this file.

<!-- bench:summary:start -->
<!-- bench:summary:end -->
`

/** Where {@link runBench} reads its suites and writes its report. */
export interface RunBenchOptions {
  /** The command-line arguments, without `node` and the script. */
  readonly argv: readonly string[]
  readonly suites: readonly BenchSuite[]
  /** The `docs/` folder holding `benchmarks.md` and the suites' assets. */
  readonly docsDir: string
  readonly out?: (line: string) => void
  readonly err?: (line: string, error?: unknown) => void
  /** Finds the PostgreSQL server; default {@link probePostgresServer} (`DATABASE_URL`). */
  readonly probe?: () => Promise<ServerProbe>
}

/**
 * `pnpm bench [--quick] [--suite ID]… [--list] [--write | --no-write]`: runs the suites and writes
 * each one's section of `docs/benchmarks.md` (full runs) and, after a full run of every suite, the
 * summary. Resolves to the exit code: 1 if any suite crashed (the others still run), 2 for bad
 * arguments, else 0 — a missed goal is a finding, not a failure.
 *
 * @example
 * ```ts
 * process.exitCode = await runBench({ argv: ['--quick'], suites, docsDir: 'docs' })
 * ```
 */
export async function runBench(options: RunBenchOptions): Promise<number> {
  const out =
    options.out ??
    ((line: string) => {
      console.log(line)
    })
  const err =
    options.err ??
    ((line: string, error?: unknown) => {
      console.error(line, error ?? '')
    })
  const { suites, docsDir } = options
  const docPath = join(docsDir, 'benchmarks.md')
  let values
  try {
    values = parseArgs({
      args: [...options.argv],
      options: {
        quick: { type: 'boolean', default: false },
        suite: { type: 'string', multiple: true },
        list: { type: 'boolean', default: false },
        write: { type: 'boolean' },
        'no-write': { type: 'boolean', default: false },
      },
      strict: true,
    }).values
  } catch (error) {
    err(`pnpm bench: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  if (values.list) {
    for (const s of suites) out(`${s.id}\t${s.title}`)
    return 0
  }
  const wanted = values.suite ?? suites.map((s) => s.id)
  const unknown = wanted.filter((id) => !suites.some((s) => s.id === id))
  if (unknown.length > 0) {
    err(`unknown suite(s): ${unknown.join(', ')}; see --list`)
    return 2
  }
  const write = values['no-write'] ? false : (values.write ?? !values.quick)

  const runStarted = Date.now()
  const machine = describeMachine()
  const probe = options.probe ?? probePostgresServer
  const server = await probe()
  out(
    server.reachable
      ? `PostgreSQL server: ${shortVersion(server.version)} at ${server.url}`
      : `PostgreSQL server unreachable at ${server.url} (${server.reason}): the Postgres suites run on PGlite only`,
  )
  const goals: { readonly suite: string; readonly goal: GoalResult }[] = []
  const crashed: string[] = []
  const withoutGoals: string[] = []
  const writeSection = (id: string, markdown: string): void => {
    const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : DOC_HEADER
    writeFileSync(docPath, replaceSection(doc, id, markdown))
  }
  for (const suite of suites.filter((s) => wanted.includes(s.id))) {
    const started = Date.now()
    out(`\n▶ ${suite.id}: ${suite.title}${values.quick ? ' (quick)' : ''}`)
    try {
      const report = await suite.run({
        quick: values.quick,
        log: (line) => {
          out(`  ${line}`)
        },
      })
      out(`\n${report.markdown}`)
      if (report.goals.length === 0) withoutGoals.push(suite.id)
      for (const g of report.goals) {
        out(`  ${g.met ? '✓' : '✗'} ${g.goal}: ${g.measured}`)
        goals.push({ suite: suite.id, goal: g })
      }
      if (write) {
        writeSection(suite.id, report.markdown)
        for (const asset of report.assets ?? []) {
          const path = join(docsDir, asset.path)
          mkdirSync(dirname(path), { recursive: true })
          writeFileSync(path, asset.content)
        }
        out(`  wrote its section of ${docPath}`)
      }
    } catch (error) {
      // One suite's crash must not hide the others' results; the run still fails at the end.
      crashed.push(suite.id)
      err(`\n✗ suite ${suite.id} crashed:`, error)
    }
    out(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }

  const missed = goals.filter((g) => !g.goal.met).length
  if (missed > 0) out(`\n${missed} goal(s) missed; see the tables above.`)
  const everySuite = suites.every((s) => wanted.includes(s.id))
  if (write && everySuite && crashed.length === 0) {
    writeSection(
      'summary',
      summaryMarkdown({
        machine,
        server,
        pglite: pgliteVersion(),
        seconds: (Date.now() - runStarted) / 1000,
        goals,
        withoutGoals,
      }),
    )
    out(`\nwrote the summary of ${docPath}`)
  }
  if (crashed.length > 0) {
    err(`\n${crashed.length} suite(s) crashed: ${crashed.join(', ')}`)
    return 1
  }
  return 0
}
