const NOTICE = /oidc-provider (NOTICE|WARNING):/

let depth = 0
let saved: { readonly warn: typeof console.warn; readonly info: typeof console.info } | undefined

const filtered =
  (write: (...args: unknown[]) => void) =>
  (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && NOTICE.test(args[0])) return
    write(...args)
  }

/**
 * Runs `work` while dropping oidc-provider's own console notices (and only those); everything
 * else still reaches the console. Nested and concurrent calls restore the console once, at the end.
 */
export async function quietly<T>(work: () => Promise<T>): Promise<T> {
  if (depth === 0) {
    saved = { warn: console.warn, info: console.info }
    console.warn = filtered(saved.warn)
    console.info = filtered(saved.info)
  }
  depth += 1
  try {
    return await work()
  } finally {
    depth -= 1
    if (depth === 0 && saved !== undefined) {
      console.warn = saved.warn
      console.info = saved.info
      saved = undefined
    }
  }
}
