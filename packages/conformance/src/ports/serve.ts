import { createInterface } from 'node:readline'
import type { Part } from '../protocol.js'

/** What a port answers to one request: an output, or an error with a code and its fields. */
export type PortAnswer =
  | { readonly output: unknown }
  | { readonly error: { readonly code: string } & Readonly<Record<string, unknown>> }

/** A port's answer to each part; a part it does not implement is left out. */
export type PortHandlers = Readonly<Partial<Record<Part, (input: unknown) => PortAnswer>>>

/**
 * Answers the protocol on standard input and output, one request line at a time, until the input
 * ends. An exception thrown by a handler is not caught: the port then crashes, as a real port's
 * bug would, and the runner reports it.
 */
export function serve(handlers: PortHandlers): void {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  lines.on('line', (line) => {
    if (line.trim() === '') return
    const request = JSON.parse(line) as { id: string; part: string; input: unknown }
    const handle = handlers[request.part as Part]
    const answer: PortAnswer =
      handle === undefined
        ? { error: { code: 'PART_NOT_IMPLEMENTED', value: request.part } }
        : handle(request.input)
    process.stdout.write(`${JSON.stringify({ id: request.id, ...answer })}\n`)
  })
}
