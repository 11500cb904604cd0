import { computeMembershipDiff } from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../src/internal/claim-digest.js'
import { DENIAL_CODES, SYNC_ERROR_CODES, SyncPolicyCodec, type SyncPolicy } from '../src/index.js'
import { DEFAULT_SYNC_POLICY, resolveSyncPolicy } from '../src/sync-policy.js'
import { explainMembershipDiff } from '../src/explain-membership-diff.js'

describe('resolveSyncPolicy', () => {
  it('fills the documented defaults', () => {
    const resolved = resolveSyncPolicy({})
    expect(resolved).toEqual({ _tag: 'Right', right: DEFAULT_SYNC_POLICY })
    expect(DEFAULT_SYNC_POLICY).toMatchObject({
      absent: 'empty',
      overage: 'resolve',
      removalMode: 'authoritative',
      massRemovalGuard: {},
    })
  })

  it('merges the org claim options over the base ones', () => {
    const resolved = resolveSyncPolicy(
      { claimsOptions: { path: 'roles' } },
      { path: 'groups', maxGroups: 5 },
    )
    expect(resolved._tag === 'Right' && resolved.right.claimsOptions).toEqual({
      path: 'roles',
      maxGroups: 5,
    })
  })

  it.each([
    [{ absent: 'ignore' }, '/policy/absent'],
    [{ overage: 'empty' }, '/policy/overage'],
    [{ removalMode: 'all' }, '/policy/removalMode'],
    [{ massRemovalGuard: { maxRemovals: -1 } }, '/policy/massRemovalGuard/maxRemovals'],
    [{ massRemovalGuard: { maxRemovals: 1.5 } }, '/policy/massRemovalGuard/maxRemovals'],
    [
      { massRemovalGuard: { maxRemovalPercent: 101 } },
      '/policy/massRemovalGuard/maxRemovalPercent',
    ],
    [
      { massRemovalGuard: { maxRemovalPercent: Number.NaN } },
      '/policy/massRemovalGuard/maxRemovalPercent',
    ],
    // A misspelt or misshapen field must not silently fall back to its default.
    [{ removalMod: 'sync-owned' }, '/policy/removalMod'],
    [{ massRemovalGuard: { maxRemoval: 3 } }, '/policy/massRemovalGuard/maxRemoval'],
    [{ massRemovalGuard: 5 }, '/policy/massRemovalGuard'],
    [{ massRemovalGuard: [] }, '/policy/massRemovalGuard'],
    // Claims options are decoded with the claims package's codec, as part of the policy.
    [{ claimsOptions: { maxGroups: -1 } }, '/policy/claimsOptions/maxGroups'],
    [{ claimsOptions: { claimPath: 'roles' } }, '/policy/claimsOptions/claimPath'],
    [{ claimsOptions: { sources: null } }, '/policy/claimsOptions/sources'],
    [
      { claimsOptions: { valueMapping: { filter: { prefixes: [''] } } } },
      '/policy/claimsOptions/valueMapping/filter/prefixes/0',
    ],
  ])('refuses %j with SYNC_POLICY_INVALID at its path', (policy, path) => {
    const resolved = resolveSyncPolicy(policy as unknown as SyncPolicy)
    expect(resolved._tag).toBe('Left')
    expect(resolved._tag === 'Left' && [resolved.left.code, resolved.left.path]).toEqual([
      'SYNC_POLICY_INVALID',
      path,
    ])
  })

  it('refuses a policy that is not an object', () => {
    const resolved = resolveSyncPolicy('sync-owned' as unknown as SyncPolicy)
    expect(resolved._tag === 'Left' && [resolved.left.code, resolved.left.path]).toEqual([
      'SYNC_POLICY_INVALID',
      '/policy',
    ])
  })
})

describe('canonicalJson (the digest input)', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":0}]},"b":1}',
    )
  })

  it('property: equal JSON values give equal text whatever their key order, and parse back', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value)
        const reordered = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ) as unknown
        return canonicalJson(reordered) === text && canonicalJson(JSON.parse(text)) === text
      }),
      { numRuns: 500 },
    )
  })
})

describe('explainMembershipDiff', () => {
  const groups = [
    { id: 'g1', name: 'dev' },
    { id: 'g2', name: 'ops' },
    { id: 'g3', name: 'sales' },
  ]

  it('says which claim entry matched, ignoring case', () => {
    const diff = computeMembershipDiff(['DEV'], groups, [], { match: 'case-insensitive' })
    const { steps } = explainMembershipDiff(diff, {
      claimGroups: ['DEV'],
      match: 'case-insensitive',
    })
    expect(steps).toEqual([
      {
        action: 'add',
        group: groups[0],
        reason: 'the claim entry "DEV" matches "dev" ignoring case',
      },
    ])
  })

  it('claim entries that do not hold the group (a caller mixing two logins): the reason names the group, not an entry it cannot know', () => {
    const diff = computeMembershipDiff(['DEV'], groups, [], { match: 'case-insensitive' })
    const { steps } = explainMembershipDiff(diff, { claimGroups: [], match: 'case-insensitive' })
    expect(steps).toEqual([{ action: 'add', group: groups[0], reason: 'the claim names "dev"' }])
  })

  it('gives one step per group the diff touches, and a note per unmatched entry', () => {
    fc.assert(
      fc.property(
        fc.subarray(['dev', 'ops', 'sales', 'x', 'Dev']),
        fc.subarray(['g1', 'g2', 'g3']),
        (claim, current) => {
          const diff = computeMembershipDiff(claim, groups, current)
          const explained = explainMembershipDiff(diff, { claimGroups: claim })
          const touched = diff.toAdd.length + diff.toRemove.length + diff.unchanged.length
          return (
            explained.steps.length === touched &&
            explained.steps.every((s) => s.reason.length > 0) &&
            explained.notes.length ===
              diff.unmatchedClaims.length -
                new Set(diff.caseOnlyMatches.map((m) => m.claim)).size +
                diff.caseOnlyMatches.length
          )
        },
      ),
    )
  })
})

describe('explainMembershipDiff: the reason of each step', () => {
  const dev = { id: 'g1', name: 'dev' }
  const ops = { id: 'g2', name: 'ops' }
  const groups = [dev, ops]
  const reasons = (
    claim: readonly string[],
    current: readonly string[],
    options: Omit<Parameters<typeof explainMembershipDiff>[1], 'claimGroups'> = {},
  ) => {
    const diff = computeMembershipDiff(claim, groups, current, {
      match: options.match ?? 'exact',
    })
    return explainMembershipDiff(diff, { claimGroups: claim, ...options }).steps.map((s) => [
      s.action,
      s.group.name,
      s.reason,
    ])
  }

  it('authoritative removal by default: every org group the claim does not name', () => {
    expect(reasons([], ['g2'])).toEqual([
      [
        'remove',
        'ops',
        'the claim does not name it; authoritative removal takes the user out of every org group the claim does not name',
      ],
    ])
  })

  it('sync-owned removal: only what the sync created, keeping manual memberships', () => {
    const sources = new Map([
      ['g1', 'manual' as const],
      ['g2', 'sync' as const],
    ])
    expect(
      reasons([], ['g1', 'g2'], { removalMode: 'sync-owned', membershipSources: sources }),
    ).toEqual([
      [
        'remove',
        'ops',
        'the claim does not name it and the sync created this membership (sync-owned removal)',
      ],
      [
        'keep',
        'dev',
        'the claim does not name it, but the membership was made by hand and sync-owned removal keeps manual memberships',
      ],
    ])
  })

  it('an absent claim read as empty says so', () => {
    expect(reasons([], ['g2'], { claimAbsent: true })[0]?.[2]).toBe(
      'the login carries no groups claim and the policy reads that as no groups; authoritative removal takes the user out of every org group the claim does not name',
    )
  })

  it('exact matching: the claim names the group, whatever other entries differ only by case', () => {
    expect(reasons(['DEV', 'dev'], ['g2'])[0]).toEqual(['add', 'dev', 'the claim names "dev"'])
  })

  it('case-insensitive matching: an entry spelt as the group names it; else the first entry', () => {
    expect(reasons(['dev'], [], { match: 'case-insensitive' })).toEqual([
      ['add', 'dev', 'the claim names "dev"'],
    ])
    expect(reasons(['DEV', 'Dev'], ['g1'], { match: 'case-insensitive' })).toEqual([
      [
        'stay',
        'dev',
        'the claim entry "DEV" matches "dev" ignoring case and the user is already a member',
      ],
    ])
  })
})

describe('the policy codec and its reporter', () => {
  const refusal = (policy: unknown): [string, string | undefined, number] => {
    const resolved = resolveSyncPolicy(policy as SyncPolicy)
    if (resolved._tag === 'Right') throw new Error(`accepted ${JSON.stringify(policy)}`)
    return [resolved.left.code, resolved.left.path, resolved.left.message.length]
  }

  it('reports an unknown field before an invalid value, at any depth', () => {
    expect(refusal({ absent: 'ignore', removalMod: 'x' }).slice(0, 2)).toEqual([
      'SYNC_POLICY_INVALID',
      '/policy/removalMod',
    ])
    expect(refusal({ absent: 'ignore', massRemovalGuard: { maxRemoval: 1 } })[1]).toBe(
      '/policy/massRemovalGuard/maxRemoval',
    )
  })

  it('refuses claims options that are not an object (their fields are the claims package’s)', () => {
    expect(refusal({ claimsOptions: 'groups' }).slice(0, 2)).toEqual([
      'SYNC_POLICY_INVALID',
      '/policy/claimsOptions',
    ])
  })

  it('keeps every message short, with the offending value in the error’s fields', () => {
    for (const policy of [
      { preset: 'x'.repeat(10_000) },
      { absent: 'y'.repeat(10_000) },
      { ['z'.repeat(300)]: 1 },
      { massRemovalGuard: { maxRemovalPercent: -1 } },
      [],
    ]) {
      expect(refusal(policy)[2]).toBeLessThan(200)
    }
    const resolved = resolveSyncPolicy({ absent: 'y'.repeat(300) } as unknown as SyncPolicy)
    expect(resolved._tag === 'Left' && resolved.left.value).toBe('y'.repeat(300))
  })

  it('the codec is the type: what it decodes, resolveSyncPolicy accepts', () => {
    const policy = {
      preset: 'okta',
      removalMode: 'sync-owned',
      massRemovalGuard: { maxRemovals: 2 },
    }
    expect(SyncPolicyCodec.is(policy)).toBe(true)
    expect(SyncPolicyCodec.is({ ...policy, extra: 1 })).toBe(false)
    const decoded = SyncPolicyCodec.decode(policy)
    expect(decoded._tag === 'Right' && resolveSyncPolicy(decoded.right)._tag).toBe('Right')
  })

  it('a service decoding with the codec itself is told what was expected: a SyncPolicy', () => {
    // io-ts reporters (PathReporter and the like) print each failure's context as
    // `Invalid value 42 supplied to : SyncPolicy`: the codec's name is that message.
    const decoded = SyncPolicyCodec.decode(42)
    if (decoded._tag === 'Right') expect.fail('decoded 42 as a policy')
    expect(decoded.left.map((e) => e.context.map((c) => c.type.name).join('/'))).toEqual([
      'SyncPolicy',
    ])
  })
})

describe('what a refused policy says (SYNC_POLICY_INVALID: path, value, message)', () => {
  const errorOf = (policy: unknown, base = {}, servicePreset?: unknown) => {
    const resolved = resolveSyncPolicy(policy as SyncPolicy, base, servicePreset as never)
    if (resolved._tag === 'Right') expect.fail(`accepted ${JSON.stringify(policy)}`)
    return resolved.left
  }

  it.each([
    [{ absent: 'ignore' }, 'absent', 'ignore', '"ignore"', 'empty, keep, deny or resolve'],
    [{ overage: 'empty' }, 'overage', 'empty', '"empty"', 'resolve or deny'],
    [{ removalMode: 'all' }, 'removalMode', 'all', '"all"', 'authoritative or sync-owned'],
    [{ staleLogin: 'allow' }, 'staleLogin', 'allow', '"allow"', 'skip or deny'],
    [
      { massRemovalGuard: { maxRemovals: 1.5 } },
      'massRemovalGuard.maxRemovals',
      1.5,
      '1.5',
      'a whole number ≥ 0',
    ],
    [
      { massRemovalGuard: { maxRemovalPercent: '50' } },
      'massRemovalGuard.maxRemovalPercent',
      '50',
      '"50"',
      'a number from 0 to 100',
    ],
    [
      { massRemovalGuard: 5 },
      'massRemovalGuard',
      5,
      '5',
      'an object with maxRemovals, maxRemovalPercent or neither',
    ],
  ])(
    '%j: the field, its value and what it must be',
    (policy, path, value, shownValue, expected) => {
      const error = errorOf(policy)
      // The path is the JSON Pointer of the field in the sync's dependencies; the message says
      // the field as a person writes it.
      const pointer = `/policy/${path.replaceAll('.', '/')}`
      expect([error.code, error.path, error.value]).toEqual(['SYNC_POLICY_INVALID', pointer, value])
      expect(error.message).toBe(
        `The sync policy's ${path} is ${shownValue}; it must be ${expected}.`,
      )
    },
  )

  it('an unknown field: the fields allowed there', () => {
    const error = errorOf({ removalMod: 'sync-owned' })
    expect([error.code, error.path]).toEqual(['SYNC_POLICY_INVALID', '/policy/removalMod'])
    expect(error.message).toBe(
      'The sync policy has an unknown field "removalMod"; the fields there are preset, absent, overage, removalMode, staleLogin, massRemovalGuard, claimsOptions.',
    )
  })

  it('not an object: the policy as a whole', () => {
    const error = errorOf('sync-owned')
    expect([error.code, error.path, error.value]).toEqual([
      'SYNC_POLICY_INVALID',
      '/policy',
      'sync-owned',
    ])
    expect(error.message).toBe(
      'The sync policy is "sync-owned"; it must be an object of the fields in docs/rules.md Part 3.',
    )
  })

  it("the service's preset: its name, and the presets there are", () => {
    const error = errorOf({}, {}, 'nope')
    expect([error.code, error.path, error.value]).toEqual([
      'SYNC_POLICY_INVALID',
      '/preset',
      'nope',
    ])
    expect(error.message).toMatch(/^The sync service's preset is "nope"; it must be .*okta/)
  })

  it('a preset that needs an option only the org knows: the option, as the path', () => {
    const error = errorOf({ preset: 'auth0' })
    expect([error.code, error.path]).toEqual(['SYNC_POLICY_INVALID', '/policy/claimsOptions/path'])
    expect(error.message).toMatch(/preset needs claimsOptions\.path, which only you know/)
    expect(
      resolveSyncPolicy({ preset: 'auth0', claimsOptions: { path: 'https://x/groups' } })._tag,
    ).toBe('Right')
  })

  it('the percentage guard accepts 0 and 100, and numbers only', () => {
    for (const maxRemovalPercent of [0, 12.5, 100]) {
      expect(resolveSyncPolicy({ massRemovalGuard: { maxRemovalPercent } })._tag).toBe('Right')
    }
    expect(errorOf({ massRemovalGuard: { maxRemovalPercent: 100.5 } }).path).toBe(
      '/policy/massRemovalGuard/maxRemovalPercent',
    )
  })
})

describe('the error codes', () => {
  it('are listed once; the denials among them are the denial codes', () => {
    expect(new Set(SYNC_ERROR_CODES).size).toBe(SYNC_ERROR_CODES.length)
    const own = SYNC_ERROR_CODES.filter((code) => DENIAL_CODES.has(code))
    expect(own).toEqual([
      'GROUPS_CLAIM_OVER_LIMIT',
      'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
      'GROUPS_CLAIM_ABSENT_DENIED',
      'MASS_REMOVAL_GUARD_TRIPPED',
      'STALE_LOGIN_DENIED',
    ])
    expect([...DENIAL_CODES].filter((code) => !own.includes(code as never))).toEqual([
      'GROUPS_CLAIM_MALFORMED',
      'DISTRIBUTED_CLAIMS_FAILED',
    ])
  })
})
