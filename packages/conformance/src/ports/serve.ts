import { createInterface } from 'node:readline'
import type { Part } from '../protocol.js'

/** What a port answers to one request: an output, or an error with a code and its fields. */
export type PortAnswer =
  | { readonly output: unknown }
  | { readonly error: { readonly code: string } & Readonly<Record<string, unknown>> }

/**
 * A port's answer to each part (a promise for a part that does I/O, such as the login sync on a
 * store); a part it does not implement is left out.
 */
export type PortHandlers = Readonly<
  Partial<Record<Part, (input: unknown) => PortAnswer | Promise<PortAnswer>>>
>

/**
 * Answers the protocol on standard input and output, one request line at a time and in order,
 * until the input ends. An exception thrown by a handler (or a promise it rejects) is not
 * caught: the port then crashes, as a real port's bug would, and the runner reports it.
 */
export function serve(handlers: PortHandlers): void {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  // Each answer waits for the one before, so the answers stay in the order of the requests.
  let previous: Promise<void> = Promise.resolve()
  lines.on('line', (line) => {
    if (line.trim() === '') return
    const request = JSON.parse(line) as { id: string; part: string; input: unknown }
    const handle = handlers[request.part as Part]
    previous = previous.then(async () => {
      const answer: PortAnswer =
        handle === undefined
          ? { error: { code: 'PART_NOT_IMPLEMENTED', value: request.part } }
          : await handle(request.input)
      process.stdout.write(`${JSON.stringify({ id: request.id, ...answer })}\n`)
    })
  })
}
