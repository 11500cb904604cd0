import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describeMachine, replaceSection } from '@groupsync/bench'
import { EQUIVALENT_MUTANTS } from './equivalents.js'
import { MUTATION_DOC_HEAD, targetMarkdown, type TargetRun } from './render.js'
import { summariseReport, totalScore, type StrykerReport } from './report.js'

/**
 * The targets CI runs (`pnpm mutation --ci`): the rules and the claim checks, whose full run fits
 * CI's time on two cores; the rest run on demand.
 */
export const CI_TARGETS: readonly string[] = ['core-rules', 'claims']

/** What `pnpm mutation` was asked to do. */
export interface MutationArgs {
  readonly targets: readonly string[]
  readonly incremental: boolean
  readonly concurrency: number | undefined
  readonly write: boolean
  readonly list: boolean
  readonly ci: boolean
}

/** Thrown for arguments `pnpm mutation` does not take; the message says what it takes. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

const USAGE =
  'usage: pnpm mutation [TARGET…] [--incremental] [--concurrency N] [--write | --no-write] [--ci] [--list]'

/**
 * Parses `pnpm mutation`'s arguments against the known targets. No target means every target;
 * `--ci` means the CI targets without writing the doc.
 *
 * @throws {@link UsageError} for an unknown flag or target, or a bad `--concurrency`
 */
export function parseMutationArgs(argv: readonly string[], known: readonly string[]): MutationArgs {
  const targets: string[] = []
  let incremental = false
  let concurrency: number | undefined
  let write: boolean | undefined
  let list = false
  let ci = false
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? ''
    if (arg === '--') continue
    else if (arg === '--incremental') incremental = true
    else if (arg === '--write') write = true
    else if (arg === '--no-write') write = false
    else if (arg === '--list') list = true
    else if (arg === '--ci') ci = true
    else if (arg === '--concurrency') {
      const n = Number(argv[i + 1])
      if (!Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`--concurrency takes a whole number ≥ 1\n${USAGE}`)
      concurrency = n
      i += 1
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`)
    else if (!known.includes(arg)) {
      throw new UsageError(`unknown target ${arg}; the targets are ${known.join(', ')}\n${USAGE}`)
    } else if (!targets.includes(arg)) targets.push(arg)
  }
  const chosen =
    targets.length > 0 ? targets : ci ? CI_TARGETS.filter((t) => known.includes(t)) : known
  return { targets: chosen, incremental, concurrency, write: write ?? !ci, list, ci }
}

/** The targets: one Stryker config per target in `packages/mutation/stryker/NAME.config.mjs`. */
export function listTargets(strykerDir: string): string[] {
  return readdirSync(strykerDir)
    .filter((f) => f.endsWith('.config.mjs'))
    .map((f) => f.slice(0, -'.config.mjs'.length))
    .sort()
}

/** The part of a target's Stryker config the runner reads. */
interface TargetConfig {
  readonly mutate: readonly string[]
  readonly concurrency: number
  readonly thresholds: { readonly break: number }
  readonly jsonReporter: { readonly fileName: string }
}

const runStryker = (root: string, configFile: string, extra: readonly string[]): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      join(root, 'node_modules', '.bin', 'stryker'),
      ['run', configFile, ...extra],
      {
        cwd: root,
        stdio: 'inherit',
      },
    )
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 128))
    })
  })

/** Where `pnpm mutation` works: the repository root and its docs. */
export interface MutationPaths {
  readonly root: string
  readonly strykerDir: string
  readonly docFile: string
}

/**
 * Runs Stryker for each chosen target, one after another (each already uses the cores it is
 * given), summarises the reports, rewrites the targets' sections of `docs/mutation.md` and says on
 * the terminal where each target stands. Resolves to the exit code: 1 when a target crashed or
 * scored under its threshold, 2 for bad arguments, else 0.
 */
export async function runMutation(argv: readonly string[], paths: MutationPaths): Promise<number> {
  const known = listTargets(paths.strykerDir)
  let args: MutationArgs
  try {
    args = parseMutationArgs(argv, known)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(error.message)
    return 2
  }
  if (args.list) {
    for (const t of known) console.log(`${t}${CI_TARGETS.includes(t) ? ' (CI)' : ''}`)
    return 0
  }
  const strykerVersion = (
    JSON.parse(
      readFileSync(
        join(paths.root, 'node_modules', '@stryker-mutator', 'core', 'package.json'),
        'utf8',
      ),
    ) as { version: string }
  ).version
  let failed = false
  const runs: TargetRun[] = []
  for (const target of args.targets) {
    const configFile = join(paths.strykerDir, `${target}.config.mjs`)
    const config = ((await import(pathToFileURL(configFile).href)) as { default: TargetConfig })
      .default
    const reportFile = join(paths.root, config.jsonReporter.fileName)
    const startedAt = new Date()
    const machine = describeMachine()
    // Every run keeps its results in the target's incremental file (committed beside the config):
    // a full run (--force) renews it, an --incremental run reuses it for unchanged code and tests.
    const extra = [
      '--incremental',
      ...(args.incremental ? [] : ['--force']),
      ...(args.concurrency === undefined ? [] : ['--concurrency', String(args.concurrency)]),
    ]
    console.log(`mutation: ${target}: stryker run ${configFile} ${extra.join(' ')}`)
    const code = await runStryker(paths.root, configFile, extra)
    if (!existsSync(reportFile) || statSync(reportFile).mtimeMs < startedAt.getTime()) {
      console.error(`mutation: ${target}: Stryker exited with ${code} and wrote no report`)
      failed = true
      continue
    }
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as StrykerReport
    const files = summariseReport(report, EQUIVALENT_MUTANTS)
    const score = totalScore(files)
    const unexplained = files.flatMap((f) => f.survivors).filter((s) => s.equivalent === undefined)
    const below = score < config.thresholds.break
    if (below || code !== 0) failed = true
    console.log(
      `mutation: ${target}: score ${score.toFixed(2)}% (threshold ${config.thresholds.break}%)${below ? ' — BELOW THE THRESHOLD' : ''}; ${unexplained.length} survivors neither killed nor listed as equivalent`,
    )
    runs.push({
      target,
      mutate: config.mutate,
      breakAt: config.thresholds.break,
      files,
      startedAt,
      minutes: (Date.now() - startedAt.getTime()) / 60_000,
      machine,
      concurrency: args.concurrency ?? config.concurrency,
      incremental: args.incremental,
      strykerVersion,
    })
  }
  if (args.write && runs.length > 0) {
    let doc = existsSync(paths.docFile) ? readFileSync(paths.docFile, 'utf8') : MUTATION_DOC_HEAD
    for (const run of runs) {
      doc = replaceSection(
        doc,
        run.target,
        targetMarkdown(run, CI_TARGETS.includes(run.target)),
        'mutation',
      )
    }
    writeFileSync(paths.docFile, doc)
    console.log(`mutation: wrote ${paths.docFile}`)
  }
  return failed ? 1 : 0
}
