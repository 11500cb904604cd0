import { readdir, readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { publicPackages, workspacePackages, type WorkspacePackage } from '../src/public-packages.js'

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) files.push(join(entry.parentPath, entry.name))
  }
  return files
}

/** Strips comments, so that an import shown in a TSDoc example does not count. */
const code = (text: string): string =>
  text.replaceAll(/\/\*[\s\S]*?\*\//g, '').replaceAll(/^\s*\/\/.*$/gm, '')

/** The package a module specifier names: `fp-ts/lib/Either.js` → `fp-ts`, `@a/b/c` → `@a/b`. */
const packageOf = (specifier: string): string => {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

const BUILTIN = new Set(builtinModules)

/** Every package the sources of `pkg` import: static, type-only, dynamic and `import type * as`. */
async function importedPackages(pkg: WorkspacePackage): Promise<Set<string>> {
  const imported = new Set<string>()
  for (const file of await sourceFiles(join(pkg.dir, 'src'))) {
    const text = code(await readFile(file, 'utf8'))
    const specifiers = [
      ...text.matchAll(/\bfrom\s+'([^']+)'/g),
      ...text.matchAll(/\bimport\s*\(\s*'([^']+)'\s*\)/g),
      ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ].map((m) => m[1] ?? '')
    for (const specifier of specifiers) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue
      if (BUILTIN.has(specifier)) continue
      imported.add(packageOf(specifier))
    }
  }
  return imported
}

const publics = await publicPackages()

describe('what each public package declares', () => {
  it('finds the public packages', () => {
    expect(publics.map((p) => p.manifest.name)).toEqual(
      expect.arrayContaining([
        '@groupsync/core',
        '@groupsync/claims',
        '@groupsync/store-memory',
        '@groupsync/store-postgres',
        '@groupsync/store-contract',
        '@groupsync/sync',
        '@groupsync/cli',
        '@groupsync/dev-provider',
        '@groupsync/conformance',
      ]),
    )
  })

  it.each(publics.map((p) => [p.manifest.name, p] as const))(
    '%s declares exactly the packages its sources import, as dependencies or peers',
    async (_name, pkg) => {
      const imported = await importedPackages(pkg)
      const declared = new Set([
        ...Object.keys(pkg.manifest.dependencies ?? {}),
        ...Object.keys(pkg.manifest.peerDependencies ?? {}),
      ])
      expect([...imported].filter((name) => !declared.has(name)).sort()).toEqual([])
      expect([...declared].filter((name) => !imported.has(name)).sort()).toEqual([])
    },
  )

  it.each(publics.map((p) => [p.manifest.name, p] as const))(
    '%s: an optional peer is also a devDependency, so the workspace has it',
    (_name, pkg) => {
      for (const [name, meta] of Object.entries(pkg.manifest.peerDependenciesMeta ?? {})) {
        if (meta.optional === true) expect(pkg.manifest.devDependencies?.[name]).toBeDefined()
      }
    },
  )

  it('reads imports of every kind: static, type-only, dynamic', async () => {
    const cli = publics.find((p) => p.manifest.name === '@groupsync/cli')
    const postgres = publics.find((p) => p.manifest.name === '@groupsync/store-postgres')
    // pg and PGlite are loaded with import(), the dev provider by a static import of the demo.
    expect([...(await importedPackages(cli!))]).toEqual(
      expect.arrayContaining(['pg', '@electric-sql/pglite', '@groupsync/dev-provider', 'fp-ts']),
    )
    expect([...(await importedPackages(postgres!))]).toContain('@electric-sql/pglite')
  })

  it('the optional peers are the ones a server does not need', () => {
    const optional = Object.fromEntries(
      publics.map((p) => [
        p.manifest.name,
        Object.entries(p.manifest.peerDependenciesMeta ?? {})
          .filter(([, meta]) => meta.optional === true)
          .map(([name]) => name),
      ]),
    )
    expect(optional['@groupsync/store-postgres']).toEqual(['@electric-sql/pglite'])
    expect(optional['@groupsync/cli']).toEqual(['@groupsync/dev-provider'])
    expect(optional['@groupsync/sync']).toEqual(['@opentelemetry/api'])
    // The kit's runner needs none of the implementation; only its TypeScript port does.
    expect(optional['@groupsync/conformance']).toEqual([
      '@groupsync/claims',
      '@groupsync/core',
      '@groupsync/store-memory',
      '@groupsync/sync',
    ])
    const cli = publics.find((p) => p.manifest.name === '@groupsync/cli')
    for (const heavy of ['@groupsync/dev-provider', 'oidc-provider', 'openid-client']) {
      expect(cli?.manifest.dependencies?.[heavy]).toBeUndefined()
    }
  })
})

describe('the private packages', () => {
  it('bench, the example app and these checks are private, so they are never packed', async () => {
    const all = await workspacePackages()
    const privateNames = all.filter((p) => p.manifest.private === true).map((p) => p.manifest.name)
    expect(privateNames).toEqual(
      expect.arrayContaining([
        '@groupsync/bench',
        '@groupsync/example-express',
        '@groupsync/package-checks',
      ]),
    )
  })
})
