import {
  compareGroups,
  orgGroupSlice,
  type MatchMode,
  type MembershipSource,
  type OrgGroup,
  type StoreLimits,
} from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectStoreError, must } from './context.js'
import {
  observeLogin,
  pairsOf,
  syncChanges,
  withLogin,
  type LoginContext,
  type LoginHarness,
} from './login-harness.js'
import { namesAtLimit, utf8Bytes } from './store-kit.js'

/**
 * Names that are equal, or nearly, up to case: the final sigma that `toLowerCase` writes at the
 * end of a word (so 'ΟΔΟΣ' lower-cases to 'οδος', not 'οδοσ'), a dotted capital I that lower-cases
 * to two code units, a sharp s whose capital is two letters, composed and decomposed accents, a
 * trailing space, and names at the store's limit in three cases (those within it).
 */
const namePool = (limits: StoreLimits): readonly string[] => {
  const { atLimit } = namesAtLimit(limits)
  const long = [atLimit, atLimit.toUpperCase(), atLimit.toLowerCase()]
  return [
    ...['Dev', 'dev', 'DEV', 'dEv', 'Dev ', 'ops', 'Ops', 'hr', '\u0130', 'i', 'I', '\u0131'],
    ...['ß', 'SS', 'ss', 'ΟΔΟΣ', 'οδος', 'οδοσ', 'Σ', 'σ', 'ς', 'é', 'É', 'e\u0301', 'E\u0301'],
    ...['😀', "O'Brien", '%', '_', ''],
    ...new Set(long),
  ].filter((n) => utf8Bytes(n) <= limits.maxNameBytes)
}

/** Random organisations: names of the pool, Alice's and Bob's memberships, a twin, a claim. */
const orgArbOf = (limits: StoreLimits) => {
  const pool = namePool(limits)
  const nameArb = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'grapheme', maxLength: 4 })
        .filter((n) => utf8Bytes(n) <= limits.maxNameBytes),
    },
  )
  /** Claim entries: names of the pool as they are or re-cased, junk, and unstorable text. */
  const claimEntryArb = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.constantFrom(...pool), fc.constantFrom('as is', 'upper', 'lower'))
        .map(([n, how]) =>
          how === 'upper' ? n.toUpperCase() : how === 'lower' ? n.toLowerCase() : n,
        ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom('dev\u0000', '\uD800', 'ops\uDFFF') },
  )
  return fc.record({
    names: fc.uniqueArray(nameArb, { maxLength: 10 }),
    /** Alice's memberships: indexes into the org's groups, with sources. */
    mine: fc.array(fc.tuple(fc.nat(), fc.constantFrom<MembershipSource>('sync', 'manual')), {
      maxLength: 4,
    }),
    /** Bob's membership, which must not change Alice's slice. */
    bobs: fc.option(fc.nat(), { nil: undefined }),
    /** A second org with the same names, where Alice is a member of its first groups. */
    twin: fc.boolean(),
    matchMode: fc.constantFrom<MatchMode>('exact', 'case-insensitive'),
    claim: fc.array(claimEntryArb, { maxLength: 8 }),
  })
}

type GeneratedOrg = ReturnType<typeof orgArbOf> extends fc.Arbitrary<infer T> ? T : never

const idsAndNames = (gs: readonly OrgGroup[]) => gs.map((g) => [g.id, g.name] as const)

/** Sets up a generated org through the seed; returns its groups and Alice's memberships. */
const setUp = async (h: LoginHarness, orgId: string, o: GeneratedOrg) => {
  const { newOrg, user } = h.kit
  const groups: OrgGroup[] = []
  for (const name of o.names) groups.push({ id: (await h.seed.createGroup(orgId, name)).id, name })
  const mine = new Map<string, MembershipSource>()
  if (groups.length > 0) {
    for (const [i, source] of o.mine)
      mine.set(must(groups[i % groups.length], 'a group').id, source)
    for (const [id, source] of mine) await h.seed.addMembership(orgId, id, user('alice'), source)
    if (o.bobs !== undefined) {
      const bobs = must(groups[o.bobs % groups.length], 'a group').id
      await h.seed.addMembership(orgId, bobs, user('bob'), 'sync')
    }
  }
  await h.seed.setSettings(orgId, { manageGroupMemberships: true, matchMode: o.matchMode })
  if (o.twin) {
    const twinOrg = newOrg('slice-property-twin')
    for (const [i, name] of o.names.entries()) {
      const { id } = await h.seed.createGroup(twinOrg, name)
      if (i < 2) await h.seed.addMembership(twinOrg, id, user('alice'), 'sync')
    }
  }
  return { groups, mine }
}

/** The slice rule (rule 11): which groups a login sees, and that it can change only those. */
export const describeSliceTests = (ctx: LoginContext): void => {
  describe('withLoginSync: the slice of the org’s groups', () => {
    it('holds the groups the claim names in any case and the user’s memberships, whatever the match mode', () =>
      withLogin(ctx, async ({ store, seed, kit: { newOrg, user } }) => {
        const org = newOrg('slice')
        const names = ['Dev', 'dev', 'DEV', 'Dev ', '\u0130', 'i', 'ΟΔΟΣ', 'οδος', 'ops', 'hr']
        const ids = new Map<string, string>()
        for (const n of names) ids.set((await seed.createGroup(org, n)).id, n)
        const hr = must(
          [...ids].find(([, n]) => n === 'hr'),
          'hr',
        )[0]
        await seed.addMembership(org, hr, user('alice'), 'manual')
        const twin = newOrg('slice-twin')
        await seed.addMembership(
          twin,
          (await seed.createGroup(twin, 'ops')).id,
          user('alice'),
          'sync',
        )
        for (const matchMode of ['exact', 'case-insensitive'] as const) {
          await seed.setSettings(org, { manageGroupMemberships: true, matchMode })
          const seen = await store.withLoginSync(org, user('alice'), ['dEv', 'I', 'ΟΔΟΣ'], (s) => ({
            changes: null,
            result: s.groups.map((g) => ids.get(g.id)),
          }))
          // 'Dev ' keeps its space, 'İ' lower-cases to 'i̇' (not 'i'), and 'ΟΔΟΣ' to 'οδος'.
          expect(seen).toEqual(['DEV', 'Dev', 'dev', 'hr', 'i', 'ΟΔΟΣ', 'οδος'])
        }
      }))

    it(
      `equals orgGroupSlice over the org's groups, and refuses changes outside it, for random orgs, claims and memberships (${ctx.options.modelRuns} runs)`,
      () =>
        withLogin(ctx, async (h) => {
          const { newOrg, user } = h.kit
          await fc.assert(
            fc.asyncProperty(orgArbOf(h.kit.limits), async (o) => {
              const orgId = newOrg('slice-property')
              const { groups, mine } = await setUp(h, orgId, o)
              const snap = await h.store.withLoginSync(orgId, user('alice'), o.claim, (s) => ({
                changes: null,
                result: s,
              }))
              const listed = h.admin === undefined ? groups : await h.admin.listGroups(orgId)
              if (h.admin !== undefined) {
                expect(idsAndNames(listed)).toEqual(idsAndNames([...groups].sort(compareGroups)))
              }
              const current = [...mine.keys()]
              const expected = orgGroupSlice(o.claim, listed, current).sort(compareGroups)
              if (h.admin === undefined) {
                expect(idsAndNames(snap.groups)).toEqual(idsAndNames(expected))
              } else {
                expect(snap.groups).toEqual(expected)
              }
              expect(pairsOf(snap.memberships)).toEqual(
                pairsOf(
                  current.map((groupId) => ({
                    groupId,
                    source: must(mine.get(groupId), 'a source'),
                  })),
                ),
              )
              // A group of the org outside the slice cannot be added or removed by this login.
              const inSlice = new Set(snap.groups.map((g) => g.id))
              const outside = groups.find((g) => !inSlice.has(g.id))
              if (outside !== undefined) {
                const before = await observeLogin(h, orgId, [user('alice'), user('bob')])
                const addable = snap.groups.find((g) => !mine.has(g.id))
                for (const changes of [
                  syncChanges({
                    add: [
                      ...(addable === undefined
                        ? []
                        : [{ groupId: addable.id, source: 'sync' as const }]),
                      { groupId: outside.id, source: 'sync' },
                    ],
                    syncedAt: new Date(),
                  }),
                  syncChanges({ remove: [outside.id], syncedAt: new Date() }),
                ]) {
                  await expectStoreError(
                    h.store.withLoginSync(orgId, user('alice'), o.claim, () => ({
                      changes,
                      result: 0,
                    })),
                    'STORE_INVALID_INPUT',
                  )
                }
                expect(await observeLogin(h, orgId, [user('alice'), user('bob')])).toEqual(before)
              }
              return true
            }),
            { numRuns: ctx.options.modelRuns },
          )
        }),
      ctx.options.slowTestTimeoutMs,
    )
  })
}
