import { describe, expect, it } from 'vitest'
import { logLogPlot } from '../src/svg-plot.js'

describe('logLogPlot', () => {
  const svg = logLogPlot({
    title: 'a <b> & c',
    xLabel: 'changes',
    yLabel: 'ms',
    series: [
      {
        name: 'store',
        points: [
          { x: 10_000, y: 100 },
          { x: 1, y: 5 },
        ],
      },
      {
        name: 'per-row',
        dashed: true,
        points: [
          { x: 1, y: 2 },
          { x: 10_000, y: 2_000 },
          { x: 0, y: 1 },
        ],
      },
    ],
  })

  it('draws one line per series with a marker per positive point, and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<polyline /g)).toHaveLength(2)
    // x = 0 cannot sit on a log axis: 2 + 2 markers, not 5.
    expect(svg.match(/<circle /g)).toHaveLength(4)
    expect(svg).toContain('stroke-dasharray')
    expect(svg).toContain('>per-row</text>')
  })

  it('puts decade ticks from the smallest to the largest value and escapes text', () => {
    for (const tick of ['>1<', '>10<', '>100<', '>1,000<', '>10,000<']) expect(svg).toContain(tick)
    expect(svg).toContain('a &#60;b&#62; &#38; c')
  })

  it('refuses a plot with nothing to draw', () => {
    expect(() => logLogPlot({ title: '', xLabel: '', yLabel: '', series: [] })).toThrow(
      /no positive/,
    )
  })
})
