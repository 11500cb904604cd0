/** Gives back a lock taken from a {@link RwLock}. Calling it twice is harmless. */
export type Release = () => void

interface Waiter {
  readonly exclusive: boolean
  readonly grant: () => void
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

  acquire(exclusive: boolean): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.queue.push({
        exclusive,
        grant: () => {
          resolve(this.releaser(exclusive))
        },
      })
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

  async acquire(key: string, exclusive: boolean): Promise<Release> {
    let lock = this.locks.get(key)
    if (lock === undefined) {
      lock = new RwLock()
      this.locks.set(key, lock)
    }
    const release = await lock.acquire(exclusive)
    const held = lock
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
