import type { AuditEventInput } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { AuditLog, auditCopies } from '../src/internal/audit-log.js'

const event = (userId: string, n: number): AuditEventInput => ({
  type: 'membership.added',
  orgId: 'org',
  userId,
  detail: { n },
})

describe('AuditLog', () => {
  const filled = () => {
    const log = new AuditLog()
    log.append(auditCopies([event('alice', 1), event('bob', 2)]), 10)
    log.append(auditCopies([event('alice', 3)]), 20)
    log.append(auditCopies([event('bob', 4), event('alice', 5)]), 30)
    return log
  }

  it('numbers events from 1 without gaps and stamps each append’s time', () => {
    const all = filled().list(0, undefined, undefined)
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(all.map((e) => e.at.getTime())).toEqual([10, 10, 20, 30, 30])
    expect(all.map((e) => e.detail?.n)).toEqual([1, 2, 3, 4, 5])
  })

  it('lists after a seq, by user and up to a limit', () => {
    const log = filled()
    expect(log.list(2, undefined, undefined).map((e) => e.seq)).toEqual([3, 4, 5])
    expect(log.list(1.5, undefined, undefined).map((e) => e.seq)).toEqual([2, 3, 4, 5])
    expect(log.list(5, undefined, undefined)).toEqual([])
    expect(log.list(1e9, undefined, undefined)).toEqual([])
    expect(log.list(0, 'alice', undefined).map((e) => e.seq)).toEqual([1, 3, 5])
    expect(log.list(1, 'alice', 1).map((e) => e.seq)).toEqual([3])
    expect(log.list(0, undefined, 0)).toEqual([])
    expect(log.list(0, 'carol', undefined)).toEqual([])
  })

  it('keeps its own frozen copies: the caller’s later edits change nothing', () => {
    const detail = { tags: ['a'] }
    const input: AuditEventInput = { type: 'sync.denied', orgId: 'org', detail }
    const log = new AuditLog()
    log.append(auditCopies([input]), 1)
    detail.tags.push('b')
    const [listed] = log.list(0, undefined, undefined)
    expect(listed?.detail).toEqual({ tags: ['a'] })
    expect(Object.isFrozen(listed?.detail)).toBe(true)
    expect(Object.isFrozen((listed?.detail as { tags: string[] }).tags)).toBe(true)
  })
})
