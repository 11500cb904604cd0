import type { SqlResult, SqlStatement } from '../sql-client.js'

// Several statements in one round trip on a node-postgres client: a "submittable" (the protocol
// pg-cursor uses) that writes each statement's Parse, Bind, Describe and Execute and then one
// Sync, so that the server runs them one after the other and answers once. After the first
// failure the server skips the rest up to the Sync. Each statement is bound after the one before
// it has run, so in READ COMMITTED it reads with a snapshot taken after that statement ended
// (after a lock was granted, say).

/** The part of node-postgres' connection a batch writes to. */
export interface PgConnectionLike {
  readonly stream?: { readonly cork?: () => void; readonly uncork?: () => void }
  parse(message: { readonly text: string; readonly name?: string }): void
  bind(message: { readonly statement?: string; readonly values: readonly (string | null)[] }): void
  close(message: { readonly type: 'S'; readonly name: string }): void
  describe(message: { readonly type: 'P' }): void
  execute(message: { readonly rows: number }): void
  sync(): void
}

/** A column of a RowDescription message. */
interface PgField {
  readonly name: string
  readonly dataTypeID: number
}

/** How node-postgres turns a column's text into a value (`Client.getTypeParser`). */
export type PgTypeParsers = (oid: number, format: 'text') => (value: string) => unknown

/**
 * A parameter as the text node-postgres would send for it (its `prepareValue`), for the values
 * the store passes: strings, numbers, booleans, null and arrays of those (as array literals, every
 * element quoted, `"` and `\` escaped). Other objects are sent as JSON, dates as ISO text.
 */
export const wireText = (value: unknown): string | null => {
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return arrayLiteral(value)
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return value.toString()
  }
  // Other objects (and anything else) as JSON, as node-postgres sends them.
  return JSON.stringify(value)
}

const arrayLiteral = (values: readonly unknown[]): string => {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL'
    if (Array.isArray(value)) return arrayLiteral(value)
    const text = wireText(value) ?? ''
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  }
  return `{${values.map(element).join(',')}}`
}

/**
 * The statements a connection has prepared by name through batches: those known to exist, and
 * those a failed batch may or may not have prepared (closed before they are parsed again).
 */
export interface PreparedNames {
  readonly known: Set<string>
  readonly unsure: Set<string>
}

/** A statement of a batch: with a name, it is prepared once per connection and then only bound. */
export interface BatchStatement extends SqlStatement {
  readonly name?: string
}

/**
 * The statements of one batch and their results, handed to `client.query`. node-postgres calls
 * `submit` when the connection is free and then one handler per message of the answer.
 */
export class PgStatementBatch {
  readonly done: Promise<readonly SqlResult[]>
  private readonly results: SqlResult[] = []
  private fields: readonly PgField[] = []
  private parsers: readonly ((value: string) => unknown)[] = []
  private rows: Record<string, unknown>[] = []
  private settle: { resolve: (r: readonly SqlResult[]) => void; reject: (e: unknown) => void }
  private failed = false
  /** Names this batch parses: known once the batch has succeeded, unsure if it fails. */
  private readonly parsing: string[] = []

  constructor(
    private readonly statements: readonly BatchStatement[],
    private readonly typeParsers: PgTypeParsers,
    private readonly prepared: PreparedNames,
  ) {
    let settle: PgStatementBatch['settle'] | undefined
    this.done = new Promise((resolve, reject) => {
      settle = { resolve, reject }
    })
    this.settle = settle as PgStatementBatch['settle']
  }

  /** Writes the whole batch; an error returned here (a value it cannot send) sends nothing. */
  submit(connection: PgConnectionLike): Error | null {
    let values: (string | null)[][]
    try {
      values = this.statements.map((s) => s.params.map(wireText))
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e))
    }
    connection.stream?.cork?.()
    try {
      this.statements.forEach(({ name, text }, i) => {
        if (name === undefined) connection.parse({ text })
        else if (!this.prepared.known.has(name) && !this.parsing.includes(name)) {
          // Closing a statement that does not exist is not an error.
          if (this.prepared.unsure.has(name)) connection.close({ type: 'S', name })
          connection.parse({ text, name })
          this.parsing.push(name)
        }
        connection.bind({ statement: name ?? '', values: values[i] ?? [] })
        connection.describe({ type: 'P' })
        connection.execute({ rows: 0 })
      })
      connection.sync()
    } finally {
      connection.stream?.uncork?.()
    }
    return null
  }

  handleRowDescription(message: { readonly fields: readonly PgField[] }): void {
    this.fields = message.fields
    this.parsers = message.fields.map((f) => this.typeParsers(f.dataTypeID, 'text'))
  }

  handleDataRow(message: { readonly fields: readonly (string | null)[] }): void {
    const row: Record<string, unknown> = {}
    message.fields.forEach((value, i) => {
      const field = this.fields[i]
      const parse = this.parsers[i]
      if (field !== undefined && parse !== undefined) {
        row[field.name] = value === null ? null : parse(value)
      }
    })
    this.rows.push(row)
  }

  handleCommandComplete(): void {
    this.endStatement()
  }

  handleEmptyQuery(): void {
    this.endStatement()
  }

  /** A statement failed (the server then skips the rest), or the connection did. */
  handleError(error: unknown): void {
    if (this.failed) return
    this.failed = true
    for (const name of this.parsing) this.prepared.unsure.add(name)
    this.settle.reject(error)
  }

  handleReadyForQuery(): void {
    if (this.failed) return
    // No error came: every statement this batch parsed now exists on the connection.
    for (const name of this.parsing) {
      this.prepared.known.add(name)
      this.prepared.unsure.delete(name)
    }
    this.failed = this.results.length !== this.statements.length
    if (this.failed) {
      const counts = `${this.statements.length} statements got ${this.results.length} results`
      this.settle.reject(new Error(`a batch of ${counts}`))
    } else this.settle.resolve(this.results)
  }

  /** Not sent by the store's statements; here so that a stray message cannot crash the client. */
  handlePortalSuspended(): void {
    this.handleError(new Error('a batch statement was suspended'))
  }

  handleCopyInResponse(connection: { sendCopyFail?: (message: string) => void }): void {
    connection.sendCopyFail?.('a batch does not copy')
  }

  handleCopyData(): void {
    // A batch never copies out; nothing to keep.
  }

  private endStatement(): void {
    this.results.push({ rows: this.rows })
    this.rows = []
    this.fields = []
    this.parsers = []
  }
}
