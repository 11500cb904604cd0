import { DeadlinePassed, type Deadline } from './call-deadline.js'

interface Waiter {
  readonly start: () => void
}

/**
 * Runs calls with the same key one at a time, in arrival order, and calls with different keys
 * independently; a call whose signal aborts while it waits leaves the queue with
 * {@link DeadlinePassed}. The store queues a user's units of work here, in the process, before they take
 * a database connection: a burst of one user's logins then holds one connection, not the pool.
 */
export class KeyedQueue {
  /** Per key, the calls waiting behind the running one (an entry exists while one is running). */
  private readonly waiting = new Map<string, Waiter[]>()

  /** How many keys have a running call; for tests that check the queue does not leak. */
  get size(): number {
    return this.waiting.size
  }

  async run<A>(key: string, signal: Deadline, work: () => Promise<A>): Promise<A> {
    const queue = this.waiting.get(key)
    if (queue === undefined) this.waiting.set(key, [])
    else await this.wait(queue, signal)
    try {
      return await work()
    } finally {
      this.next(key)
    }
  }

  private wait(queue: Waiter[], deadline: Deadline): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (deadline.aborted) {
        reject(new DeadlinePassed(deadline.reason))
        return
      }
      const cancel = deadline.onPass((reason) => {
        const at = queue.indexOf(waiter)
        if (at >= 0) queue.splice(at, 1)
        reject(new DeadlinePassed(reason))
      })
      const waiter: Waiter = {
        start: () => {
          cancel()
          resolve()
        },
      }
      queue.push(waiter)
    })
  }

  private next(key: string): void {
    const queue = this.waiting.get(key)
    const waiter = queue?.shift()
    if (waiter === undefined) this.waiting.delete(key)
    else waiter.start()
  }
}
