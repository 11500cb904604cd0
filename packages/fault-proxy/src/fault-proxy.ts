import net from 'node:net'

/** What a fault does to the connection whose client sent the matching chunk. */
export type FaultAction =
  /** The chunk is not forwarded and both sides are cut: the server never sees it. */
  | 'drop-before'
  /**
   * The chunk reaches the server, then the client side is cut, so the client never sees the
   * reply: a lost acknowledgement (for example of a COMMIT the server went on to apply).
   */
  | 'drop-after'
  /** Nothing more is forwarded either way, and both sockets stay open: a frozen network. */
  | 'freeze'

/** A fault to inject into the next client-to-server chunks that match. */
export interface FaultRule {
  /** Which client-to-server chunks trigger the fault. */
  readonly match: (chunk: Buffer) => boolean
  readonly action: FaultAction
  /** How many matching chunks trigger it before the rule is cleared; 1 by default. */
  readonly times?: number
}

/** Where the proxy listens and what it adds. */
export interface FaultProxyOptions {
  /** The server the proxy forwards to. */
  readonly target: { readonly host: string; readonly port: number }
  /**
   * Added once per round trip, in milliseconds (fractions allowed): every server-to-client chunk
   * is held this long. 0 by default.
   */
  readonly latencyMs?: number
  /** The port to listen on, on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number
}

/** A running proxy. */
export interface FaultProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number
  /** Sets the fault for chunks sent from now on, or clears it with null. */
  readonly setFault: (rule: FaultRule | null) => void
  /** How many times a fault has fired since the proxy started: lets a test prove it did. */
  readonly faultsFired: () => number
  /** Connections open now. */
  readonly openConnections: () => number
  /**
   * Round trips since the proxy started: over all connections, each time a client sent again
   * after the server's answer had reached it (its first send counts one). Statements a client
   * sends without waiting (pipelined) count once. Exact when the proxy adds latency, so that a
   * client's writes of one moment reach it before any answer does.
   */
  readonly roundTrips: () => number
  /** Cuts every open connection. */
  readonly dropAll: () => void
  /** Stops listening and cuts every connection. */
  readonly close: () => Promise<void>
}

/**
 * A test on a client-to-server chunk: true when the chunk holds `text` (for example a Postgres
 * query message whose SQL contains `COMMIT`).
 */
export const matchQuery =
  (text: string) =>
  (chunk: Buffer): boolean =>
    chunk.includes(text, 0, 'utf8')

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

/**
 * Sends chunks in order, each no earlier than its due time. Timers alone cannot hold a chunk for
 * 0.25 ms (they round to whole milliseconds), so the last stretch before a chunk is due is spent
 * in `setImmediate` turns, which let other I/O run; with nothing queued nothing spins.
 */
const delayedWriter = (socket: net.Socket, latencyMs: number, delivered: () => void) => {
  const queue: { due: number; chunk: Buffer }[] = []
  let scheduled = false
  const pump = (): void => {
    scheduled = false
    const now = nowMs()
    while (queue.length > 0 && (queue[0]?.due ?? Infinity) <= now) {
      const next = queue.shift()
      if (next !== undefined && !socket.destroyed) {
        socket.write(next.chunk)
        delivered()
      }
    }
    const head = queue[0]
    if (head === undefined) return
    scheduled = true
    const wait = head.due - now
    if (wait > 2) setTimeout(pump, Math.floor(wait - 1))
    else setImmediate(pump)
  }
  return {
    write: (chunk: Buffer): void => {
      if (latencyMs <= 0 && queue.length === 0) {
        socket.write(chunk)
        delivered()
        return
      }
      queue.push({ due: nowMs() + latencyMs, chunk })
      if (!scheduled) pump()
    },
    clear: (): void => {
      queue.length = 0
    },
  }
}

/**
 * Starts a TCP proxy on 127.0.0.1 in front of `target`, which can add latency per round trip
 * and cut or freeze connections when the client sends a chosen message.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } })
 * proxy.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
 * const pool = new pg.Pool({ host: '127.0.0.1', port: proxy.port, user: 'postgres' })
 * ```
 */
export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  const latencyMs = options.latencyMs ?? 0
  let rule: FaultRule | null = null
  let ruleLeft = 0
  let fired = 0
  let trips = 0
  const open = new Set<{ cut: () => void }>()

  const takeFault = (chunk: Buffer): FaultAction | null => {
    if (rule === null || !rule.match(chunk)) return null
    const action = rule.action
    ruleLeft -= 1
    fired += 1
    if (ruleLeft <= 0) rule = null
    return action
  }

  const server = net.createServer((client) => {
    client.setNoDelay(true)
    const upstream = net.connect({ host: options.target.host, port: options.target.port })
    upstream.setNoDelay(true)
    // Whether the client has been answered since it last sent: its next send is a new round trip.
    let answered = true
    const toClient = delayedWriter(client, latencyMs, () => {
      answered = true
    })
    let frozen = false
    let severed = false
    const connection = {
      cut: (): void => {
        toClient.clear()
        client.destroy()
        upstream.destroy()
        open.delete(connection)
      },
    }
    open.add(connection)

    client.on('data', (chunk: Buffer) => {
      if (frozen || severed) return
      switch (takeFault(chunk)) {
        case 'drop-before':
          connection.cut()
          return
        case 'drop-after':
          severed = true
          upstream.write(chunk)
          toClient.clear()
          client.destroy()
          // Let the server read the whole message and answer before it sees the connection go.
          upstream.once('data', () => upstream.destroy())
          setTimeout(() => upstream.destroy(), 2_000).unref()
          return
        case 'freeze':
          frozen = true
          return
        case null:
          if (answered) trips += 1
          answered = false
          upstream.write(chunk)
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      if (frozen || severed) return
      toClient.write(chunk)
    })
    const finish = (): void => {
      if (frozen) return
      connection.cut()
    }
    client.on('close', finish)
    upstream.on('close', finish)
    client.on('error', () => undefined)
    upstream.on('error', () => undefined)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address')

  const dropAll = (): void => {
    for (const connection of [...open]) connection.cut()
  }
  return {
    port: address.port,
    setFault: (next) => {
      rule = next
      ruleLeft = next?.times ?? 1
    },
    faultsFired: () => fired,
    openConnections: () => open.size,
    roundTrips: () => trips,
    dropAll,
    close: () =>
      new Promise<void>((resolve) => {
        dropAll()
        server.close(() => {
          resolve()
        })
      }),
  }
}
