import { describe, expect, it } from 'vitest'
import { Deadline, DeadlinePassed } from '../src/internal/call-deadline.js'
import { KeyedQueue } from '../src/internal/keyed-queue.js'

const never = new Deadline(0, undefined)
const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('the per-user queue', () => {
  it('runs calls of one key one at a time in arrival order, other keys at once, and forgets idle keys', async () => {
    const queue = new KeyedQueue()
    const order: string[] = []
    let running = 0
    let most = 0
    const call = (key: string, name: string) =>
      queue.run(key, never, async () => {
        running += 1
        most = Math.max(most, running)
        order.push(`start ${name}`)
        await turn()
        order.push(`end ${name}`)
        running -= 1
      })
    await Promise.all([call('a', 'a1'), call('a', 'a2'), call('b', 'b1'), call('a', 'a3')])
    expect(order.filter((x) => x.endsWith('a1') || x.endsWith('a2') || x.endsWith('a3'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ])
    // b1 ran beside a1, not after the a's.
    expect(order.indexOf('start b1')).toBeLessThan(order.indexOf('end a1'))
    expect(most).toBe(2)
    expect(queue.size).toBe(0)
  })

  it('a waiter whose signal aborts leaves the queue with DeadlinePassed and never runs; a failure frees the key', async () => {
    const queue = new KeyedQueue()
    let release: () => void = () => undefined
    const first = queue.run(
      'k',
      never,
      () =>
        new Promise<string>((resolve) => {
          release = () => {
            resolve('first')
          }
        }),
    )
    const controller = new AbortController()
    let ran = false
    const second = queue.run('k', new Deadline(0, controller.signal), () => {
      ran = true
      return Promise.resolve('second')
    })
    const third = queue.run('k', never, () => Promise.reject(new Error('boom')))
    await turn()
    controller.abort('gave up')
    await expect(second).rejects.toBeInstanceOf(DeadlinePassed)
    release()
    expect(await first).toBe('first')
    await expect(third).rejects.toThrow('boom')
    expect(ran).toBe(false)
    expect(queue.size).toBe(0)
    // A call that starts with its deadline passed runs when nothing is ahead of it: the
    // transaction it starts gives up at once.
    await expect(
      queue.run('k', new Deadline(0, AbortSignal.abort()), () => Promise.resolve(1)),
    ).resolves.toBe(1)
  })

  it('a deadline passes at its timeout or when the caller aborts, whichever comes first, and a race of it rejects then', async () => {
    const timed = new Deadline(20, undefined)
    await expect(timed.race(new Promise(() => undefined))).rejects.toMatchObject({
      reason: { name: 'CallTimeout', ms: 20 },
    })
    const caller = new AbortController()
    const aborted = new Deadline(60_000, caller.signal)
    const raced = aborted.race(new Promise(() => undefined))
    caller.abort('gave up')
    await expect(raced).rejects.toMatchObject({ reason: 'gave up' })
    expect(aborted.aborted).toBe(true)
    aborted.end()
    const done = new Deadline(60_000, undefined)
    await expect(done.race(Promise.resolve(7))).resolves.toBe(7)
    done.end()
  })
})
