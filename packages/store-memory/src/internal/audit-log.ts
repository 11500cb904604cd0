import type { AuditEvent, AuditEventInput } from '@groupsync/core'

interface Entry {
  readonly input: AuditEventInput
  readonly at: number
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field)
    Object.freeze(value)
  }
  return value
}

/**
 * The log's own copies of events to append: through JSON, as a database would store them, and
 * frozen. Taken before a unit of work's first await, so that a caller who keeps and later edits
 * the events it handed in (a `detail` object, say) changes nothing in the log, and the log's
 * entries can be read out without another copy.
 */
export const auditCopies = (events: readonly AuditEventInput[]): readonly AuditEventInput[] =>
  events.map((e) => deepFreeze(JSON.parse(JSON.stringify(e)) as AuditEventInput))

/**
 * An organisation's audit log: appended in place (a login must not copy the whole log), and
 * numbered without gaps from 1, so that the event of `seq` n is entry n - 1 and a listing after
 * some `seq` starts there instead of at the beginning.
 */
export class AuditLog {
  readonly #entries: Entry[] = []

  /** Appends events from {@link auditCopies} in order, all stamped `at`. */
  append(events: readonly AuditEventInput[], at: number): void {
    for (const input of events) this.#entries.push({ input, at })
  }

  /** Events with `seq > afterSeq` (and of `userId` when set), in `seq` order, at most `limit`. */
  list(afterSeq: number, userId: string | undefined, limit: number | undefined): AuditEvent[] {
    const page: AuditEvent[] = []
    const max = limit ?? Infinity
    // seq n is entry n - 1: the first entry with seq > afterSeq is entry floor(afterSeq).
    for (let i = Math.max(0, Math.floor(afterSeq)); i < this.#entries.length; i += 1) {
      if (page.length >= max) break
      const entry = this.#entries[i]
      if (entry === undefined) break
      if (userId !== undefined && entry.input.userId !== userId) continue
      // The input is frozen; the store's wrapper gives the caller a deep copy.
      page.push({ ...entry.input, seq: i + 1, at: new Date(entry.at) })
    }
    return page
  }
}
