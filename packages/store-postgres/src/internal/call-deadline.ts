/** Why a call's deadline passed when the store's own call timeout ran out. */
export class CallTimeout extends Error {
  constructor(readonly ms: number) {
    super(`the call took longer than ${ms} ms`)
    this.name = 'CallTimeout'
  }
}

/** Thrown by {@link Deadline.race} when the deadline passes first. */
export class DeadlinePassed extends Error {
  constructor(readonly reason: unknown) {
    super('the deadline passed')
  }
}

/**
 * One call's deadline: the caller's signal, and the store's call timeout (0: none). Waits race it
 * through plain callbacks rather than an AbortSignal of its own: a login makes a few of them, and
 * EventTarget listeners cost more than the rest of the bookkeeping together.
 */
export class Deadline {
  private passed: { readonly reason: unknown } | undefined
  private readonly waiting = new Set<(reason: unknown) => void>()
  private readonly timer: ReturnType<typeof setTimeout> | undefined
  private readonly onCallerAbort: (() => void) | undefined

  constructor(
    ms: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    if (caller?.aborted === true) this.passed = { reason: caller.reason }
    else if (caller !== undefined) {
      this.onCallerAbort = () => {
        this.expire(caller.reason)
      }
      caller.addEventListener('abort', this.onCallerAbort, { once: true })
    }
    if (ms > 0 && this.passed === undefined) {
      this.timer = setTimeout(() => {
        this.expire(new CallTimeout(ms))
      }, ms)
    }
  }

  /** Whether the deadline has passed. */
  get aborted(): boolean {
    return this.passed !== undefined
  }

  /** Why it passed: the caller's reason, or a {@link CallTimeout}. */
  get reason(): unknown {
    return this.passed?.reason
  }

  /** Calls `listener` once when the deadline passes; the returned function cancels that. */
  onPass(listener: (reason: unknown) => void): () => void {
    this.waiting.add(listener)
    return () => this.waiting.delete(listener)
  }

  /**
   * Waits for `promise` unless the deadline passes first; then rejects with
   * {@link DeadlinePassed}. The promise keeps running; its outcome is observed, so a late
   * rejection is not unhandled.
   */
  race<A>(promise: Promise<A>): Promise<A> {
    if (this.passed !== undefined) {
      promise.catch(() => undefined)
      return Promise.reject(new DeadlinePassed(this.passed.reason))
    }
    return new Promise<A>((resolve, reject) => {
      const cancel = this.onPass((reason) => {
        reject(new DeadlinePassed(reason))
      })
      promise.then(
        (value) => {
          cancel()
          resolve(value)
        },
        (error: unknown) => {
          cancel()
          // Passed on as it is: the caller maps driver errors, which need not be Errors.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error)
        },
      )
    })
  }

  /** Clears the timer and the caller's listener: the call is over. */
  end(): void {
    clearTimeout(this.timer)
    if (this.onCallerAbort !== undefined) {
      this.caller?.removeEventListener('abort', this.onCallerAbort)
    }
  }

  private expire(reason: unknown): void {
    if (this.passed !== undefined) return
    this.passed = { reason }
    for (const listener of [...this.waiting]) listener(reason)
    this.waiting.clear()
  }
}
