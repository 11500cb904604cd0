import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { matchQuery, startFaultProxy, startProxyProcess } from '../src/index.js'
import type { FaultProxy } from '../src/index.js'

/** A loopback server that records what it receives and answers every chunk with `ack:<chunk>`. */
const startRecordingServer = async () => {
  const received: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('data', (chunk) => {
      received.push(chunk.toString())
      socket.write(`ack:${chunk.toString()}`)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as net.AddressInfo
  return {
    port: address.port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** A client connection that collects replies and reports when it closes. */
const connect = async (port: number) => {
  const socket = net.connect({ host: '127.0.0.1', port })
  // As database clients do: a second write does not wait for the first one's TCP acknowledgement.
  socket.setNoDelay(true)
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  let replies = ''
  const waiters: (() => void)[] = []
  socket.on('data', (chunk) => {
    replies += chunk.toString()
    for (const wake of waiters.splice(0)) wake()
  })
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve()
    }),
  )
  return {
    send: (text: string) => socket.write(text),
    replies: () => replies,
    /** Resolves once `text` has arrived, or rejects after `ms`. */
    waitFor: (text: string, ms = 2_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (replies.includes(text)) resolve()
          else waiters.push(check)
        }
        setTimeout(() => {
          reject(new Error(`no ${text} within ${ms} ms`))
        }, ms).unref()
        check()
      }),
    closed,
    isClosed: () => socket.destroyed || socket.readyState === 'closed',
    destroy: () => socket.destroy(),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('startFaultProxy', () => {
  let cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const close of cleanup.reverse()) await close()
    cleanup = []
  })

  const setUp = async (latencyMs = 0) => {
    const server = await startRecordingServer()
    const proxy: FaultProxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      latencyMs,
    })
    cleanup.push(server.close, proxy.close)
    return { server, proxy }
  }

  it('forwards both ways when no fault is set', async () => {
    const { server, proxy } = await setUp()
    const client = await connect(proxy.port)
    client.send('hello')
    await client.waitFor('ack:hello')
    expect(server.received.join('')).toBe('hello')
    expect(proxy.openConnections()).toBe(1)
    expect(proxy.faultsFired()).toBe(0)
    client.destroy()
  })

  it('holds every reply for the latency, so each round trip takes at least that long', async () => {
    const { proxy } = await setUp(20)
    const client = await connect(proxy.port)
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      client.send(`m${i};`)
      await client.waitFor(`ack:m${i};`)
      expect(performance.now() - started).toBeGreaterThanOrEqual(19.5)
    }
    client.destroy()
  })

  it('drop-before: the matching chunk never reaches the server and the client is cut', async () => {
    const { server, proxy } = await setUp()
    const client = await connect(proxy.port)
    client.send('BEGIN')
    await client.waitFor('ack:BEGIN')
    proxy.setFault({ match: matchQuery('COMMIT'), action: 'drop-before' })
    client.send('COMMIT')
    await client.closed
    await sleep(50)
    expect(server.received).toEqual(['BEGIN'])
    expect(client.replies()).toBe('ack:BEGIN')
    expect(proxy.faultsFired()).toBe(1)
  })

  it('drop-after: the server gets the chunk, the client never gets the reply', async () => {
    const { server, proxy } = await setUp()
    const client = await connect(proxy.port)
    proxy.setFault({ match: matchQuery('COMMIT'), action: 'drop-after' })
    client.send('COMMIT')
    await client.closed
    await sleep(50)
    expect(server.received).toEqual(['COMMIT'])
    expect(client.replies()).toBe('')
    expect(proxy.faultsFired()).toBe(1)
  })

  it('freeze: nothing more passes either way and the connection stays open', async () => {
    const { server, proxy } = await setUp()
    const client = await connect(proxy.port)
    proxy.setFault({ match: matchQuery('SELECT'), action: 'freeze' })
    client.send('SELECT 1')
    await expect(client.waitFor('ack:', 200)).rejects.toThrow()
    client.send('more')
    await sleep(50)
    expect(server.received).toEqual([])
    expect(client.isClosed()).toBe(false)
    expect(proxy.openConnections()).toBe(1)
    proxy.dropAll()
    await client.closed
    expect(proxy.openConnections()).toBe(0)
  })

  it('a rule fires `times` times and then clears itself, on any connection', async () => {
    const { server, proxy } = await setUp()
    proxy.setFault({ match: matchQuery('X'), action: 'drop-before', times: 2 })
    for (let i = 0; i < 2; i++) {
      const client = await connect(proxy.port)
      client.send('X')
      await client.closed
    }
    const client = await connect(proxy.port)
    client.send('X')
    await client.waitFor('ack:X')
    expect(server.received).toEqual(['X'])
    expect(proxy.faultsFired()).toBe(2)
    client.destroy()
  })

  it('setFault(null) clears a rule before it fires', async () => {
    const { proxy } = await setUp()
    proxy.setFault({ match: matchQuery('X'), action: 'drop-before' })
    proxy.setFault(null)
    const client = await connect(proxy.port)
    client.send('X')
    await client.waitFor('ack:X')
    expect(proxy.faultsFired()).toBe(0)
    client.destroy()
  })
})

describe('startProxyProcess', () => {
  it('runs a latency proxy in a child process and stops it', async () => {
    const server = await startRecordingServer()
    const proxy = await startProxyProcess({
      target: { host: '127.0.0.1', port: server.port },
      latencyMs: 15,
    })
    try {
      const client = await connect(proxy.port)
      const started = performance.now()
      client.send('ping')
      await client.waitFor('ack:ping')
      expect(performance.now() - started).toBeGreaterThanOrEqual(14.5)
      client.destroy()
    } finally {
      await proxy.close()
      await server.close()
    }
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: proxy.port })
        socket.once('connect', () => {
          socket.destroy()
          resolve('connected')
        })
        socket.once('error', reject)
      }),
    ).rejects.toThrow()
  })

  it('counts round trips in the child: messages sent before an answer arrives count once', async () => {
    const server = await startRecordingServer()
    const proxy = await startProxyProcess({
      target: { host: '127.0.0.1', port: server.port },
      latencyMs: 5,
    })
    try {
      const client = await connect(proxy.port)
      client.send('one')
      await client.waitFor('ack:one')
      client.send('two')
      client.send('three')
      // The server may get both in one chunk and answer `ack:twothree`.
      await client.waitFor('three')
      expect(await proxy.roundTrips()).toBe(2)
      client.send('four')
      await client.waitFor('ack:four')
      expect(await proxy.roundTrips()).toBe(3)
      client.destroy()
    } finally {
      await proxy.close()
      await server.close()
    }
  })
})
