import type { AuditEvent, AuditEventInput } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { isStorable, replayAudit, replayLog } from '../src/internal/model.js'

const ev = (type: AuditEventInput['type'], userId: string, groupId: string): AuditEventInput => ({
  type,
  orgId: 'o',
  userId,
  groupId,
})

describe('the contract suite model', () => {
  it('replayAudit applies one user’s adds and removes in order', () => {
    const events = [
      ev('membership.added', 'alice', 'g1'),
      ev('membership.added', 'bob', 'g2'),
      ev('membership.removed', 'alice', 'g0'),
      ev('settings.changed', 'alice', 'g9'),
    ]
    expect(replayAudit(['g0'], events, 'alice')).toEqual(new Set(['g1']))
  })

  it('replayAudit reports an add of a group already held and a remove of one not held', () => {
    expect(replayAudit(['g1'], [ev('membership.added', 'alice', 'g1')], 'alice')).toMatch(/adds g1/)
    expect(replayAudit([], [ev('membership.removed', 'alice', 'g1')], 'alice')).toMatch(
      /removes g1/,
    )
  })

  it('isStorable refuses NUL and lone surrogates, and accepts pairs', () => {
    expect(isStorable('😀 ok')).toBe(true)
    expect(isStorable('a\u0000')).toBe(false)
    expect(isStorable('\uD83D')).toBe(false)
    expect(isStorable('\uDE00x')).toBe(false)
  })

  it('replayLog accepts a user.removed once the removal took every membership, and not before', () => {
    const log = (events: readonly AuditEventInput[]): AuditEvent[] =>
      events.map((e, i) => ({ ...e, seq: i + 1, at: new Date(i) }))
    const created: AuditEventInput = { type: 'group.created', orgId: 'o', groupId: 'g1' }
    const added = { ...ev('membership.added', 'alice', 'g1'), source: 'sync' as const }
    const removed = ev('membership.removed', 'alice', 'g1')
    const userRemoved: AuditEventInput = { type: 'user.removed', orgId: 'o', userId: 'alice' }
    const replayed = replayLog(log([created, added, removed, userRemoved]))
    expect(
      typeof replayed === 'string' ? replayed : [...(replayed.members.get('alice') ?? [])],
    ).toEqual([])
    expect(replayLog(log([created, added, userRemoved]))).toMatch(/still a member of g1/)
  })
})
