import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../src/public-packages.js'

// The product talks to its drivers through their documented APIs only: code that recognises a
// driver by a private method, keeps a registry on the driver's objects or writes the wire
// protocol's messages itself breaks on the driver's next minor release.

const PRODUCT = [
  'core',
  'claims',
  'sync',
  'store-memory',
  'store-postgres',
  'store-contract',
  'cli',
]

/** What reaches into a driver: each with why it is refused. */
const INTERNALS: readonly (readonly [RegExp, string])[] = [
  [/getTypeParser/, 'recognising node-postgres by a method of its own (sniffing)'],
  [/Symbol\.for\(/, "a registry kept under a global symbol on another library's objects"],
  [
    /writeInt(?:16|32)BE|\bsendBinary\w*|\bqueryQueue\b|\bactiveQuery\b/,
    'hand-built protocol messages or the client queue',
  ],
  [/\.connection\.(?:stream|parse|bind|execute|sync|flush)\b/, "the client's wire connection"],
]

/** The refused patterns a text holds, with where. */
const internalsIn = (file: string, text: string): string[] =>
  INTERNALS.flatMap(([pattern, why]) =>
    text
      .split('\n')
      .flatMap((line, i) =>
        pattern.test(line) ? [`${file}:${i + 1}: ${why}: ${line.trim()}`] : [],
      ),
  )

async function productSources(): Promise<string[]> {
  const files: string[] = []
  for (const pkg of PRODUCT) {
    const dir = join(ROOT, 'packages', pkg, 'src')
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts'))
        files.push(join(entry.parentPath, entry.name))
    }
  }
  return files
}

describe('no driver internals in the product', () => {
  it('recognises each kind of reach into a driver', () => {
    expect(internalsIn('x.ts', "if (typeof pool.getTypeParser === 'function') {}")).toHaveLength(1)
    expect(
      internalsIn('x.ts', "const names = client[Symbol.for('groupsync.prepared')]"),
    ).toHaveLength(1)
    expect(internalsIn('x.ts', 'buffer.writeInt32BE(length, 1)')).toHaveLength(1)
    expect(internalsIn('x.ts', 'client.connection.parse({ text })')).toHaveLength(1)
    expect(internalsIn('x.ts', 'await pool.query(text, values)')).toEqual([])
  })

  it('no product source file reaches into a driver', async () => {
    const files = await productSources()
    expect(files.length).toBeGreaterThan(100)
    const found: string[] = []
    for (const file of files)
      found.push(...internalsIn(relative(ROOT, file), await readFile(file, 'utf8')))
    expect(found).toEqual([])
  })
})
