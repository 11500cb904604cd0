import { describe, expect, it } from 'vitest'
import { storeTimeout } from '../src/index.js'
import {
  assertAuditEvents,
  assertAuditQuery,
  assertClaimGroups,
  assertGroupChangeOptions,
  assertMembershipSource,
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  assertUserSyncChanges,
} from '../src/store-input.js'
import { invalidInput } from './invalid-input.fixture.js'

// How a store refuses input (store-input.ts): a STORE_INVALID_INPUT error at the offending path,
// whose message starts with that path and then says what is wrong, in words of its own for each
// way a value can be wrong, so that the caller can fix it from the message alone. The rules
// themselves (what is accepted) are in store-input.test.ts.

const scope = { orgId: 'o', groupIds: new Set(['g1', 'g2']) }
const at = new Date('2026-01-01T00:00:00Z')

/** One way of each check to refuse: the call, and the path it must name. */
const REFUSALS: readonly (readonly [string, () => void, string])[] = [
  [
    'claim groups not an array',
    () => {
      assertClaimGroups('dev', '/claimGroups')
    },
    '/claimGroups',
  ],
  [
    'a claim entry not a string',
    () => {
      assertClaimGroups(['a', 1], '/claimGroups')
    },
    '/claimGroups/1',
  ],
  [
    'text not a string',
    () => {
      assertStoreText(1, '/name')
    },
    '/name',
  ],
  [
    'text with a NUL',
    () => {
      assertStoreText('a\u0000', '/name')
    },
    '/name',
  ],
  [
    'text with a lone surrogate',
    () => {
      assertStoreText('a\uD800', '/name')
    },
    '/name',
  ],
  [
    'an empty id',
    () => {
      assertStoreId('', '/orgId')
    },
    '/orgId',
  ],
  [
    'an id too long',
    () => {
      assertStoreId('x'.repeat(256), '/orgId')
    },
    '/orgId',
  ],
  [
    'a time not a Date',
    () => {
      assertStoreDate('2026', '/olderThan')
    },
    '/olderThan',
  ],
  [
    'an invalid Date',
    () => {
      assertStoreDate(new Date(Number.NaN), '/olderThan')
    },
    '/olderThan',
  ],
  [
    'a time out of range',
    () => {
      assertStoreDate(new Date(-8e15), '/olderThan')
    },
    '/olderThan',
  ],
  [
    'an unknown source',
    () => {
      assertMembershipSource('idp', '/source')
    },
    '/source',
  ],
  [
    'settings not an object',
    () => {
      assertOrgSettings(null)
    },
    '/settings',
  ],
  [
    'a non-boolean switch',
    () => {
      assertOrgSettings({ manageGroupMemberships: 1, matchMode: 'exact' })
    },
    '/settings/manageGroupMemberships',
  ],
  [
    'an unknown match mode',
    () => {
      assertOrgSettings({ manageGroupMemberships: true, matchMode: 'fuzzy' })
    },
    '/settings/matchMode',
  ],
  [
    'events not an array',
    () => {
      assertAuditEvents('o', {})
    },
    '/audit',
  ],
  [
    'an event not an object',
    () => {
      assertAuditEvents('o', [1])
    },
    '/audit/0',
  ],
  [
    'an unknown event type',
    () => {
      assertAuditEvents('o', [{ type: 'x', orgId: 'o' }])
    },
    '/audit/0/type',
  ],
  [
    'a store-written event type',
    () => {
      assertAuditEvents('o', [{ type: 'user.removed', orgId: 'o' }])
    },
    '/audit/0/type',
  ],
  [
    'an event of another org',
    () => {
      assertAuditEvents('o', [{ type: 'sync.denied', orgId: 'p' }])
    },
    '/audit/0/orgId',
  ],
  [
    'a detail not an object',
    () => {
      assertAuditEvents('o', [{ type: 'sync.denied', orgId: 'o', detail: 1 }])
    },
    '/audit/0/detail',
  ],
  [
    'a detail number that JSON cannot hold',
    () => {
      assertAuditEvents('o', [{ type: 'sync.denied', orgId: 'o', detail: { n: Number.NaN } }])
    },
    '/audit/0/detail/n',
  ],
  [
    'a detail object with a prototype',
    () => {
      assertAuditEvents('o', [{ type: 'sync.denied', orgId: 'o', detail: { d: new Date(0) } }])
    },
    '/audit/0/detail/d',
  ],
  [
    'a detail value JSON has not',
    () => {
      assertAuditEvents('o', [{ type: 'sync.denied', orgId: 'o', detail: { f: () => 1 } }])
    },
    '/audit/0/detail/f',
  ],
  [
    'a query not an object',
    () => {
      assertAuditQuery(5)
    },
    '/query',
  ],
  [
    'a negative limit',
    () => {
      assertAuditQuery({ limit: -1 })
    },
    '/query/limit',
  ],
  [
    'changes not an object',
    () => {
      assertUserSyncChanges(scope, 5)
    },
    '/changes',
  ],
  [
    'adds not an array',
    () => {
      assertUserSyncChanges(scope, { add: 1, remove: [], audit: [] })
    },
    '/changes/add',
  ],
  [
    'removes not an array',
    () => {
      assertUserSyncChanges(scope, { add: [], remove: 1, audit: [] })
    },
    '/changes/remove',
  ],
  [
    'an add not an object',
    () => {
      assertUserSyncChanges(scope, { add: ['g1'], remove: [], audit: [] })
    },
    '/changes/add/0',
  ],
  [
    'a group outside the slice',
    () => {
      assertUserSyncChanges(scope, { add: [], remove: ['g9'], audit: [] })
    },
    '/changes/remove/0',
  ],
  [
    'a group named twice',
    () => {
      assertUserSyncChanges(scope, { add: [], remove: ['g1', 'g1'], audit: [] })
    },
    '/changes/remove/1',
  ],
  [
    'a token time without a sync time',
    () => {
      assertUserSyncChanges(scope, { add: [], remove: [], audit: [], tokenIssuedAt: at })
    },
    '/changes/tokenIssuedAt',
  ],
  [
    'options not an object',
    () => {
      assertGroupChangeOptions(5)
    },
    '/options',
  ],
  [
    'a signal that is not one',
    () => {
      assertGroupChangeOptions({ signal: {} })
    },
    '/options/signal',
  ],
  [
    'an actor with a NUL',
    () => {
      assertGroupChangeOptions({ actor: 'a\u0000' })
    },
    '/options/actor',
  ],
]

describe('a refusal names the path, then says what is wrong', () => {
  it.each(REFUSALS)('%s', (_, run, path) => {
    const error = invalidInput(run)
    expect(error.path).toBe(path)
    const escaped = path.replace(/[.[\]]/g, (c) => `\\${c}`)
    expect(error.message).toMatch(new RegExp(`^${escaped}: \\S.{8,}$`))
  })
})

describe('the events only a store writes', () => {
  it.each(['group.created', 'group.renamed', 'group.deleted', 'user.removed'])(
    '%s is refused as the store’s own, with the type as the value',
    (type) => {
      const error = invalidInput(() => {
        assertAuditEvents('o', [{ type, orgId: 'o' }])
      })
      expect(error).toMatchObject({ path: '/audit/0/type', value: type })
      expect(error.message).toMatch(/written by the store/)
    },
  )

  it('an unknown type is refused as unknown, with no value to show', () => {
    const error = invalidInput(() => {
      assertAuditEvents('o', [{ type: 'group.exploded', orgId: 'o' }])
    })
    expect(error.value).toBeUndefined()
    expect(error.message).toMatch(/not a known audit event type/)
  })
})

describe('a token time is kept only beside a sync time, and must be storable', () => {
  it('accepts both, refuses a token time alone or an invalid one', () => {
    expect(() => {
      assertUserSyncChanges(scope, {
        add: [],
        remove: [],
        audit: [],
        syncedAt: at,
        tokenIssuedAt: at,
      })
    }).not.toThrow()
    expect(
      invalidInput(() => {
        assertUserSyncChanges(scope, { add: [], remove: [], audit: [], tokenIssuedAt: at })
      }).message,
    ).toMatch(/needs syncedAt/)
    expect(
      invalidInput(() => {
        assertUserSyncChanges(scope, {
          add: [],
          remove: [],
          audit: [],
          syncedAt: at,
          tokenIssuedAt: new Date(Number.NaN),
        })
      }).path,
    ).toBe('/changes/tokenIssuedAt')
  })
})

describe('storeTimeout', () => {
  it('says what ran out of time, that nothing was written and to retry; keeps the cause', () => {
    const cause = new Error('deadline')
    const error = storeTimeout('listGroups', cause)
    expect(error).toMatchObject({ code: 'STORE_TIMEOUT' })
    expect(error.message).toMatch(/^listGroups: .*nothing was written.*retry/)
    expect(error.cause).toBe(cause)
    expect('cause' in storeTimeout('listGroups')).toBe(false)
  })
})
