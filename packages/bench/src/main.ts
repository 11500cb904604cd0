import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { replaceSection } from './markdown.js'
import { suites } from './suites/index.js'

// `pnpm bench [--quick] [--suite ID]… [--list] [--write | --no-write]`
// Runs the suites and writes each one's section of docs/benchmarks.md. A quick run (small sizes,
// for CI) prints its tables but does not overwrite the reference numbers unless told to.

const docPath = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url))

const DOC_HEADER = `# groupsync benchmarks

Written by \`pnpm bench\` (package \`packages/bench\`). Each suite owns the section between its
\`<!-- bench:ID:start -->\` and \`<!-- bench:ID:end -->\` markers and rewrites only that section
when it runs; everything outside the markers is kept. \`pnpm bench --suite ID\` runs one suite,
\`pnpm bench --quick\` runs every suite at small sizes (for CI) without touching this file.
`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      suite: { type: 'string', multiple: true },
      list: { type: 'boolean', default: false },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.list) {
    for (const s of suites) console.log(`${s.id}\t${s.title}`)
    return 0
  }
  const wanted = values.suite ?? suites.map((s) => s.id)
  const unknown = wanted.filter((id) => !suites.some((s) => s.id === id))
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; see --list`)
    return 2
  }
  const write = values['no-write'] ? false : (values.write ?? !values.quick)

  let missed = 0
  for (const suite of suites.filter((s) => wanted.includes(s.id))) {
    const started = Date.now()
    console.log(`\n▶ ${suite.id}: ${suite.title}${values.quick ? ' (quick)' : ''}`)
    const report = await suite.run({
      quick: values.quick,
      log: (line) => {
        console.log(`  ${line}`)
      },
    })
    console.log(`\n${report.markdown}`)
    for (const g of report.goals) {
      console.log(`  ${g.met ? '✓' : '✗'} ${g.goal}: ${g.measured}`)
      if (!g.met) missed++
    }
    if (write) {
      const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : DOC_HEADER
      writeFileSync(docPath, replaceSection(doc, suite.id, report.markdown))
      console.log(`  wrote its section of ${docPath}`)
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
  if (missed > 0) console.log(`\n${missed} goal(s) missed; see the tables above.`)
  // A missed goal is a finding to report, not a failure of the run: exit 0.
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
