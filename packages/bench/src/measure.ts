import { Bench } from 'tinybench'

/** A function to time, with the budget it gets per round. */
export interface TimedTask {
  readonly name: string
  readonly fn: () => unknown
  /** Minimum timed calls per round. */
  readonly iterations: number
  /** Time budget per round in ms; the round runs until both this and `iterations` are reached. */
  readonly timeMs: number
  /** Untimed calls before the first round, so the JIT has compiled the code being timed. */
  readonly warmupIterations: number
  /**
   * `fn` returns a promise and each call is timed until it settles (a database round trip).
   * Without this, a returned promise is stored, not awaited.
   */
  readonly async?: boolean
  /**
   * Called, untimed, after the first round with the result of the task's first call: throw to
   * void the run when the output is wrong. For a task too slow to call once more just to check.
   */
  readonly check?: (result: unknown) => void
  /** Run the task in the first `maxRounds` rounds only (a task of many seconds per call). */
  readonly maxRounds?: number
}

/** Latency of one task over all rounds, in milliseconds per call. */
export interface Measurement {
  readonly name: string
  readonly samples: number
  readonly median: number
  readonly mean: number
  readonly min: number
  /** Relative margin of error of the mean, in percent (95 % confidence). */
  readonly rme: number
}

/** Sink for task results, so the engine cannot drop a call whose result is unused. */
let sink: unknown
/** Reads the sink; exists only so the sink is observable. */
export const lastResult = (): unknown => sink

const collectGarbage = (): void => {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/**
 * The `q` quantile (0 to 1) of ascending `sorted` values, interpolated between neighbours;
 * NaN for no values.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5) // 2.5
 * ```
 */
export const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = sorted[Math.floor(pos)] ?? Number.NaN
  const hi = sorted[Math.ceil(pos)] ?? Number.NaN
  return lo + (hi - lo) * (pos - Math.floor(pos))
}

function summarise(name: string, samples: readonly number[]): Measurement {
  const sorted = [...samples].sort((a, b) => a - b)
  const n = sorted.length
  const mean = sorted.reduce((s, x) => s + x, 0) / n
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0
  // 1.96: normal approximation; these are rough error bars, not a statistics library.
  const rme = n > 1 ? ((1.96 * Math.sqrt(variance / n)) / mean) * 100 : Number.NaN
  return {
    name,
    samples: n,
    median: quantile(sorted, 0.5),
    mean,
    min: sorted[0] ?? Number.NaN,
    rme,
  }
}

/**
 * Times tasks side by side with tinybench, in `rounds` rounds that each run every task in turn,
 * and pools the samples. Rounds spread each task over the whole run, so a burst of load from
 * other processes does not land on one task only; the median is robust to the bursts that remain.
 *
 * @example
 * ```ts
 * const [m] = await measureSideBySide([{ name: 'sum', fn: () => sum(xs), iterations: 10, timeMs: 500, warmupIterations: 5 }], 3)
 * console.log(m.median)
 * ```
 */
export async function measureSideBySide(
  tasks: readonly TimedTask[],
  rounds: number,
  onRound: (round: number) => void = () => undefined,
): Promise<Measurement[]> {
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  for (let round = 0; round < rounds; round++) {
    onRound(round)
    for (const task of tasks) {
      if (round >= (task.maxRounds ?? rounds)) continue
      // Collect the previous task's garbage now, not while this task is being timed
      // (`pnpm bench` runs node with --expose-gc).
      collectGarbage()
      const bench = new Bench({
        iterations: task.iterations,
        time: task.timeMs,
        warmup: round === 0 && task.warmupIterations > 0,
        warmupIterations: task.warmupIterations,
        warmupTime: 0,
        retainSamples: true,
        throws: true,
      })
      // Keep the first result of the task for its check, which runs after the round, untimed.
      let first: { readonly result: unknown } | undefined
      const keep = (result: unknown): void => {
        sink = result
        first ??= { result }
      }
      bench.add(
        task.name,
        task.async === true
          ? async () => {
              keep(await task.fn())
            }
          : () => {
              keep(task.fn())
            },
      )
      await bench.run()
      const result = bench.getTask(task.name)?.result
      if (result?.state !== 'completed') {
        throw new Error(
          `benchmark task ${task.name} did not complete (${result?.state ?? 'missing'})`,
        )
      }
      if (round === 0 && task.check !== undefined && first !== undefined) task.check(first.result)
      // A loop, not push(...xs): a fast task leaves more samples than a call can take arguments.
      const pooled = samples.get(task.name) ?? []
      for (const sample of result.latency.samples ?? []) pooled.push(sample)
    }
  }
  return tasks.map((t) => summarise(t.name, samples.get(t.name) ?? []))
}

/**
 * The measurement of the task called `name` in the results of {@link measureSideBySide}; throws
 * when there is none, which is a bug in the suite.
 *
 * @example
 * ```ts
 * const ours = byName(await measureSideBySide(tasks, 3), 'groupsync')
 * ```
 */
export function byName(measurements: readonly Measurement[], name: string): Measurement {
  const m = measurements.find((x) => x.name === name)
  if (m === undefined) throw new Error(`no measurement of the task ${name}`)
  return m
}
