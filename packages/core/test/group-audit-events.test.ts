import { describe, expect, it } from 'vitest'
import {
  groupCreatedEvent,
  groupDeletedEvents,
  groupRenamedEvent,
  storeTimeout,
} from '../src/index.js'
import { assertAuditEvents, assertGroupChangeOptions } from '../src/store-input.js'

const group = { orgId: 'acme', id: 'g1', name: '\uFEFFAdmins' }

describe('the audit events of group changes', () => {
  it('name the group exactly, and the actor only when there is one', () => {
    expect(groupCreatedEvent(group, 'alice')).toEqual({
      type: 'group.created',
      orgId: 'acme',
      groupId: 'g1',
      groupName: '\uFEFFAdmins',
      actor: 'alice',
    })
    expect(groupCreatedEvent(group)).not.toHaveProperty('actor')
    expect(groupRenamedEvent(group, 'Old')).toEqual({
      type: 'group.renamed',
      orgId: 'acme',
      groupId: 'g1',
      groupName: '\uFEFFAdmins',
      detail: { previousName: 'Old' },
    })
  })

  it('a delete removes each member first, ordered by user id in code units, then the group', () => {
    const events = groupDeletedEvents(
      group,
      [
        { userId: 'b', source: 'sync' },
        { userId: 'B', source: 'manual' },
        { userId: '\uFEFFa', source: 'sync' },
      ],
      'root',
    )
    expect(events.map((e) => [e.type, e.userId, e.source, e.actor])).toEqual([
      ['membership.removed', 'B', 'manual', 'root'],
      ['membership.removed', 'b', 'sync', 'root'],
      ['membership.removed', '\uFEFFa', 'sync', 'root'],
      ['group.deleted', undefined, undefined, 'root'],
    ])
  })

  it('callers may not append group.* events: only a store writes them, with the change', () => {
    for (const type of ['group.created', 'group.renamed', 'group.deleted']) {
      expect(() => {
        assertAuditEvents('acme', [{ type, orgId: 'acme' }])
      }).toThrow(expect.objectContaining({ code: 'STORE_INVALID_INPUT', path: '/audit/0/type' }))
    }
  })
})

describe('per-call options', () => {
  it('accept an AbortSignal and a storable actor, and refuse anything else', () => {
    expect(() => {
      assertGroupChangeOptions({ signal: new AbortController().signal, actor: 'a' })
    }).not.toThrow()
    expect(() => {
      assertGroupChangeOptions(undefined)
    }).not.toThrow()
    for (const bad of [null, 'x', { signal: {} }, { actor: 'nul\u0000' }, { actor: 1 }]) {
      expect(() => {
        assertGroupChangeOptions(bad)
      }).toThrow(expect.objectContaining({ code: 'STORE_INVALID_INPUT' }))
    }
  })

  it('a timeout is STORE_TIMEOUT, says nothing was written, and keeps its cause', () => {
    const cause = new Error('deadline')
    const error = storeTimeout('withUserSync', cause)
    expect(error).toMatchObject({ _tag: 'StoreError', code: 'STORE_TIMEOUT', cause })
    expect(error.message.length).toBeLessThan(200)
    expect(error.message).toMatch(/nothing was written/)
  })
})
