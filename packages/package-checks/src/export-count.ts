import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { publicPackages } from './public-packages.js'

/**
 * Counts the public exports of the public packages: every name (value or type) a consumer can
 * import from every entry point of the `exports` map, subpaths included, read from the built
 * `.d.ts` with the TypeScript checker, so that `export *` and re-exports count as what they
 * bring. A name that is both a value and a type (an io-ts codec and its `t.TypeOf`) is one name,
 * as it is one import for the caller. `pnpm exports` prints the table and fails above the limit.
 */

/** The most public names the packages may export together: a reader learns each one. */
export const EXPORT_LIMIT = 150

/** One entry point of a package: `@groupsync/store-postgres/testing` and its `.d.ts`. */
export interface EntryPoint {
  readonly specifier: string
  readonly typesFile: string
}

/** The names one entry point exports, sorted. */
export interface EntryPointExports {
  readonly specifier: string
  readonly names: readonly string[]
}

type ExportTarget = string | { readonly types?: string; readonly default?: string } | null

/** Every entry point of every public package, from each `exports` map. */
export async function publicEntryPoints(): Promise<EntryPoint[]> {
  const entries: EntryPoint[] = []
  for (const pkg of await publicPackages()) {
    const manifest = JSON.parse(await readFile(join(pkg.dir, 'package.json'), 'utf8')) as {
      readonly exports?: Readonly<Record<string, ExportTarget>>
    }
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const types = typeof target === 'string' ? target : target?.types
      if (types === undefined) throw new Error(`${pkg.manifest.name} ${subpath}: no types`)
      entries.push({
        specifier: pkg.manifest.name + subpath.slice(1),
        typesFile: join(pkg.dir, types),
      })
    }
  }
  return entries
}

/** The exported names of each entry point, through one TypeScript program over all of them. */
export function countExports(entries: readonly EntryPoint[]): EntryPointExports[] {
  const program = ts.createProgram(
    entries.map((e) => e.typesFile),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      skipLibCheck: true,
    },
  )
  const checker = program.getTypeChecker()
  return entries.map((entry) => {
    const file = program.getSourceFile(entry.typesFile)
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file)
    if (module === undefined) throw new Error(`${entry.specifier}: ${entry.typesFile} not found`)
    const names = checker.getExportsOfModule(module).map((s) => s.name)
    return { specifier: entry.specifier, names: names.sort() }
  })
}

/** The table `pnpm exports` prints: one line per entry point, then the total. */
export function exportTable(counted: readonly EntryPointExports[]): string {
  const width = Math.max(...counted.map((c) => c.specifier.length))
  const total = counted.reduce((sum, c) => sum + c.names.length, 0)
  return [
    ...counted.map((c) => `${c.specifier.padEnd(width)}  ${String(c.names.length).padStart(3)}`),
    `${'total'.padEnd(width)}  ${String(total).padStart(3)} (limit ${EXPORT_LIMIT})`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const counted = countExports(await publicEntryPoints())
  if (process.argv.includes('--names')) {
    for (const c of counted) console.log(`${c.specifier}: ${c.names.join(' ')}`)
  }
  console.log(exportTable(counted))
  const total = counted.reduce((sum, c) => sum + c.names.length, 0)
  if (total > EXPORT_LIMIT) {
    console.error(`exports: ${total} public exports, over the limit of ${EXPORT_LIMIT}`)
    process.exitCode = 1
  }
}
