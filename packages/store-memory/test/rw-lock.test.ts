import { describe, expect, it } from 'vitest'
import { KeyedRwLocks, RwLock } from '../src/internal/rw-lock.js'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('RwLock', () => {
  it('lets shared holders in together and an exclusive holder in alone', async () => {
    const lock = new RwLock()
    const order: string[] = []
    const r1 = await lock.acquire(false)
    const r2 = await lock.acquire(false)
    const writer = lock.acquire(true).then((release) => {
      order.push('writer')
      return release
    })
    await tick()
    expect(order).toEqual([])
    r1()
    await tick()
    expect(order).toEqual([])
    r2()
    const releaseWriter = await writer
    expect(order).toEqual(['writer'])
    releaseWriter()
    expect(lock.idle).toBe(true)
  })

  it('serves waiters in arrival order, so a queued writer is not starved by later readers', async () => {
    const lock = new RwLock()
    const order: string[] = []
    const first = await lock.acquire(false)
    const writer = lock.acquire(true).then((release) => {
      order.push('writer')
      release()
    })
    const lateReader = lock.acquire(false).then((release) => {
      order.push('late reader')
      release()
    })
    await tick()
    expect(order).toEqual([])
    first()
    await Promise.all([writer, lateReader])
    expect(order).toEqual(['writer', 'late reader'])
  })

  it('a release called twice releases once', async () => {
    const lock = new RwLock()
    const release = await lock.acquire(true)
    release()
    release()
    const again = await lock.acquire(true)
    const other = lock.acquire(false)
    let got = false
    void other.then(() => {
      got = true
    })
    await tick()
    expect(got).toBe(false)
    again()
    await other
    expect(got).toBe(true)
  })
})

describe('KeyedRwLocks', () => {
  it('drops a key once nobody holds or waits for it', async () => {
    const locks = new KeyedRwLocks()
    const a = await locks.acquire('a', true)
    const b = locks.acquire('a', true)
    expect(locks.size).toBe(1)
    a()
    expect(locks.size).toBe(1)
    ;(await b)()
    expect(locks.size).toBe(0)
  })
})
