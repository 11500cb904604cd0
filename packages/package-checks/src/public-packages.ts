import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root directory. */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)))

/** The fields of a package.json the checks read. */
export interface PackageJson {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
  readonly devDependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>
}

/** One package of the workspace. */
export interface WorkspacePackage {
  readonly dir: string
  readonly manifest: PackageJson
  /** The name without its scope: `@groupsync/core` → `core`. */
  readonly shortName: string
}

/** Every package under `packages/`, public ones first in name order. */
export async function workspacePackages(): Promise<WorkspacePackage[]> {
  const found: WorkspacePackage[] = []
  for (const entry of await readdir(join(ROOT, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(ROOT, 'packages', entry.name)
    let text: string
    try {
      text = await readFile(join(dir, 'package.json'), 'utf8')
    } catch {
      continue
    }
    const manifest = JSON.parse(text) as PackageJson
    found.push({ dir, manifest, shortName: manifest.name.replace(/^@[^/]+\//, '') })
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
}

/** The packages a consumer can install: every workspace package not marked private. */
export async function publicPackages(): Promise<WorkspacePackage[]> {
  return (await workspacePackages()).filter((p) => p.manifest.private !== true)
}
