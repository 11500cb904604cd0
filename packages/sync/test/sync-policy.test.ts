import { computeMembershipDiff } from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../src/internal/claim-digest.js'
import {
  DEFAULT_SYNC_POLICY,
  DENIAL_CODES,
  explainMembershipDiff,
  resolveSyncPolicy,
  SYNC_ERROR_CODES,
  SyncPolicyCodec,
  type SyncPolicy,
} from '../src/index.js'

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
    [{ absent: 'ignore' }, 'absent'],
    [{ overage: 'empty' }, 'overage'],
    [{ removalMode: 'all' }, 'removalMode'],
    [{ massRemovalGuard: { maxRemovals: -1 } }, 'massRemovalGuard.maxRemovals'],
    [{ massRemovalGuard: { maxRemovals: 1.5 } }, 'massRemovalGuard.maxRemovals'],
    [{ massRemovalGuard: { maxRemovalPercent: 101 } }, 'massRemovalGuard.maxRemovalPercent'],
    [{ massRemovalGuard: { maxRemovalPercent: Number.NaN } }, 'massRemovalGuard.maxRemovalPercent'],
    // A misspelt or misshapen field must not silently fall back to its default.
    [{ removalMod: 'sync-owned' }, 'removalMod'],
    [{ massRemovalGuard: { maxRemoval: 3 } }, 'massRemovalGuard.maxRemoval'],
    [{ massRemovalGuard: 5 }, 'massRemovalGuard'],
    [{ massRemovalGuard: [] }, 'massRemovalGuard'],
    // Claims options are decoded with the claims package's codec, as part of the policy.
    [{ claimsOptions: { maxGroups: -1 } }, 'claimsOptions.maxGroups'],
    [{ claimsOptions: { claimPath: 'roles' } }, 'claimsOptions.claimPath'],
    [{ claimsOptions: { sources: null } }, 'claimsOptions.sources'],
    [
      { claimsOptions: { valueMapping: { filter: { prefixes: [''] } } } },
      'claimsOptions.valueMapping.filter.prefixes.0',
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
      'policy',
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

describe('the policy codec and its reporter', () => {
  const refusal = (policy: unknown): [string, string | undefined, number] => {
    const resolved = resolveSyncPolicy(policy as SyncPolicy)
    if (resolved._tag === 'Right') throw new Error(`accepted ${JSON.stringify(policy)}`)
    return [resolved.left.code, resolved.left.path, resolved.left.message.length]
  }

  it('reports an unknown field before an invalid value, at any depth', () => {
    expect(refusal({ absent: 'ignore', removalMod: 'x' }).slice(0, 2)).toEqual([
      'SYNC_POLICY_INVALID',
      'removalMod',
    ])
    expect(refusal({ absent: 'ignore', massRemovalGuard: { maxRemoval: 1 } })[1]).toBe(
      'massRemovalGuard.maxRemoval',
    )
  })

  it('refuses claims options that are not an object (their fields are the claims package’s)', () => {
    expect(refusal({ claimsOptions: 'groups' }).slice(0, 2)).toEqual([
      'SYNC_POLICY_INVALID',
      'claimsOptions',
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
