import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The house rule: core is the pure heart, so it declares no runtime dependency and imports
// nothing but its own modules — no other package, not even node: built-ins (no I/O).
const packageDir = join(import.meta.dirname, '..')

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  )
  return nested.flat().filter((f) => f.endsWith('.ts'))
}

/** Import specifiers of a module, comments (such as TSDoc examples) left out. */
const specifiers = (source: string): string[] =>
  [
    ...source
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
      .matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g),
  ].map((m) => m[1]!)

describe('@groupsync/core stays dependency-free', () => {
  it('declares no dependencies or peer dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >
    expect(pkg.dependencies).toBeUndefined()
    expect(pkg.peerDependencies).toBeUndefined()
    expect(pkg.optionalDependencies).toBeUndefined()
  })

  it('imports only its own modules from src', async () => {
    const files = await sourceFiles(join(packageDir, 'src'))
    expect(files.length).toBeGreaterThan(3)
    const foreign: string[] = []
    for (const file of files) {
      for (const spec of specifiers(await readFile(file, 'utf8'))) {
        if (!spec.startsWith('./') && !spec.startsWith('../')) foreign.push(`${file}: ${spec}`)
      }
    }
    expect(foreign).toEqual([])
  })

  it('finds imports with the pattern it checks by', () => {
    // Guards the check above: a pattern that matched nothing would pass vacuously.
    expect(
      specifiers(
        `import { a } from 'fp-ts'\nimport type { B } from "./b.js"\nawait import('node:fs')`,
      ),
    ).toEqual(['fp-ts', './b.js', 'node:fs'])
  })
})
