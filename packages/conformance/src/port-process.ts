import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

/**
 * What came back for one request: a line of standard output, the port's exit, nothing in time,
 * or bytes that are not UTF-8.
 */
export type Answer =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'exit'; readonly how: string; readonly stderr: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'not-utf8'; readonly bytes: string }

/** The last bytes of standard error kept to explain a crash. */
const STDERR_TAIL = 2_000

const NEWLINE = 0x0a

/**
 * A port started as a subprocess through the shell, with its standard input and output as the
 * protocol's two streams. It runs in a process group of its own, so that stopping it also stops
 * whatever the shell started (`sh -c "cargo run"` has children of its own).
 */
export class PortProcess {
  readonly #child: ChildProcessWithoutNullStreams
  /** Complete lines not yet taken by a request. */
  readonly #lines: Answer[] = []
  #partial: Buffer = Buffer.alloc(0)
  #stderr = ''
  #exit: Answer | undefined
  #waiting: ((answer: Answer) => void) | undefined
  readonly #exited: Promise<void>
  readonly #decoder = new TextDecoder('utf-8', { fatal: true })

  private constructor(command: string, cwd: string) {
    this.#child = spawn(command, { cwd, shell: true, detached: true, stdio: 'pipe' })
    this.#exited = new Promise((resolve) => {
      const ended = (how: string): void => {
        if (this.#exit !== undefined) return
        // A last answer without its newline is still an answer.
        if (this.#partial.length > 0) this.#read(Buffer.from('\n'))
        this.#exit = { kind: 'exit', how, stderr: this.#stderr.trim() }
        this.#deliver(this.#exit)
        resolve()
      }
      this.#child.once('close', (code, signal) => {
        ended(signal === null ? `with code ${String(code)}` : `on signal ${signal}`)
      })
      // A command the shell cannot find exits with 127 and closes; only a failure to start the
      // shell itself ends here.
      this.#child.once('error', (error) => {
        if (this.#child.pid === undefined) ended(`before it started (${error.message})`)
      })
    })
    // Writing to a port that has died fails with EPIPE; its exit is reported instead.
    this.#child.stdin.on('error', () => undefined)
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#read(chunk)
    })
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
  }

  /** Starts `command` through the shell, in `cwd`. */
  static start(command: string, cwd: string): PortProcess {
    return new PortProcess(command, cwd)
  }

  #read(chunk: Buffer): void {
    let data = Buffer.concat([this.#partial, chunk])
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE)) {
      const bytes = data.subarray(0, end)
      data = data.subarray(end + 1)
      let text: string
      try {
        text = this.#decoder.decode(bytes)
      } catch {
        this.#deliver({ kind: 'not-utf8', bytes: bytes.subarray(0, 40).toString('hex') })
        continue
      }
      // CRLF ends a line too; a blank line is not an answer.
      text = text.endsWith('\r') ? text.slice(0, -1) : text
      if (text.trim() !== '') this.#deliver({ kind: 'line', text })
    }
    this.#partial = data
  }

  #deliver(answer: Answer): void {
    const waiting = this.#waiting
    if (waiting === undefined) {
      // An exit is remembered apart: lines that came before it are answered first.
      if (answer.kind !== 'exit') this.#lines.push(answer)
      return
    }
    this.#waiting = undefined
    waiting(answer)
  }

  /**
   * Sends one request line and waits for the next answer: a line, the port's exit, or nothing
   * within `timeoutMs` (the port is then left running; {@link kill} it).
   */
  request(line: string, timeoutMs: number): Promise<Answer> {
    const queued = this.#lines.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.#exit !== undefined) return Promise.resolve(this.#exit)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined
        resolve({ kind: 'timeout' })
      }, timeoutMs)
      this.#waiting = (answer) => {
        clearTimeout(timer)
        resolve(answer)
      }
      this.#child.stdin.write(`${line}\n`)
    })
  }

  /** Stops the port and everything it started, at once. */
  async kill(): Promise<void> {
    if (this.#exit === undefined && this.#child.pid !== undefined) {
      try {
        process.kill(-this.#child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    await this.#exited
  }

  /**
   * Ends the port's input, which tells it that there are no more requests, and waits up to
   * `graceMs` for it to exit before stopping it. Returns how it exited.
   */
  async close(graceMs: number): Promise<string> {
    this.#child.stdin.end()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => {
        resolve('late')
      }, graceMs)
    })
    const outcome = await Promise.race([this.#exited, late])
    clearTimeout(timer)
    if (outcome === 'late') {
      await this.kill()
      return `did not exit within ${graceMs} ms of the end of its input, and was stopped`
    }
    return this.#exit?.kind === 'exit' ? `exited ${this.#exit.how}` : 'exited'
  }
}
