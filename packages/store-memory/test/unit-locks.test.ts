import { describe, expect, it } from 'vitest'
import { UnitLocks } from '../src/internal/unit-locks.js'

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** A unit of work that holds its locks until released. */
const held = (
  locks: UnitLocks,
  orgId: string,
  userId: string | undefined,
  signal?: AbortSignal,
) => {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  let started = false
  const done = locks.run('test', orgId, userId, signal, async (commit) => {
    started = true
    await gate
    commit()
    return 'done'
  })
  return { done, release, started: () => started }
}

describe('UnitLocks', () => {
  it('runs units of different users of one org together, and an org change alone', async () => {
    const locks = new UnitLocks()
    const alice = held(locks, 'org', 'alice')
    const bob = held(locks, 'org', 'bob')
    const change = held(locks, 'org', undefined)
    const other = held(locks, 'other', undefined)
    await tick()
    expect([alice.started(), bob.started(), change.started(), other.started()]).toEqual([
      true,
      true,
      false,
      true,
    ])
    alice.release()
    bob.release()
    await Promise.all([alice.done, bob.done])
    await tick()
    expect(change.started()).toBe(true)
    change.release()
    other.release()
    await Promise.all([change.done, other.done])
    expect(locks.size).toBe(0)
  })

  it('ends a waiter aborted in the queue, or before its commit, in STORE_TIMEOUT; no lock leaks', async () => {
    const locks = new UnitLocks()
    const first = held(locks, 'org', 'alice')
    const controller = new AbortController()
    const waiting = held(locks, 'org', 'alice', controller.signal)
    await tick()
    controller.abort()
    await expect(waiting.done).rejects.toMatchObject({ code: 'STORE_TIMEOUT' })

    const late = new AbortController()
    const committing = held(locks, 'org', 'bob', late.signal)
    await tick()
    late.abort()
    committing.release()
    await expect(committing.done).rejects.toMatchObject({ code: 'STORE_TIMEOUT' })

    first.release()
    expect(await first.done).toBe('done')
    expect(locks.size).toBe(0)
  })

  it('releases the locks when the unit throws', async () => {
    const locks = new UnitLocks()
    await expect(
      locks.run('test', 'org', 'alice', undefined, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom')
    expect(locks.size).toBe(0)
  })
})
