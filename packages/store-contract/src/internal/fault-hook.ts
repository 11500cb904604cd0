import { expect } from 'vitest'
import { deferred, timeoutAfter, type TestOnlyFaultHook } from './context.js'

/** The error the suite throws from a store's fault hook. */
export class InjectedFault extends Error {
  constructor(readonly point: string) {
    super(`fault injected at ${point}`)
  }
}

/** What the hook does: nothing, record its points, throw at one point once, or hold once. */
type HookMode =
  | { readonly kind: 'off' }
  | { readonly kind: 'record'; readonly seen: string[] }
  | { readonly kind: 'fail'; readonly at: string; fired: boolean }
  | {
      readonly kind: 'hold'
      readonly entered: (point: string) => void
      readonly release: Promise<void>
    }

/** A unit of work held open inside its write: release it to let it commit. */
export interface Held {
  /** The fault point it is held at. */
  readonly point: string
  readonly release: () => void
}

/**
 * A fault hook the suite steers: it records the points a write passes, throws at one of them, or
 * holds the next write that reaches any point until released — the one way to keep a unit of
 * work (and its locks) open now that `decide` is synchronous.
 */
export const faultHook = () => {
  let mode: HookMode = { kind: 'off' }
  const hook: TestOnlyFaultHook = async (point) => {
    const current = mode
    if (current.kind === 'record') current.seen.push(point)
    else if (current.kind === 'fail' && current.at === point && !current.fired) {
      current.fired = true
      throw new InjectedFault(point)
    } else if (current.kind === 'hold') {
      // Only the first write to get here is held; the others pass.
      mode = { kind: 'off' }
      current.entered(point)
      await current.release
    }
  }
  return {
    hook,
    off: () => {
      mode = { kind: 'off' }
    },
    /** Records the points of what runs until the next mode change; returns the list. */
    record: (): string[] => {
      const seen: string[] = []
      mode = { kind: 'record', seen }
      return seen
    },
    /** Throws once at `point`; `fired()` says whether it did. */
    failAt: (point: string) => {
      const failing = { kind: 'fail' as const, at: point, fired: false }
      mode = failing
      return { fired: () => failing.fired }
    },
    /**
     * Holds the next write that reaches a fault point. Call it, start that write, then await the
     * returned promise: it resolves once the write is held (failing the test if it never is).
     */
    holdNext: async (start: () => void): Promise<Held> => {
      const release = deferred()
      const entered = deferred<string>()
      mode = { kind: 'hold', entered: entered.resolve, release: release.promise }
      start()
      const timeout = timeoutAfter(20_000, 'never held')
      const point = await Promise.race([
        entered.promise.then((p) => `held at ${p}`),
        timeout.promise,
      ])
      timeout.cancel()
      expect(point, 'the write reached a fault point of the store and was held').toMatch(
        /^held at /,
      )
      return {
        point: point.slice('held at '.length),
        release: () => {
          release.resolve()
        },
      }
    },
  }
}

/** The controller {@link faultHook} returns. */
export type FaultHook = ReturnType<typeof faultHook>
