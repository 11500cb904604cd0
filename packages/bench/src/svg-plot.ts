/** One line of a {@link logLogPlot}: its legend and its points, in any order. */
export interface PlotSeries {
  readonly name: string
  readonly points: readonly { readonly x: number; readonly y: number }[]
  /** A CSS colour; a palette colour when absent. */
  readonly color?: string
  /** Draw the line dashed (e.g. the baseline of a pair). */
  readonly dashed?: boolean
}

/** What {@link logLogPlot} draws. */
export interface LogLogPlot {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly PlotSeries[]
  /** Formats an axis value at a power of ten, e.g. `(v) => formatMs(v)`. */
  readonly formatY?: (value: number) => string
  readonly formatX?: (value: number) => string
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** Powers of ten covering [min, max] (at least one decade). */
function decades(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)))
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
}

const plain = (v: number): string => v.toLocaleString('en')

/**
 * Renders series as a log-log line chart in a self-contained SVG: decade grid lines, axis labels,
 * a legend, a marker per point. Enough to show how a cost grows with size, with no plotting
 * dependency; non-positive values cannot sit on a log axis and are left out.
 *
 * @example
 * ```ts
 * const svg = logLogPlot({
 *   title: 'Sync time', xLabel: 'changes', yLabel: 'ms',
 *   series: [{ name: 'ours', points: [{ x: 1, y: 2 }, { x: 100, y: 3 }] }],
 * })
 * ```
 */
export function logLogPlot(plot: LogLogPlot): string {
  const width = 820
  const height = 440
  const margin = { left: 80, right: 290, top: 40, bottom: 56 }
  const series = plot.series.map((s) => ({
    ...s,
    points: s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x),
  }))
  const all = series.flatMap((s) => s.points)
  if (all.length === 0) throw new Error('logLogPlot: no positive points to draw')
  const xTicks = decades(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)))
  const yTicks = decades(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)))
  const [x0, x1] = [xTicks[0] ?? 1, xTicks.at(-1) ?? 10]
  const [y0, y1] = [yTicks[0] ?? 1, yTicks.at(-1) ?? 10]
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const sx = (x: number) =>
    margin.left + ((Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * plotW
  const sy = (y: number) =>
    margin.top +
    plotH -
    ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * plotH
  const fx = plot.formatX ?? plain
  const fy = plot.formatY ?? plain
  const n = (v: number) => v.toFixed(1)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="bold">${escapeXml(plot.title)}</text>`,
  ]
  for (const t of xTicks) {
    out.push(
      `<line x1="${n(sx(t))}" y1="${margin.top}" x2="${n(sx(t))}" y2="${margin.top + plotH}" stroke="#ddd"/>`,
      `<text x="${n(sx(t))}" y="${margin.top + plotH + 18}" text-anchor="middle">${escapeXml(fx(t))}</text>`,
    )
  }
  for (const t of yTicks) {
    out.push(
      `<line x1="${margin.left}" y1="${n(sy(t))}" x2="${margin.left + plotW}" y2="${n(sy(t))}" stroke="#ddd"/>`,
      `<text x="${margin.left - 8}" y="${n(sy(t) + 4)}" text-anchor="end">${escapeXml(fy(t))}</text>`,
    )
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(plot.yLabel)}</text>`,
  )
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? 'black'
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : ''
    const pts = s.points.map((p) => `${n(sx(p.x))},${n(sy(p.y))}`).join(' ')
    out.push(
      `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      ...s.points.map(
        (p) => `<circle cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="3.5" fill="${color}"/>`,
      ),
    )
    const ly = margin.top + 10 + i * 22
    const lx = margin.left + plotW + 16
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 34}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
