import { readFileSync } from 'node:fs'
import type { Profiler } from 'node:inspector'
import { Session } from 'node:inspector/promises'
import { fileURLToPath } from 'node:url'
import { formatMs, markdownTable } from './markdown.js'

/**
 * Records a V8 CPU profile of `work`, in this process, through the inspector — the same sampling
 * profiler and the same profile format as `node --cpu-prof`, limited to the code of interest.
 *
 * @example
 * ```ts
 * const profile = await profileCpu(async () => { for (let i = 0; i < 20; i++) diff() })
 * console.log(profileMarkdown(summariseProfile(profile)))
 * ```
 */
export async function profileCpu(
  work: () => Promise<void>,
  intervalMicros = 200,
): Promise<Profiler.Profile> {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: intervalMicros })
    await session.post('Profiler.start')
    const stop = () => session.post('Profiler.stop')
    try {
      await work()
    } catch (error) {
      await stop()
      throw error
    }
    return (await stop()).profile
  } finally {
    session.disconnect()
  }
}

/** Where a profiled function lives: a workspace package, an npm package, Node, or V8 itself. */
export const areaOf = (url: string, functionName: string): string => {
  if (url === '') {
    if (functionName === '(idle)') return 'idle (waiting for I/O)'
    if (functionName === '(garbage collector)') return 'garbage collector'
    return 'V8 and native code'
  }
  if (url.startsWith('node:')) return 'Node.js internals'
  // PGlite's Postgres, compiled to WebAssembly: the SQL work of an embedded database.
  if (url.startsWith('wasm:')) return 'WebAssembly (PGlite: Postgres itself)'
  const workspace = /\/packages\/([^/]+)\/(?:dist|src)\//.exec(url)
  if (workspace !== null) return `@groupsync/${workspace[1] ?? ''}`
  const dependency = /\/node_modules\/(?!\.pnpm\/)((?:@[^/]+\/)?[^/]+)\//.exec(
    url.slice(url.lastIndexOf('/node_modules/')),
  )
  if (dependency !== null) return dependency[1] ?? 'dependency'
  return 'other'
}

/** A short location for a profiled function: the path from its package's folder, and the line. */
const locationOf = (url: string, line: number): string => {
  if (url === '' || url.startsWith('wasm:')) return ''
  const dependency = url.lastIndexOf('/node_modules/')
  const workspace = /\/packages\/(.*)$/.exec(url)
  const path =
    dependency !== -1
      ? url.slice(dependency + '/node_modules/'.length)
      : (workspace?.[1] ?? url.replace(/^file:\/\//, ''))
  return `${path}:${line + 1}`
}

/** Self time of a profile by area and by function, and line ticks of the busiest functions. */
export interface ProfileSummary {
  readonly totalMs: number
  readonly areas: readonly { readonly area: string; readonly ms: number }[]
  readonly functions: readonly {
    readonly name: string
    readonly area: string
    readonly location: string
    readonly ms: number
    /** The lines of the function with the most samples, busiest first, with their source text. */
    readonly hotLines: readonly {
      readonly line: number
      readonly share: number
      readonly text: string
    }[]
  }[]
}

/**
 * Sums a profile's self time (time at the top of the stack) by area and by function, as
 * DevTools' bottom-up view does; the function list leaves out idle time, which the areas show. Time spent in a builtin the JIT inlined (a `Map.get`) counts for
 * the function that called it; the line ticks say which line.
 */
export function summariseProfile(profile: Profiler.Profile, top = 12): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfMs = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  // timeDeltas[i + 1] is the time from sample i to the next one: the time sample i stands for.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? -1
    selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000)
  }
  const areas = new Map<string, number>()
  const functions = new Map<
    string,
    {
      name: string
      area: string
      url: string
      location: string
      ms: number
      lines: Map<number, number>
    }
  >()
  for (const [id, ms] of selfMs) {
    const node = nodes.get(id)
    if (node === undefined) continue
    const { functionName, url, lineNumber } = node.callFrame
    const name = functionName === '' ? '(anonymous)' : functionName
    const area = areaOf(url, name)
    areas.set(area, (areas.get(area) ?? 0) + ms)
    const key = `${name} ${url}:${lineNumber}`
    const entry = functions.get(key) ?? {
      name,
      area,
      url,
      location: locationOf(url, lineNumber),
      ms: 0,
      lines: new Map<number, number>(),
    }
    entry.ms += ms
    for (const tick of node.positionTicks ?? []) {
      entry.lines.set(tick.line, (entry.lines.get(tick.line) ?? 0) + tick.ticks)
    }
    functions.set(key, entry)
  }
  const totalMs = [...areas.values()].reduce((s, x) => s + x, 0)
  const sources = new Map<string, readonly string[]>()
  return {
    totalMs,
    areas: [...areas].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => {
        const ticks = [...f.lines.values()].reduce((s, x) => s + x, 0)
        return {
          name: f.name,
          area: f.area,
          location: f.location,
          ms: f.ms,
          hotLines: [...f.lines]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([line, n]) => ({
              line,
              share: ticks === 0 ? 0 : n / ticks,
              text: sourceLine(f.url, line, sources),
            })),
        }
      }),
  }
}

/** The source text of a line (1-based) of a profiled script, trimmed; empty if unreadable. */
function sourceLine(url: string, line: number, cache: Map<string, readonly string[]>): string {
  if (!url.startsWith('file:')) return ''
  let lines = cache.get(url)
  if (lines === undefined) {
    try {
      lines = readFileSync(fileURLToPath(url), 'utf8').split('\n')
    } catch {
      lines = []
    }
    cache.set(url, lines)
  }
  return (lines[line - 1] ?? '').trim()
}

const pct = (part: number, whole: number): string =>
  whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)} %`

/**
 * Two markdown tables of a {@link ProfileSummary}: self time by area, and the busiest functions
 * with their busiest lines.
 */
export function profileMarkdown(summary: ProfileSummary): string {
  const areas = markdownTable(
    ['area', 'self time', 'share'],
    summary.areas.map((a) => [a.area, formatMs(a.ms), pct(a.ms, summary.totalMs)]),
    ['l', 'r', 'r'],
  )
  const functions = markdownTable(
    ['function', 'where', 'self time', 'share', 'busiest lines (share of the function)'],
    summary.functions.map((f) => [
      `\`${f.name}\``,
      f.location === '' ? f.area : `\`${f.location}\``,
      formatMs(f.ms),
      pct(f.ms, summary.totalMs),
      f.hotLines
        .filter((l) => l.text !== '')
        .map((l) => {
          const code = (l.text.length > 60 ? `${l.text.slice(0, 57)}…` : l.text).replace(
            /\|/g,
            '\\|',
          )
          const span = code.includes('`') ? `\`\` ${code} \`\`` : `\`${code}\``
          return `${l.line} ${span} ${(l.share * 100).toFixed(0)} %`
        })
        .join('<br>'),
    ]),
    ['l', 'l', 'r', 'r', 'l'],
  )
  return `${areas}\n\n${functions}`
}
