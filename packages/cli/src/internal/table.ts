import type { CommandContext } from './command.js'
import { toJson } from './outcome.js'

/** Display width, counting each code point once (good enough for names and ids). */
const width = (text: string): number => Array.from(text).length

/**
 * Renders rows as a plain-text table: a header, a rule, and columns padded to their widest cell.
 * Cells are shown as given; an empty cell is shown as `—` so a reader can tell it from a gap.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  indent = '',
): string[] {
  const cells = rows.map((row) => header.map((_, i) => (row[i] ?? '') || '—'))
  const widths = header.map((h, i) =>
    Math.max(width(h), ...cells.map((row) => width(row[i] ?? ''))),
  )
  const line = (row: readonly string[]): string =>
    indent +
    row
      .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)]
}

/** Joins names for one table cell. */
export const list = (names: readonly string[]): string => names.join(', ')

/** Wraps text at word boundaries to lines of at most `width` characters, each after `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

/**
 * Prints a command's list: as JSON with `--json`, else the `none` line when it is empty, else the
 * lines before it (`intro`) and its table, one row an item.
 */
export function printList<T>(
  ctx: CommandContext,
  json: boolean | undefined,
  items: readonly T[],
  list: {
    readonly none: string
    readonly intro?: readonly string[]
    readonly header: readonly string[]
    readonly row: (item: T) => readonly string[]
  },
): void {
  if (json === true) ctx.out(toJson(items))
  else if (items.length === 0) ctx.out(list.none)
  else ctx.out(...(list.intro ?? []), ...renderTable(list.header, items.map(list.row)))
}
