/** Why a call's deadline signal aborted when the store's own call timeout ran out. */
export class CallTimeout extends Error {
  constructor(readonly ms: number) {
    super(`the call took longer than ${ms} ms`)
    this.name = 'CallTimeout'
  }
}

/** One call's deadline: aborted by the caller's signal or after `ms`; `end` clears its timer. */
export interface CallDeadline {
  readonly signal: AbortSignal
  readonly end: () => void
}

/** The deadline of one store call: the caller's signal, and the store's call timeout (0: none). */
export const callDeadline = (ms: number, caller: AbortSignal | undefined): CallDeadline => {
  const controller = new AbortController()
  const onCallerAbort = (): void => {
    controller.abort(caller?.reason)
  }
  if (caller?.aborted === true) onCallerAbort()
  else caller?.addEventListener('abort', onCallerAbort, { once: true })
  const timer =
    ms > 0
      ? setTimeout(() => {
          controller.abort(new CallTimeout(ms))
        }, ms)
      : undefined
  return {
    signal: controller.signal,
    end: () => {
      clearTimeout(timer)
      caller?.removeEventListener('abort', onCallerAbort)
    },
  }
}

/** Thrown by {@link raceDeadline} when the deadline passes first. */
export class DeadlinePassed extends Error {
  constructor(readonly reason: unknown) {
    super('the deadline passed')
  }
}

/**
 * Waits for `promise` unless the signal aborts first; then rejects with {@link DeadlinePassed}.
 * The promise keeps running; its outcome is observed, so a late rejection is not unhandled.
 */
export const raceDeadline = <A>(promise: Promise<A>, signal: AbortSignal): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new DeadlinePassed(signal.reason))
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        // Passed on as it is: the caller maps driver errors, which need not be Errors.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error)
      },
    )
  })
