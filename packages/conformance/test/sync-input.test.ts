import { describe, expect, it } from 'vitest'
import { loadCases } from '../src/cases.js'
import { answerSync } from '../src/ports/typescript-sync-answers.js'
import { SyncInputCodec } from '../src/ports/sync-input.js'

// The TypeScript port decodes a sync request's input with a codec before it seeds a store: every
// sync vector's input is of the codec's shape, and an input of another shape (a misspelt member,
// a time not written as the vectors write it) stops the port with the path of what is wrong
// instead of seeding a store with it.

describe('the sync input codec', () => {
  it('accepts the input of every sync vector', () => {
    const inputs = loadCases()
      .filter((c) => c.part === 'sync')
      .map((c) => c.input)
    expect(inputs.length).toBeGreaterThan(80)
    const refused = inputs.filter((input) => SyncInputCodec.decode(input)._tag === 'Left')
    expect(refused).toEqual([])
  })

  it.each([
    [
      'a state without groups',
      {
        state: { settings: { manageGroupMemberships: true, matchMode: 'exact' } },
        now: '2025-01-01T00:00:00.000Z',
        login: { userId: 'u', claims: {} },
      },
      'groups',
    ],
    [
      'an unknown match mode',
      {
        state: { settings: { manageGroupMemberships: true, matchMode: 'fuzzy' }, groups: [] },
        now: '2025-01-01T00:00:00.000Z',
        login: { userId: 'u', claims: {} },
      },
      'matchMode',
    ],
    [
      'a membership of an unknown source',
      {
        state: {
          settings: { manageGroupMemberships: false, matchMode: 'exact' },
          groups: [{ id: 'g', name: 'g' }],
          memberships: [{ userId: 'u', groupId: 'g', source: 'ldap' }],
        },
        now: '2025-01-01T00:00:00.000Z',
        login: { userId: 'u', claims: {} },
      },
      'source',
    ],
    [
      'an unknown admin operation',
      {
        state: { settings: { manageGroupMemberships: false, matchMode: 'exact' }, groups: [] },
        now: '2025-01-01T00:00:00.000Z',
        admin: { operation: 'dropTable' },
      },
      'operation',
    ],
    [
      'a time without milliseconds',
      {
        state: { settings: { manageGroupMemberships: true, matchMode: 'exact' }, groups: [] },
        now: '2025-01-01T00:00:00Z',
        login: { userId: 'u', claims: {} },
      },
      '/now: an ISO 8601 UTC time with milliseconds',
    ],
    [
      'a misspelt member',
      {
        state: {
          settings: { manageGroupMemberships: true, matchMode: 'exact' },
          groups: [],
          lastSyncs: [],
        },
        now: '2025-01-01T00:00:00.000Z',
        login: { userId: 'u', claims: {} },
      },
      'State/lastSyncs: no field of that name',
    ],
    ['no kind at all', { hello: 'world' }, 'freshness'],
  ])('refuses %s, naming the path', async (_, input, path) => {
    await expect(answerSync(input)).rejects.toThrow(TypeError)
    await expect(answerSync(input)).rejects.toThrow(path)
  })
})
