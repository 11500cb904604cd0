import { describe, expect, it } from 'vitest'
import { cutoff } from '../src/commands/stale.js'

describe('groupsync stale: the cut-off time', () => {
  const now = new Date('2026-03-31T12:00:00Z')

  it.each([
    ['30d', '2026-03-01T12:00:00.000Z'],
    ['12h', '2026-03-31T00:00:00.000Z'],
    ['90m', '2026-03-31T10:30:00.000Z'],
  ])('--older-than %s is %s', (duration, expected) => {
    expect(cutoff(duration, undefined, now).toISOString()).toBe(expected)
  })

  it('--before takes an ISO time', () => {
    expect(cutoff(undefined, '2026-01-31T00:00:00Z', now).toISOString()).toBe(
      '2026-01-31T00:00:00.000Z',
    )
  })

  it.each([
    [undefined, undefined],
    ['30d', '2026-01-31T00:00:00Z'],
    ['30 days', undefined],
    [undefined, 'yesterday'],
  ])('--older-than %j --before %j is a usage error', (olderThan, before) => {
    expect(() => cutoff(olderThan, before, now)).toThrow(
      expect.objectContaining({ code: 'CLI_USAGE' }),
    )
  })
})
