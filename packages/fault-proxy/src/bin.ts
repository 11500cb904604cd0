#!/usr/bin/env node
// Runs a latency proxy in a process of its own, so that its waiting does not share an event loop
// with what is being measured. Prints `{"port":N}` once listening, answers each `round-trips`
// line on stdin with `{"roundTrips":N}`, and exits when stdin closes.
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { startFaultProxy } from './fault-proxy.js'

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    latency: { type: 'string', default: '0' },
    port: { type: 'string', default: '0' },
  },
})
const target = /^(.+):(\d+)$/.exec(values.target ?? '')
const latencyMs = Number(values.latency)
const port = Number(values.port)
if (target === null || !Number.isFinite(latencyMs) || latencyMs < 0 || !Number.isInteger(port)) {
  process.stderr.write(
    'usage: groupsync-fault-proxy --target HOST:PORT [--latency MS] [--port N]\n',
  )
  process.exit(2)
}
const proxy = await startFaultProxy({
  target: { host: target[1] ?? '127.0.0.1', port: Number(target[2]) },
  latencyMs,
  port,
})
process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`)
const stop = (): void => {
  void proxy.close().then(() => process.exit(0))
}
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'round-trips') {
      process.stdout.write(`${JSON.stringify({ roundTrips: proxy.roundTrips() })}\n`)
    }
  })
  .on('close', stop)
process.on('SIGTERM', stop)
