import { GroupsyncError } from '@groupsync/core'

/** Codes a {@link StoreDependencyError} can carry. */
export const STORE_DEPENDENCY_ERROR_CODES = ['STORE_DEPENDENCY_MISSING'] as const

/** A code of {@link StoreDependencyError}. */
export type StoreDependencyErrorCode = (typeof STORE_DEPENDENCY_ERROR_CODES)[number]

/**
 * The store was asked for something that needs an optional package which is not installed: the
 * embedded store without `@electric-sql/pglite`. The package's name is in `value`. Retrying does
 * not help; install the package, or pass a `pool` for a server.
 *
 * @example
 * ```ts
 * try { await createPostgresMembershipStore() }
 * catch (e) { if (e instanceof StoreDependencyError) console.error(`npm install ${String(e.value)}`) }
 * ```
 */
export class StoreDependencyError extends GroupsyncError<StoreDependencyErrorCode> {
  readonly _tag = 'StoreDependencyError'
}
