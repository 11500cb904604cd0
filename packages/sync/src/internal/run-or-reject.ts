import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'

/**
 * The one Promise adapter of the package, for callers without fp-ts: runs a task and resolves
 * with its Right, or rejects with its Left (a coded error).
 */
export const runOrReject = async <E extends Error, A>(task: TaskEither<E, A>): Promise<A> =>
  E.getOrElse((error: E): A => {
    throw error
  })(await task())
