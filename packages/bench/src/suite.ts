/** What a suite is told about the run it is part of. */
export interface SuiteContext {
  /** Small inputs and short time budgets: checks the suite still runs (CI), numbers are rough. */
  readonly quick: boolean
  /** Progress lines for the terminal; not part of the report. */
  readonly log: (line: string) => void
}

/** What a suite hands back: its section of `docs/benchmarks.md`, and whether its goals were met. */
export interface SuiteReport {
  /** Markdown of the suite's section, starting with its own `## ` heading. */
  readonly markdown: string
  /** One entry per stated goal; a missed goal is reported, it does not fail the run. */
  readonly goals: readonly GoalResult[]
  /** Files the section links to (a plot), written under `docs/` together with the section. */
  readonly assets?: readonly SuiteAsset[]
}

/** A file a suite writes next to `docs/benchmarks.md`, such as an SVG plot its section shows. */
export interface SuiteAsset {
  /** Path relative to `docs/`, e.g. `benchmarks/sync-time.svg`. */
  readonly path: string
  readonly content: string
}

/** A performance goal of a suite and whether this run met it. */
export interface GoalResult {
  readonly goal: string
  readonly met: boolean
  readonly measured: string
  /** Why a goal was missed or could not be measured, in a sentence (the section has the detail). */
  readonly reason?: string
}

/**
 * One benchmark suite: a family of side-by-side measurements that writes its own section of
 * `docs/benchmarks.md`. Add a suite by implementing this and listing it in `suites/index.ts`.
 *
 * @example
 * ```ts
 * export const mySuite: BenchSuite = {
 *   id: 'claim-extraction',
 *   title: 'Claim extraction',
 *   run: async ({ quick }) => ({ markdown: '## Claim extraction\n…', goals: [] }),
 * }
 * ```
 */
export interface BenchSuite {
  /** Stable id: names the suite on the command line and marks its section in the doc. */
  readonly id: string
  /** One line for `--list` and progress output. */
  readonly title: string
  readonly run: (context: SuiteContext) => Promise<SuiteReport>
}
