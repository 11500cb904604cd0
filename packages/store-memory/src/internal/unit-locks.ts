import { storeTimeout } from '@groupsync/core'
import { KeyedRwLocks, LockWaitAborted, type Release } from './rw-lock.js'

/** Called by a unit of work just before it publishes: throws `STORE_TIMEOUT` once aborted. */
export type Commit = () => void

/**
 * The locks of the memory store's units of work. A user's unit of work (a login, a manual change,
 * a removal) holds the organisation's lock shared and the user's lock exclusive: units of one
 * user run one after the other, units of different users side by side. A change of the
 * organisation's groups or settings holds the organisation's lock exclusive, so what a user's
 * unit of work read of them stays true until it commits.
 */
export class UnitLocks {
  readonly #orgs = new KeyedRwLocks()
  readonly #users = new KeyedRwLocks()

  /**
   * Runs `fn` under the locks of a user's unit of work (`userId` given) or of an organisation
   * change (`userId` undefined). A signal that aborts while the call waits for a lock, or before
   * it calls `commit`, ends it with `STORE_TIMEOUT` and nothing written; the locks are released
   * however `fn` ends.
   */
  async run<A>(
    action: string,
    orgId: string,
    userId: string | undefined,
    signal: AbortSignal | undefined,
    fn: (commit: Commit) => Promise<A>,
  ): Promise<A> {
    const releases: Release[] = []
    const commit: Commit = () => {
      if (signal?.aborted === true) throw storeTimeout(action, signal.reason)
    }
    try {
      releases.push(await this.#orgs.acquire(orgId, userId === undefined, signal))
      if (userId !== undefined) {
        releases.push(await this.#users.acquire(JSON.stringify([orgId, userId]), true, signal))
      }
      return await fn(commit)
    } catch (error) {
      throw error instanceof LockWaitAborted ? storeTimeout(action, error.reason) : error
    } finally {
      for (const release of releases.reverse()) release()
    }
  }

  /** How many organisation and user locks are live; for tests that check none is leaked. */
  get size(): number {
    return this.#orgs.size + this.#users.size
  }
}
