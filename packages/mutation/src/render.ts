import { machineMarkdown, markdownTable, type MachineInfo } from '@groupsync/bench'
import { totalScore, type FileSummary, type SurvivorSummary } from './report.js'

/** One target's run, as {@link targetMarkdown} writes it. */
export interface TargetRun {
  readonly target: string
  /** The files the target mutates, as its Stryker config lists them. */
  readonly mutate: readonly string[]
  /** The score under which the run fails. */
  readonly breakAt: number
  readonly files: readonly FileSummary[]
  readonly startedAt: Date
  readonly minutes: number
  readonly machine: MachineInfo
  readonly concurrency: number
  readonly incremental: boolean
  readonly strykerVersion: string
}

/** The intro of `docs/mutation.md`: what writes it and how to read it. */
export const MUTATION_DOC_HEAD = `# Mutation testing

Written by \`pnpm mutation\` (package \`packages/mutation\`, StrykerJS with its vitest runner). A
mutant is a small change to the code (a condition turned to \`true\`, \`<\` to \`<=\`, a check
deleted); a test suite that is worth its name fails on it. Each target owns the section between
its \`<!-- mutation:ID:start -->\` and \`<!-- mutation:ID:end -->\` markers and rewrites only that
section when it runs. \`pnpm mutation core\` runs one target, \`--incremental\` reuses the last
run's results for the code and tests that did not change, \`--list\` shows the targets.

The score is Stryker's: mutants detected (killed, or the tests timed out) over every mutant that
ran (detected, survived, or covered by no test). A surviving mutant is either killed by a test
that states a rule, or listed as **equivalent** below with the reason no test can tell it from
the original (\`packages/mutation/src/equivalents.ts\`). The score "without equivalents" leaves
those out. CI (\`bash .ci/run\`) runs the targets marked so below and fails under their threshold.
`

const pct = (n: number): string => `${n.toFixed(1)}%`

const code = (text: string): string =>
  text === ''
    ? '(nothing)'
    : `\`${(text.length > 90 ? `${text.slice(0, 87)}…` : text).replaceAll('|', '\\|').replaceAll('`', "'")}\``

const cell = (text: string): string => text.replaceAll('|', '\\|')

const survivorRow = (s: SurvivorSummary, reason?: string): string[] => [
  `\`${s.file.replace(/^packages\//, '')}:${s.line}\``,
  s.mutator,
  code(s.original),
  code(s.replacement),
  ...(reason === undefined
    ? [s.status === 'NoCoverage' ? 'no test runs it' : 'survived']
    : [cell(reason)]),
]

/**
 * The section of `docs/mutation.md` for one target's run: when and where it ran, the score per
 * file, every equivalent mutant with its reason, and every survivor still unexplained.
 */
export function targetMarkdown(run: TargetRun, inCi: boolean): string {
  const score = totalScore(run.files)
  const withoutEquivalents = totalScore(run.files, true)
  const survivors = run.files.flatMap((f) => f.survivors)
  const equivalents = survivors.filter((s) => s.equivalent !== undefined)
  const unexplained = survivors.filter((s) => s.equivalent === undefined)
  const rows = run.files.map((f) => [
    `\`${f.file}\``,
    String(f.mutants),
    String(f.killed),
    String(f.timeout),
    String(f.survived),
    String(f.equivalent),
    String(f.noCoverage),
    pct(f.score),
    pct(f.scoreWithoutEquivalents),
  ])
  const started = run.startedAt.toISOString().slice(0, 16).replace('T', ' ')
  return [
    `## ${run.target}`,
    '',
    `Run: ${started} UTC, ${run.minutes.toFixed(1)} min, Stryker ${run.strykerVersion}, concurrency ${run.concurrency}, ${run.incremental ? 'incremental (results of unchanged code and tests reused)' : 'every mutant run'}.`,
    '',
    machineMarkdown(run.machine),
    '',
    `**Score ${pct(score)}** (${pct(withoutEquivalents)} without the ${equivalents.length} equivalent mutants); the run fails below ${pct(run.breakAt)}${inCi ? ', and CI runs it' : '; run on demand'}.`,
    '',
    markdownTable(
      [
        'file',
        'mutants',
        'killed',
        'timeout',
        'survived',
        'equivalent',
        'no coverage',
        'score',
        'without equivalents',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `### Equivalent mutants (${equivalents.length})`,
    '',
    equivalents.length === 0
      ? 'None.'
      : markdownTable(
          ['where', 'mutator', 'code', 'becomes', 'why no test can tell them apart'],
          equivalents.map((s) => survivorRow(s, s.equivalent)),
        ),
    '',
    `### Survivors not yet killed or explained (${unexplained.length})`,
    '',
    unexplained.length === 0
      ? 'None.'
      : markdownTable(
          ['where', 'mutator', 'code', 'becomes', 'status'],
          unexplained.map((s) => survivorRow(s)),
        ),
  ].join('\n')
}
