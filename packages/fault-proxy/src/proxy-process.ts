import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A latency proxy running in a child process. */
export interface ProxyProcess {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number
  /** Round trips since the proxy started, as `startFaultProxy`'s `roundTrips()` counts them. */
  readonly roundTrips: () => Promise<number>
  /** Stops the child and waits for it to exit. */
  readonly close: () => Promise<void>
}

/**
 * Starts a latency proxy in a child process, so that its sub-millisecond waiting neither blocks
 * nor is blocked by the event loop of the code being measured.
 *
 * @example
 * ```ts
 * const proxy = await startProxyProcess({ target: { host: '127.0.0.1', port: 5432 }, latencyMs: 0.25 })
 * ```
 */
export const startProxyProcess = (options: {
  readonly target: { readonly host: string; readonly port: number }
  readonly latencyMs: number
}): Promise<ProxyProcess> => {
  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
  const child = spawn(
    process.execPath,
    [
      bin,
      '--target',
      `${options.target.host}:${options.target.port}`,
      '--latency',
      String(options.latencyMs),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve()
    }),
  )
  return new Promise<ProxyProcess>((resolve, reject) => {
    child.once('error', reject)
    void exited.then(() => {
      reject(new Error('the proxy process exited before it listened'))
    })
    const lines = createInterface({ input: child.stdout })
    // The child answers each `round-trips` line on its stdin with one line, in order.
    const asked: ((trips: number) => void)[] = []
    lines.once('line', (line) => {
      const port = (JSON.parse(line) as { port: number }).port
      lines.on('line', (answer) => {
        asked.shift()?.((JSON.parse(answer) as { roundTrips: number }).roundTrips)
      })
      resolve({
        port,
        roundTrips: () =>
          new Promise<number>((answer) => {
            asked.push(answer)
            child.stdin.write('round-trips\n')
          }),
        close: async () => {
          child.stdin.end()
          await exited
        },
      })
    })
  })
}
