/** Renders a GitHub markdown table; `align` is `l` or `r` per column. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[] = header.map(() => 'l'),
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'))
  return [line(header), line(rule), ...rows.map(line)].join('\n')
}

const startMarker = (id: string, prefix: string) => `<!-- ${prefix}:${id}:start -->`
const endMarker = (id: string, prefix: string) => `<!-- ${prefix}:${id}:end -->`

/**
 * Puts `body` into the section of `doc` between the markers of suite `id`, leaving every other
 * section as it was; appends the section when the doc does not have it yet. This lets each suite
 * rewrite only its own part of `docs/benchmarks.md` (and each mutation target its part of
 * `docs/mutation.md`, with `prefix` `mutation`).
 *
 * @example
 * ```ts
 * replaceSection('# Benchmarks\n', 'membership-diff', '## Diff\n…')
 * // '# Benchmarks\n\n<!-- bench:membership-diff:start -->\n## Diff\n…\n<!-- bench:membership-diff:end -->\n'
 * ```
 */
export function replaceSection(doc: string, id: string, body: string, prefix = 'bench'): string {
  const start = startMarker(id, prefix)
  const end = endMarker(id, prefix)
  const section = `${start}\n${body.trim()}\n${end}`
  const from = doc.indexOf(start)
  const to = doc.indexOf(end)
  if (from === -1 || to === -1 || to < from) {
    return `${doc.trimEnd()}\n\n${section}\n`
  }
  return doc.slice(0, from) + section + doc.slice(to + end.length)
}

/** Formats milliseconds with 3 significant digits and a unit that keeps them readable. */
export function formatMs(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toPrecision(3)} min`
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`
  if (ms >= 1) return `${ms.toPrecision(3)} ms`
  if (ms >= 0.001) return `${(ms * 1000).toPrecision(3)} µs`
  return `${(ms * 1e6).toPrecision(3)} ns`
}

/** Formats a ratio: two decimals below 10 (`1.35×`), whole above (`248×`). */
export const formatRatio = (ratio: number): string =>
  Number.isFinite(ratio) ? `${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(0)}×` : '–'
