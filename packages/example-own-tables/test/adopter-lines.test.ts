import { readFile } from 'node:fs/promises'
import { expect, it } from 'vitest'

// The README promises that adopting groupsync over existing tables is a configuration block:
// what the adopter writes is at most 40 lines, and the README states how many. This counts the
// files its "What the adopter writes" section lists, so neither the claim nor the number can
// drift from the code.

const PACKAGE = new URL('../', import.meta.url)
const LIMIT = 40

/** The lines of code of a TypeScript file (SQL in template strings included): not blank, not comments. */
const codeLines = (source: string): number => {
  let inBlock = false
  let count = 0
  for (const raw of source.split('\n')) {
    const line = raw.trim()
    if (inBlock) {
      inBlock = !line.includes('*/')
      continue
    }
    if (line.startsWith('/*')) {
      inBlock = !line.includes('*/')
      continue
    }
    if (line === '' || line.startsWith('//') || line.startsWith('--')) continue
    count += 1
  }
  return count
}

it('counts code lines, not blank lines or comments of either language', () => {
  const source = [
    '/**',
    ' * A comment',
    ' */',
    "import type { X } from 'y'",
    '',
    '  // a line comment',
    'export const Q = `',
    '-- an SQL comment',
    'SELECT 1;',
    '`',
    '/* one line */',
  ].join('\n')
  expect(codeLines(source)).toBe(4)
})

it(`what the adopter writes, as the README names it, is at most ${LIMIT} lines, and the README states the number`, async () => {
  const readme = await readFile(new URL('README.md', PACKAGE), 'utf8')
  const section = /^## What the adopter writes\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1]
  expect(section, 'the README has a section "What the adopter writes"').toBeDefined()
  // The files are the section's list items that link to a file of the package.
  const files = [
    ...(section ?? '').matchAll(/^- \[`[^`]+`\]\(((?:src|test)\/[\w./-]+\.ts)\)/gm),
  ].map((m) => m[1] ?? '')
  expect(files.length, 'the files the section links to').toBeGreaterThan(0)
  const counts = await Promise.all(
    [...new Set(files)].map(async (f) => codeLines(await readFile(new URL(f, PACKAGE), 'utf8'))),
  )
  const total = counts.reduce((a, b) => a + b, 0)
  expect(total).toBeLessThanOrEqual(LIMIT)
  const stated = /\*\*(\d+) lines\*\*/.exec(section ?? '')?.[1]
  expect(Number(stated), 'the number the README states').toBe(total)
})
