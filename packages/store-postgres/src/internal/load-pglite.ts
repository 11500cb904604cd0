import type * as PGliteModuleNamespace from '@electric-sql/pglite'
import { StoreDependencyError } from '../store-dependency-error.js'

/** PGlite is an optional peer: a server deployment installs neither it nor its WebAssembly build. */
export const PGLITE_PACKAGE = '@electric-sql/pglite'

type PGliteModule = typeof PGliteModuleNamespace

/**
 * Loads PGlite for the embedded store, or fails with `STORE_DEPENDENCY_MISSING` naming the package
 * when it is not installed. Any other failure (a broken install) is passed on as it is.
 */
export async function loadPGlite(
  importer: () => Promise<PGliteModule> = () => import('@electric-sql/pglite'),
): Promise<PGliteModule> {
  try {
    return await importer()
  } catch (error) {
    if (isMissingPackage(error, PGLITE_PACKAGE)) {
      throw new StoreDependencyError(
        'STORE_DEPENDENCY_MISSING',
        `The embedded store needs ${PGLITE_PACKAGE}, which is not installed: install it, or pass a pool for a server.`,
        { value: PGLITE_PACKAGE, cause: error },
      )
    }
    throw error
  }
}

/** Whether `error` is Node's failure to find the package `name` itself. */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.includes(`Cannot find package '${name}'`)
  )
}
