import type { ConformanceReport } from './run-conformance.js'

const indent = (text: string, prefix: string): string =>
  text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n')

/**
 * The report as text: a table of every vector file (vectors, passed, failed), each failure with
 * its file, name and reason, and a closing line `N passed, N failed`.
 *
 * @example
 * ```text
 * file                          vectors  passed  failed
 * diff-rule-01-matching.json         16      16       0
 * ...
 * 303 passed, 0 failed
 * ```
 */
export function formatReport(report: ConformanceReport): string {
  const files = new Map<string, { vectors: number; passed: number }>()
  for (const result of report.results) {
    const row = files.get(result.case.file) ?? { vectors: 0, passed: 0 }
    row.vectors += 1
    if (result.passed) row.passed += 1
    files.set(result.case.file, row)
  }
  const header = ['file', 'vectors', 'passed', 'failed']
  const rows = [...files].map(([file, { vectors, passed }]) => [
    file,
    String(vectors),
    String(passed),
    String(vectors - passed),
  ])
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd()

  const out = [`port: ${report.command}`, '', line(header), ...rows.map(line)]
  let notRun = 0
  let first = true
  for (const result of report.results) {
    if (result.passed) continue
    if (result.kind === 'not-run') {
      notRun += 1
      continue
    }
    if (first) out.push('')
    first = false
    out.push(`FAIL ${result.case.file} › ${result.case.name}`, indent(result.reason, '     '))
  }
  if (report.stopped !== undefined) {
    out.push(
      '',
      `Stopped: ${report.stopped}; the ${notRun} cases after them were not run (counted as failed).`,
    )
  }
  if (report.ending !== undefined && report.ending !== 'exited with code 0') {
    out.push('', `note: after the last request the port ${report.ending}.`)
  }
  out.push('', `${report.passed} passed, ${report.failed} failed`)
  return out.join('\n')
}
