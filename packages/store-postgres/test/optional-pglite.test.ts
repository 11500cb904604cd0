import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadPGlite } from '../src/internal/load-pglite.js'
import { StoreDependencyError } from '../src/store-dependency-error.js'

/**
 * The error Node itself raises where PGlite is not installed: a plain `node` (not the test runner,
 * which resolves from the workspace) imports it from a directory outside the workspace.
 */
async function nodesErrorWherePGliteIsMissing(): Promise<Error> {
  const dir = await mkdtemp(join(tmpdir(), 'groupsync-no-pglite-'))
  try {
    const file = join(dir, 'imports-pglite.mjs')
    await writeFile(file, "export * from '@electric-sql/pglite'\n")
    const script = `import(${JSON.stringify(pathToFileURL(file).href)}).then(
      () => console.log('{}'),
      (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
    )`
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: dir })
    const { code, message } = JSON.parse(stdout) as { code?: string; message?: string }
    return Object.assign(new Error(message), { code })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('PGlite is an optional peer', () => {
  it('without it, the embedded store fails with STORE_DEPENDENCY_MISSING naming the package', async () => {
    const missing = await nodesErrorWherePGliteIsMissing()
    expect(missing).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' })
    const error: unknown = await loadPGlite(() => Promise.reject(missing)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreDependencyError)
    expect(error).toMatchObject({ code: 'STORE_DEPENDENCY_MISSING', value: '@electric-sql/pglite' })
    expect((error as Error).message).toContain('@electric-sql/pglite')
    expect((error as Error).message.length).toBeLessThan(200)
  })

  it('a missing package other than PGlite (one of its own imports) is passed on as it is', async () => {
    const other = Object.assign(new Error("Cannot find package 'left-pad' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    await expect(loadPGlite(() => Promise.reject(other))).rejects.toBe(other)
  })

  it('any other failure to load it is passed on as it is', async () => {
    const broken = new Error('WebAssembly.instantiate(): out of memory')
    await expect(loadPGlite(() => Promise.reject(broken))).rejects.toBe(broken)
  })

  it('installed, it loads', async () => {
    const { PGlite } = await loadPGlite()
    expect(typeof PGlite.create).toBe('function')
  })
})
