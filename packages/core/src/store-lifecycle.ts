import { StoreError } from './errors.js'
import type { AdapterCall } from './ports/store-adapter.port.js'
import { assertGroupChangeOptions, storeTimeout } from './store-input.js'

/** The closed state and calls in flight, shared by both roles of one store. */
export const lifecycle = (release: (() => Promise<void>) | undefined) => {
  let closed = false
  const inFlight = new Set<Promise<unknown>>()
  const track = <A>(what: string, options: unknown, work: (call: AdapterCall) => Promise<A>) => {
    // Through a promise, so that a failed input check becomes a rejection, never a throw.
    const p = Promise.resolve().then(() => {
      if (closed) {
        throw new StoreError('STORE_UNAVAILABLE', `${what}: the store is closed; create a new one.`)
      }
      assertGroupChangeOptions(options)
      const signal = options?.signal
      // A call whose deadline has passed before it started writes nothing, whatever the adapter.
      if (signal?.aborted === true) throw storeTimeout(what, signal.reason)
      return work({ signal })
    })
    inFlight.add(p)
    const forget = () => {
      inFlight.delete(p)
    }
    p.then(forget, forget)
    return p
  }
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await Promise.allSettled([...inFlight])
    await release?.()
  }
  return { track, close }
}
