/** Gives back a lock taken from a {@link RwLock}. Calling it twice is harmless. */
export type Release = () => void

interface Waiter {
  readonly exclusive: boolean
  readonly grant: () => void
}

/** Rejects a waiter whose signal aborted before it got the lock; it then holds nothing. */
export class LockWaitAborted extends Error {
  constructor(readonly reason: unknown) {
    super('aborted while waiting for a lock')
  }
}

/**
 * A fair read-write lock for promises: shared holders run together, an exclusive holder runs
 * alone, and waiters are served in arrival order, so a queued writer is not starved by readers.
 */
export class RwLock {
  private shared = 0
  private exclusive = false
  private readonly queue: Waiter[] = []

  /** True when nobody holds or waits for the lock, so a keyed table may drop it. */
  get idle(): boolean {
    return this.shared === 0 && !this.exclusive && this.queue.length === 0
  }

  acquire(exclusive: boolean, signal?: AbortSignal): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new LockWaitAborted(signal.reason))
        return
      }
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter)
        if (at < 0) return
        this.queue.splice(at, 1)
        reject(new LockWaitAborted(signal?.reason))
        // A waiter that left from the head may have been what held shared waiters back.
        this.drain()
      }
      const waiter: Waiter = {
        exclusive,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.releaser(exclusive))
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
      this.drain()
    })
  }

  private releaser(exclusive: boolean): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      if (exclusive) this.exclusive = false
      else this.shared -= 1
      this.drain()
    }
  }

  private drain(): void {
    for (;;) {
      const next = this.queue[0]
      if (next === undefined || this.exclusive) return
      if (next.exclusive && this.shared > 0) return
      this.queue.shift()
      if (next.exclusive) this.exclusive = true
      else this.shared += 1
      next.grant()
    }
  }
}

/** Read-write locks by key, created on first use and dropped once idle. */
export class KeyedRwLocks {
  private readonly locks = new Map<string, RwLock>()

  async acquire(key: string, exclusive: boolean, signal?: AbortSignal): Promise<Release> {
    let lock = this.locks.get(key)
    if (lock === undefined) {
      lock = new RwLock()
      this.locks.set(key, lock)
    }
    const held = lock
    let release: Release
    try {
      release = await lock.acquire(exclusive, signal)
    } catch (error) {
      if (held.idle && this.locks.get(key) === held) this.locks.delete(key)
      throw error
    }
    return () => {
      release()
      if (held.idle && this.locks.get(key) === held) this.locks.delete(key)
    }
  }

  /** How many keys have a live lock; for tests that check locks are not leaked. */
  get size(): number {
    return this.locks.size
  }
}
