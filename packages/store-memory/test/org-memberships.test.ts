import { describe, expect, it } from 'vitest'
import { OrgMemberships, type MemberRecord } from '../src/internal/org-memberships.js'

const sync = (createdAt: number): MemberRecord => ({ source: 'sync', createdAt })
const keys = (m: ReadonlyMap<string, unknown>): string[] => [...m.keys()].sort()

describe('OrgMemberships', () => {
  it('keeps the by-group index in step with each user’s memberships', () => {
    const ms = new OrgMemberships()
    ms.replaceUser(
      'alice',
      new Map([
        ['g1', sync(1)],
        ['g2', sync(1)],
      ]),
    )
    ms.replaceUser('bob', new Map([['g1', sync(2)]]))
    expect(keys(ms.ofGroup('g1'))).toEqual(['alice', 'bob'])
    expect(keys(ms.ofGroup('g2'))).toEqual(['alice'])

    const kept = ms.ofUser('alice').get('g1')
    ms.replaceUser(
      'alice',
      new Map([
        ['g1', kept!],
        ['g3', sync(3)],
      ]),
    )
    expect(keys(ms.ofGroup('g2'))).toEqual([])
    expect(keys(ms.ofGroup('g3'))).toEqual(['alice'])
    expect(ms.ofGroup('g1').get('alice')).toBe(kept)

    ms.replaceUser('alice', new Map())
    expect(keys(ms.ofUser('alice'))).toEqual([])
    expect(keys(ms.ofGroup('g1'))).toEqual(['bob'])
    expect(keys(ms.ofGroup('g3'))).toEqual([])
  })

  it('deletes a group from every member, leaving their other memberships', () => {
    const ms = new OrgMemberships()
    ms.replaceUser(
      'alice',
      new Map([
        ['g1', sync(1)],
        ['g2', sync(1)],
      ]),
    )
    ms.replaceUser('bob', new Map([['g1', sync(2)]]))
    const before = ms.ofUser('alice')
    ms.deleteGroup('g1')
    expect(keys(ms.ofUser('alice'))).toEqual(['g2'])
    expect(keys(ms.ofUser('bob'))).toEqual([])
    expect(keys(ms.ofGroup('g1'))).toEqual([])
    // A map handed out before the delete is not edited: a reader holding it sees the old state.
    expect(keys(before)).toEqual(['g1', 'g2'])
    ms.deleteGroup('nope')
    expect(keys(ms.ofGroup('g2'))).toEqual(['alice'])
  })
})
