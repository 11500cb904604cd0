import type { AuditEventInput } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { isStorable, replayAudit } from '../src/internal/model.js'

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
})
