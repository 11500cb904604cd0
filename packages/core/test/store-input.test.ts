import { describe, expect, it } from 'vitest'
import {
  MAX_STORE_ID_LENGTH,
  MAX_STORE_TIME,
  MIN_STORE_TIME,
  StoreError,
  type UserSyncSnapshot,
} from '../src/index.js'
import {
  assertAuditEvents,
  assertAuditQuery,
  assertMembershipSource,
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  assertUserSyncChanges,
  groupNotFound,
  userSyncScope,
} from '../src/store-input.js'
import { invalidInput } from './invalid-input.fixture.js'

// The input rules every store enforces before it writes anything: each bad value is a
// STORE_INVALID_INPUT error whose `path` names the offending field, and each good value passes.

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i += 1) value = { d: value }
  return value
}

describe('store text: any length, no NUL, no lone surrogate', () => {
  it.each(['', 'Admins', 'x'.repeat(10_000), '😀 paired surrogates', 'tab\tand newline\n'])(
    'accepts %j',
    (text) => {
      expect(() => {
        assertStoreText(text, '/name')
      }).not.toThrow()
    },
  )

  it.each([
    ['a NUL character', 'Admins\u0000'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate at the end', 'ab\uDC00'],
  ])('refuses %s, naming the field', (_, text) => {
    expect(
      invalidInput(() => {
        assertStoreText(text, '/groupName')
      }).path,
    ).toBe('/groupName')
  })

  it.each([undefined, null, 42, ['a'], { toString: () => 'a' }])(
    'refuses the non-string %j',
    (value) => {
      expect(
        invalidInput(() => {
          assertStoreText(value, '/name')
        }).path,
      ).toBe('/name')
    },
  )

  it('says what to fix: the NUL and the surrogate are told apart', () => {
    expect(
      invalidInput(() => {
        assertStoreText('\u0000', '/name')
      }).message,
    ).toMatch(/NUL/)
    expect(
      invalidInput(() => {
        assertStoreText('\uD800', '/name')
      }).message,
    ).toMatch(/surrogate/)
  })
})

describe('store ids: 1 to MAX_STORE_ID_LENGTH code units of store text', () => {
  it('accepts one code unit and exactly the maximum', () => {
    expect(MAX_STORE_ID_LENGTH).toBe(255)
    expect(() => {
      assertStoreId('g', '/groupId')
      assertStoreId('x'.repeat(MAX_STORE_ID_LENGTH), '/groupId')
    }).not.toThrow()
  })

  it('refuses the empty id and one code unit over the maximum', () => {
    expect(
      invalidInput(() => {
        assertStoreId('', '/userId')
      }).path,
    ).toBe('/userId')
    expect(
      invalidInput(() => {
        assertStoreId('x'.repeat(MAX_STORE_ID_LENGTH + 1), '/userId')
      }).path,
    ).toBe('/userId')
  })

  it('refuses what store text refuses', () => {
    expect(
      invalidInput(() => {
        assertStoreId('u\u0000', '/userId')
      }).path,
    ).toBe('/userId')
    expect(
      invalidInput(() => {
        assertStoreId(7, '/userId')
      }).path,
    ).toBe('/userId')
  })
})

describe('store times: a valid Date from year 1 to year 9999', () => {
  it('accepts both ends of the range', () => {
    expect(() => {
      assertStoreDate(new Date(MIN_STORE_TIME), '/at')
      assertStoreDate(new Date(MAX_STORE_TIME), '/at')
      assertStoreDate(new Date(0), '/at')
    }).not.toThrow()
  })

  it('refuses one millisecond outside either end, with the time it was given', () => {
    const before = invalidInput(() => {
      assertStoreDate(new Date(MIN_STORE_TIME - 1), '/at')
    })
    expect(before.path).toBe('/at')
    expect(before.value).toBe(new Date(MIN_STORE_TIME - 1).toISOString())
    const after = invalidInput(() => {
      assertStoreDate(new Date(MAX_STORE_TIME + 1), '/at')
    })
    expect(after.value).toBe(new Date(MAX_STORE_TIME + 1).toISOString())
  })

  it('refuses an invalid Date and what is not a Date', () => {
    expect(
      invalidInput(() => {
        assertStoreDate(new Date(Number.NaN), '/at')
      }).path,
    ).toBe('/at')
    expect(
      invalidInput(() => {
        assertStoreDate(Date.now(), '/at')
      }).path,
    ).toBe('/at')
    expect(
      invalidInput(() => {
        assertStoreDate('2026-01-01T00:00:00Z', '/at')
      }).path,
    ).toBe('/at')
  })
})

describe('membership sources: sync or manual', () => {
  it('accepts both', () => {
    expect(() => {
      assertMembershipSource('sync', '/source')
      assertMembershipSource('manual', '/source')
    }).not.toThrow()
  })

  it('refuses anything else, keeping a string it was given as the value', () => {
    const error = invalidInput(() => {
      assertMembershipSource('Manual', '/source')
    })
    expect([error.path, error.value]).toEqual(['/source', 'Manual'])
    const notText = invalidInput(() => {
      assertMembershipSource(1, '/source')
    })
    expect([notText.path, notText.value]).toEqual(['/source', undefined])
  })
})

describe('org settings: a boolean switch and a known match mode', () => {
  it('accepts every valid combination', () => {
    for (const manageGroupMemberships of [true, false]) {
      for (const matchMode of ['exact', 'case-insensitive']) {
        expect(() => {
          assertOrgSettings({ manageGroupMemberships, matchMode })
        }).not.toThrow()
      }
    }
  })

  it.each([
    ['null', null, '/settings'],
    ['an array', [true, 'exact'], '/settings'],
    [
      'a string switch',
      { manageGroupMemberships: 'true', matchMode: 'exact' },
      '/settings/manageGroupMemberships',
    ],
    ['a missing switch', { matchMode: 'exact' }, '/settings/manageGroupMemberships'],
    [
      'an unknown match mode',
      { manageGroupMemberships: true, matchMode: 'EXACT' },
      '/settings/matchMode',
    ],
    [
      'a match mode that is not text',
      { manageGroupMemberships: true, matchMode: 1 },
      '/settings/matchMode',
    ],
  ])('refuses %s', (_, value, path) => {
    expect(
      invalidInput(() => {
        assertOrgSettings(value)
      }).path,
    ).toBe(path)
  })

  it('names the caller’s path', () => {
    expect(
      invalidInput(() => {
        assertOrgSettings(null, '/update/settings')
      }).path,
    ).toBe('/update/settings')
  })
})

describe('audit events: known types, for the org written to, storable fields and JSON detail', () => {
  const event = (extra: Record<string, unknown> = {}) => ({
    type: 'membership.added',
    orgId: 'acme',
    userId: 'u1',
    groupId: 'g1',
    groupName: 'Admins',
    source: 'sync',
    claimDigest: 'ab'.repeat(32),
    actor: 'admin@acme',
    detail: { claimState: 'present', count: 2, nested: [true, null, { a: 'b' }] },
    ...extra,
  })

  it('accepts well-formed events of every type a caller writes, and no events', () => {
    const types = ['membership.added', 'membership.removed', 'sync.denied', 'settings.changed']
    expect(() => {
      assertAuditEvents(
        'acme',
        types.map((type) => event({ type })),
      )
      assertAuditEvents('acme', [])
      assertAuditEvents('acme', [{ type: 'sync.denied', orgId: 'acme' }])
    }).not.toThrow()
  })

  it('refuses what is not an array, or an entry that is not an object', () => {
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', event())
      }).path,
    ).toBe('/audit')
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event(), 'x'])
      }).path,
    ).toBe('/audit/1')
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [[]], '/changes/audit')
      }).path,
    ).toBe('/changes/audit/0')
  })

  it('refuses an unknown or missing type', () => {
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event({ type: 'membership.changed' })])
      }).path,
    ).toBe('/audit/0/type')
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event({ type: undefined })])
      }).path,
    ).toBe('/audit/0/type')
  })

  it('refuses an event for another organisation: an operation writes only to its own', () => {
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event(), event({ orgId: 'other' })])
      }).path,
    ).toBe('/audit/1/orgId')
  })

  it.each([
    ['userId', ''],
    ['groupId', 'x'.repeat(MAX_STORE_ID_LENGTH + 1)],
    ['groupName', 'a\u0000'],
    ['claimDigest', '\uD800'],
    ['actor', 5],
    ['source', 'admin'],
  ])('checks the optional field %s', (key, value) => {
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event({ [key]: value })])
      }).path,
    ).toBe(`/audit/0/${key}`)
  })

  it('takes an absent optional field as absent', () => {
    const bare = { type: 'membership.removed', orgId: 'acme' }
    expect(() => {
      assertAuditEvents('acme', [bare])
    }).not.toThrow()
  })

  it('refuses a detail that is not an object', () => {
    for (const detail of [['a'], 'text', 1, null]) {
      expect(
        invalidInput(() => {
          assertAuditEvents('acme', [event({ detail })])
        }).path,
      ).toBe('/audit/0/detail')
    }
  })

  it.each([
    ['NaN', { n: Number.NaN }, '/audit/0/detail/n'],
    ['Infinity', { n: [1, Number.POSITIVE_INFINITY] }, '/audit/0/detail/n/1'],
    ['a string with NUL', { list: ['ok', 'a\u0000'] }, '/audit/0/detail/list/1'],
    ['a key with NUL', { 'k\u0000': 1 }, '/audit/0/detail/k\u0000'],
    // A key's `~` and `/` are escaped as JSON Pointer escapes them (RFC 6901).
    ['a key with / and ~', { 'a/b~c': { n: Number.NaN } }, '/audit/0/detail/a~1b~0c/n'],
    ['a key ~1, escaped once', { '~1': Number.NaN }, '/audit/0/detail/~01'],
    ['a Date', { at: new Date(0) }, '/audit/0/detail/at'],
    ['a Map', { m: new Map() }, '/audit/0/detail/m'],
    ['undefined in an array', { list: [undefined] }, '/audit/0/detail/list/0'],
    ['a function', { f: () => 1 }, '/audit/0/detail/f'],
    ['a bigint', { b: 1n }, '/audit/0/detail/b'],
  ])('refuses a detail holding %s, at its path', (_, detail, path) => {
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event({ detail })])
      }).path,
    ).toBe(path)
  })

  it('accepts an object without a prototype as plain JSON', () => {
    const detail = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 })
    expect(() => {
      assertAuditEvents('acme', [event({ detail })])
    }).not.toThrow()
  })

  it('accepts detail nested 64 levels below the detail object, refuses 65', () => {
    expect(() => {
      assertAuditEvents('acme', [event({ detail: nested(64) })])
    }).not.toThrow()
    expect(
      invalidInput(() => {
        assertAuditEvents('acme', [event({ detail: nested(65) })])
      }).message,
    ).toMatch(/deeper than 64/)
  })

  it('counts array levels as nesting too', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 64; i += 1) deep = [deep]
    expect(() => {
      assertAuditEvents('acme', [event({ detail: { a: deep } })])
    }).toThrow(StoreError)
  })
})

describe('audit queries: an optional user id and non-negative integer bounds', () => {
  it('accepts no query, an empty one and every bound at zero or above', () => {
    expect(() => {
      assertAuditQuery(undefined)
      assertAuditQuery({})
      assertAuditQuery({ userId: 'u1', afterSeq: 0, limit: 0 })
      assertAuditQuery({ afterSeq: Number.MAX_SAFE_INTEGER, limit: 1 })
    }).not.toThrow()
  })

  it.each([
    ['a query that is not an object', null, '/query'],
    ['an array', [1], '/query'],
    ['an empty user id', { userId: '' }, '/query/userId'],
    ['a negative afterSeq', { afterSeq: -1 }, '/query/afterSeq'],
    ['a fractional limit', { limit: 1.5 }, '/query/limit'],
    ['a limit given as text', { limit: '10' }, '/query/limit'],
    ['an unsafe integer', { afterSeq: 2 ** 53 }, '/query/afterSeq'],
    ['a NaN limit', { limit: Number.NaN }, '/query/limit'],
  ])('refuses %s', (_, query, path) => {
    expect(
      invalidInput(() => {
        assertAuditQuery(query)
      }).path,
    ).toBe(path)
  })
})

describe('a unit of work’s changes: groups of the org, each named once, valid sources and events', () => {
  const snapshot: UserSyncSnapshot = {
    orgId: 'acme',
    userId: 'u1',
    settings: { manageGroupMemberships: true, matchMode: 'exact' },
    groups: [
      { id: 'g1', name: 'dev', orgId: 'acme', createdAt: new Date(0) },
      { id: 'g2', name: 'ops', orgId: 'acme', createdAt: new Date(0) },
      { id: 'g3', name: 'sales', orgId: 'acme', createdAt: new Date(0) },
    ],
    memberships: [],
    lastSyncedAt: null,
  } as unknown as UserSyncSnapshot
  const scope = userSyncScope(snapshot)
  const added = (groupId: unknown, source: unknown = 'sync') => ({ groupId, source })

  it('accepts no change (null), an empty change and a valid one', () => {
    expect(() => {
      assertUserSyncChanges(scope, null)
      assertUserSyncChanges(scope, { add: [], remove: [], audit: [] })
      assertUserSyncChanges(scope, {
        add: [added('g1'), added('g2', 'manual')],
        remove: ['g3'],
        audit: [{ type: 'membership.removed', orgId: 'acme', groupId: 'g3' }],
        syncedAt: new Date(),
      })
    }).not.toThrow()
  })

  it('keeps its own copy of the group ids: a decide step that edits the snapshot changes nothing', () => {
    const groups = [...snapshot.groups]
    const own = userSyncScope({ ...snapshot, groups })
    groups.push({ id: 'evil', name: 'evil', orgId: 'acme', createdAt: new Date(0) })
    expect(own.orgId).toBe('acme')
    expect([...own.groupIds].sort()).toEqual(['g1', 'g2', 'g3'])
    expect(
      invalidInput(() => {
        assertUserSyncChanges(own, { add: [added('evil')], remove: [], audit: [] })
      }).path,
    ).toBe('/changes/add/0/groupId')
  })

  it.each([
    ['not an object', 'add g1', '/changes'],
    ['add not an array', { add: 'g1', remove: [], audit: [] }, '/changes/add'],
    ['remove not an array', { add: [], remove: 'g1', audit: [] }, '/changes/remove'],
    [
      'an add entry that is not an object',
      { add: ['g1'], remove: [], audit: [] },
      '/changes/add/0',
    ],
    [
      'a group of another org',
      { add: [added('g9')], remove: [], audit: [] },
      '/changes/add/0/groupId',
    ],
    [
      'a removal of another org’s group',
      { add: [], remove: ['g1', 'g9'], audit: [] },
      '/changes/remove/1',
    ],
    [
      'a group added twice',
      { add: [added('g1'), added('g1')], remove: [], audit: [] },
      '/changes/add/1/groupId',
    ],
    ['a group removed twice', { add: [], remove: ['g2', 'g2'], audit: [] }, '/changes/remove/1'],
    [
      'a group added and removed',
      { add: [added('g1')], remove: ['g1'], audit: [] },
      '/changes/remove/0',
    ],
    [
      'an invalid source',
      { add: [added('g1', 'idp')], remove: [], audit: [] },
      '/changes/add/0/source',
    ],
    ['an id that is not text', { add: [], remove: [7], audit: [] }, '/changes/remove/0'],
    ['audit not an array', { add: [], remove: [], audit: {} }, '/changes/audit'],
    [
      'an event of another org',
      { add: [], remove: [], audit: [{ type: 'sync.denied', orgId: 'x' }] },
      '/changes/audit/0/orgId',
    ],
    [
      'a syncedAt that is not a Date',
      { add: [], remove: [], audit: [], syncedAt: 1 },
      '/changes/syncedAt',
    ],
    [
      'a syncedAt out of range',
      { add: [], remove: [], audit: [], syncedAt: new Date(MAX_STORE_TIME + 1) },
      '/changes/syncedAt',
    ],
  ])('refuses %s', (_, changes, path) => {
    expect(
      invalidInput(() => {
        assertUserSyncChanges(scope, changes)
      }).path,
    ).toBe(path)
  })

  it('says which group is foreign or repeated', () => {
    expect(
      invalidInput(() => {
        assertUserSyncChanges(scope, { add: [], remove: ['g9'], audit: [] })
      }).value,
    ).toBe('g9')
    expect(
      invalidInput(() => {
        assertUserSyncChanges(scope, { add: [added('g2')], remove: ['g2'], audit: [] })
      }).value,
    ).toBe('g2')
  })
})

describe('groupNotFound: one error for an unknown group id', () => {
  it('carries the code, the group id as path value, and both ids in the message', () => {
    const error = groupNotFound('acme', 'g9')
    expect(error).toBeInstanceOf(StoreError)
    expect([error.code, error.path, error.value]).toEqual(['GROUP_NOT_FOUND', '/groupId', 'g9'])
    expect(error.message).toContain('"acme"')
    expect(error.message).toContain('"g9"')
  })
})
