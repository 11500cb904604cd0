import type { MachineInfo } from './machine.js'
import { markdownTable } from './markdown.js'
import type { ServerProbe } from './postgres.js'
import type { GoalResult } from './suite.js'

/** What a full run found, for the summary at the top of `docs/benchmarks.md`. */
export interface RunSummary {
  readonly machine: MachineInfo
  readonly server: ServerProbe
  /** Version of the `@electric-sql/pglite` package. */
  readonly pglite: string
  /** Wall time of the whole run. */
  readonly seconds: number
  readonly goals: readonly { readonly suite: string; readonly goal: GoalResult }[]
  /** Suites that ran and stated no goal: they report costs only. */
  readonly withoutGoals: readonly string[]
}

/**
 * The summary section of a full run: the machine (CPU, cores, Node, Postgres), how long the run
 * took, and every goal of every suite, met or not, with the reason where not.
 */
export function summaryMarkdown(run: RunSummary): string {
  const m = run.machine
  const met = run.goals.filter((g) => g.goal.met).length
  const server = run.server.reachable
    ? `${run.server.version} (at \`${run.server.url}\`)`
    : `unreachable at \`${run.server.url}\` (${run.server.reason}); the server measurements were not made`
  return `## Summary

Last full run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${(run.seconds / 60).toFixed(1)} minutes.

- CPU: ${m.cpu}, ${m.cores} cores available to Node, ${m.memoryGiB} GiB RAM
- Node ${m.node} on ${m.platform}
- PostgreSQL server: ${server}
- PGlite ${run.pglite} (\`@electric-sql/pglite\`, PostgreSQL in WebAssembly, in process)
- load average (1 min) at the start of the run: ${m.loadAverage.toFixed(2)} — other work on the machine makes
  every number here slower and noisier; ratios measured side by side in one run hold up better than times.

**Goals: ${met} of ${run.goals.length} met on this machine.**

${markdownTable(
  ['suite', 'goal', 'measured', 'met'],
  run.goals.map(({ suite, goal }) => [
    `\`${suite}\``,
    goal.goal,
    goal.measured,
    goal.met ? 'yes' : `**no** — ${goal.reason ?? 'see the section'}`,
  ]),
)}
${run.withoutGoals.length === 0 ? '' : `\nNo goal is set for ${run.withoutGoals.map((id) => `\`${id}\``).join(' and ')}: ${run.withoutGoals.length === 1 ? 'it reports' : 'they report'} costs only.\n`}`
}
