/**
 * The parts of a Stryker JSON report (mutation-testing-report-schema) that the summary reads.
 * Declared here rather than imported, as kysely declares the subset of `pg` it needs.
 */
export interface StrykerReport {
  readonly files: Readonly<Record<string, StrykerFileResult>>
}

/** One mutated file of a {@link StrykerReport}. */
export interface StrykerFileResult {
  readonly source: string
  readonly mutants: readonly StrykerMutant[]
}

/** A position in a source file; both numbers start at 1. */
export interface SourcePosition {
  readonly line: number
  readonly column: number
}

/** One mutant of a {@link StrykerFileResult}. */
export interface StrykerMutant {
  readonly id: string
  readonly mutatorName: string
  readonly replacement?: string
  readonly status: MutantStatus
  readonly location: { readonly start: SourcePosition; readonly end: SourcePosition }
  readonly static?: boolean
}

/** The states a Stryker mutant can end in. */
export type MutantStatus =
  | 'Killed'
  | 'Survived'
  | 'NoCoverage'
  | 'Timeout'
  | 'CompileError'
  | 'RuntimeError'
  | 'Ignored'
  | 'Pending'

/**
 * A surviving mutant judged equivalent: no test can tell it from the original, because the
 * program behaves the same. Matched by file, mutator and the code before and after (whitespace
 * collapsed), not by line, so the entry keeps matching as the file around it changes.
 */
export interface EquivalentMutant {
  /** Repository-relative path of the mutated file. */
  readonly file: string
  readonly mutator: string
  /** The mutated code as written in the source. */
  readonly original: string
  /** The code Stryker put in its place. */
  readonly replacement: string
  /** One line: why no test can tell the two apart. */
  readonly reason: string
  /**
   * For code that occurs more than once in the file where only one occurrence is equivalent: a
   * piece of the source on the mutant's first line or the two lines after it, which only that
   * occurrence has. The entry then matches only there.
   */
  readonly context?: string
}

/** A surviving (or uncovered) mutant, where it is and what it changed. */
export interface SurvivorSummary {
  readonly file: string
  readonly line: number
  readonly mutator: string
  readonly original: string
  readonly replacement: string
  readonly status: 'Survived' | 'NoCoverage'
  /** The reason, when the mutant is a listed equivalent. */
  readonly equivalent?: string
}

/** Counts and scores of one mutated file. */
export interface FileSummary {
  readonly file: string
  readonly mutants: number
  readonly killed: number
  readonly timeout: number
  readonly survived: number
  readonly noCoverage: number
  /** Survivors that are listed equivalents. */
  readonly equivalent: number
  /** Compile and runtime errors and ignored mutants: not part of the score, as in Stryker. */
  readonly invalid: number
  /** Stryker's mutation score: detected / (detected + survived + no coverage), in percent. */
  readonly score: number
  /** The same with the listed equivalents left out of the denominator. */
  readonly scoreWithoutEquivalents: number
  readonly survivors: readonly SurvivorSummary[]
}

const collapse = (code: string): string => code.replace(/\s+/g, ' ').trim()

/** The source text between two positions (both 1-based, end exclusive). */
export function sourceBetween(source: string, start: SourcePosition, end: SourcePosition): string {
  const lines = source.split('\n')
  if (start.line === end.line) {
    return (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1)
  }
  const first = (lines[start.line - 1] ?? '').slice(start.column - 1)
  const middle = lines.slice(start.line, end.line - 1)
  const last = (lines[end.line - 1] ?? '').slice(0, end.column - 1)
  return [first, ...middle, last].join('\n')
}

const equivalentKey = (file: string, mutator: string, original: string, replacement: string) =>
  JSON.stringify([file, mutator, collapse(original), collapse(replacement)])

/** How many lines after a mutant's first line an entry's `context` may lie. */
const CONTEXT_LINES = 2

/** The reason of the first entry that matches, or undefined. */
const reasonFor = (
  entries: readonly EquivalentMutant[] | undefined,
  lines: readonly string[],
  line: number,
): string | undefined =>
  entries?.find(
    (e) =>
      e.context === undefined ||
      collapse(lines.slice(line - 1, line + CONTEXT_LINES).join('\n')).includes(
        collapse(e.context),
      ),
  )?.reason

const percent = (part: number, whole: number): number => (whole === 0 ? 100 : (100 * part) / whole)

/**
 * Summarises a Stryker report file by file, marking the survivors that are listed equivalents.
 *
 * @example
 * ```ts
 * const files = summariseReport(JSON.parse(readFileSync('reports/mutation/core.json', 'utf8')), [])
 * files[0]?.score // 93.4
 * ```
 */
export function summariseReport(
  report: StrykerReport,
  equivalents: readonly EquivalentMutant[],
): FileSummary[] {
  const byKey = new Map<string, EquivalentMutant[]>()
  for (const e of equivalents) {
    const key = equivalentKey(e.file, e.mutator, e.original, e.replacement)
    byKey.set(key, [...(byKey.get(key) ?? []), e])
  }
  return Object.entries(report.files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, result]) => {
      const lines = result.source.split('\n')
      const count = (status: MutantStatus) =>
        result.mutants.filter((m) => m.status === status).length
      const survivors = result.mutants
        .filter(
          (m): m is StrykerMutant & { status: 'Survived' | 'NoCoverage' } =>
            m.status === 'Survived' || m.status === 'NoCoverage',
        )
        .map((m): SurvivorSummary => {
          const original = sourceBetween(result.source, m.location.start, m.location.end)
          const replacement = m.replacement ?? ''
          const reason = reasonFor(
            byKey.get(equivalentKey(file, m.mutatorName, original, replacement)),
            lines,
            m.location.start.line,
          )
          return {
            file,
            line: m.location.start.line,
            mutator: m.mutatorName,
            original: collapse(original),
            replacement: collapse(replacement),
            status: m.status,
            ...(reason === undefined ? {} : { equivalent: reason }),
          }
        })
        .sort((a, b) => a.line - b.line)
      const killed = count('Killed')
      const timeout = count('Timeout')
      const survived = count('Survived')
      const noCoverage = count('NoCoverage')
      const equivalent = survivors.filter((s) => s.equivalent !== undefined).length
      const valid = killed + timeout + survived + noCoverage
      return {
        file,
        mutants: result.mutants.length,
        killed,
        timeout,
        survived,
        noCoverage,
        equivalent,
        invalid: result.mutants.length - valid,
        score: percent(killed + timeout, valid),
        scoreWithoutEquivalents: percent(killed + timeout, valid - equivalent),
        survivors,
      }
    })
}

/** The score of several files together, in percent, as Stryker computes it for a run. */
export function totalScore(files: readonly FileSummary[], withoutEquivalents = false): number {
  const detected = files.reduce((n, f) => n + f.killed + f.timeout, 0)
  const valid = files.reduce((n, f) => n + f.killed + f.timeout + f.survived + f.noCoverage, 0)
  const equivalent = withoutEquivalents ? files.reduce((n, f) => n + f.equivalent, 0) : 0
  return percent(detected, valid - equivalent)
}
