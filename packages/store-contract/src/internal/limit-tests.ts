import { randomUUID } from 'node:crypto'
import type { IdKind, MembershipStore } from '@groupsync/core'
import { describe, expect } from 'vitest'
import { expectStoreError, observeOrg } from './context.js'
import {
  applyLogin,
  joinByLogin,
  observeLogin,
  pairsOf,
  loginTest,
  type LoginContext,
  storeTest,
} from './login-harness.js'
import { nameOfBytes, namesAtLimit, utf8Bytes } from './store-kit.js'

/** Text no number id is: a word, a fraction, an exponent, hex, a leading space, a UUID. */
const NOT_NUMBERS = ['alice', '1.5', '1e3', '0x1f', ' 42', randomUUID()]

/** Ids that are not of a kind: other text, near misses, and the other kinds. */
const WRONG_IDS: Readonly<Record<Exclude<IdKind, 'text'>, readonly string[]>> = {
  uuid: [
    'alice',
    '12345',
    '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f',
    '{0f0f0f0f-0f0f-0f0f-0f0f-0f0f0f0f0f0f}',
    '0f0f0f0f-0f0f-0f0f-0f0f-0f0f0f0f0f0f0',
    'g0f0f0f0-0f0f-0f0f-0f0f-0f0f0f0f0f0f',
  ],
  integer: [...NOT_NUMBERS, '2147483648', '-2147483649'],
  bigint: [...NOT_NUMBERS, '9223372036854775808', '-9223372036854775809'],
}

/** What an error of the wrong kind of id says, so a person knows what the tables hold. */
const KIND_WORD: Readonly<Record<Exclude<IdKind, 'text'>, RegExp>> = {
  uuid: /uuid/i,
  integer: /32 bits/i,
  bigint: /64 bits/i,
}

/**
 * The same id written in another form its kind accepts: a UUID in upper case; a number with a
 * sign and leading zeros up to 19 digits (core reads at most 19 digits).
 */
const otherForm = (kind: IdKind, id: string): string =>
  kind === 'uuid' ? id.toUpperCase() : kind === 'text' ? id : `+${id.padStart(19, '0')}`

/** Asserts a refusal of an id of the wrong kind: STORE_INVALID_INPUT at `path`, naming the kind. */
const expectWrongKind = async (
  promise: Promise<unknown>,
  kind: Exclude<IdKind, 'text'>,
  path: string,
): Promise<void> => {
  const error = await expectStoreError(promise, 'STORE_INVALID_INPUT')
  expect(error, 'the JSON Pointer of the id').toMatchObject({ path })
  expect((error as Error).message, 'the message names the kind of id').toMatch(KIND_WORD[kind])
}

/** The store's limits: names at and past the longest it keeps, ids of the kinds it holds. */
export const describeLoginLimitTests = (ctx: LoginContext): void => {
  const test = loginTest(ctx)

  describe('the store’s limits (store.limits)', () => {
    test('a name at exactly maxNameBytes (multi-byte characters) is kept and found by a login’s slice', async (h) => {
      const { newOrg, user, limits } = h.kit
      const org = newOrg('name-at-limit')
      const { atLimit } = namesAtLimit(limits)
      expect(utf8Bytes(atLimit)).toBe(limits.maxNameBytes)
      const g = { id: (await h.seed.createGroup(org, atLimit)).id, name: atLimit }
      await h.seed.createGroup(org, 'other')
      // Claimed in lower case: the slice holds the groups of the claim's names in any case.
      const snap = await applyLogin(h.store, org, user('alice'), [atLimit.toLowerCase()], {})
      expect(snap.groups.map((x) => [x.id, x.name])).toEqual([[g.id, atLimit]])
      await joinByLogin(h.store, org, user('alice'), g)
      expect(pairsOf(await h.seed.listMemberships(org, user('alice')))).toEqual([[g.id, 'sync']])
      const again = await applyLogin(h.store, org, user('alice'), [], {})
      expect(again.groups.map((x) => x.name)).toEqual([atLimit])
      if (h.admin !== undefined) {
        expect((await h.admin.listGroups(org)).map((x) => x.name)).toContain(atLimit)
      }
    })

    test('an org or user id of the wrong kind is refused with STORE_INVALID_INPUT naming the kind, and nothing is written', async (h, skip) => {
      const { newOrg, user, limits } = h.kit
      const { org: orgKind, user: userKind } = limits.ids
      if (orgKind === 'text' && userKind === 'text') {
        skip('org and user ids are text: every id is of the right kind')
        return
      }
      const org = newOrg('wrong-kind')
      const g = await h.seed.createGroup(org, 'g')
      await h.seed.addMembership(org, g.id, user('alice'), 'manual')
      const before = await observeLogin(h, org, [user('alice')])
      const admin = h.admin
      const login = (o: string, u: string) =>
        applyLogin(h.store, o, u, ['g'], {
          add: [{ groupId: g.id, source: 'sync' }],
          syncedAt: new Date(),
        })
      if (orgKind !== 'text') {
        for (const bad of WRONG_IDS[orgKind]) {
          await expectWrongKind(login(bad, user('alice')), orgKind, '/orgId')
          await expectWrongKind(h.store.readLastSync(bad, user('alice')), orgKind, '/orgId')
          await expectWrongKind(h.store.getOrgSettings(bad), orgKind, '/orgId')
          if (admin !== undefined) {
            await expectWrongKind(admin.createGroup(bad, 'g'), orgKind, '/orgId')
            await expectWrongKind(admin.listGroups(bad), orgKind, '/orgId')
            await expectWrongKind(admin.addManualMember(bad, g.id, user('bob')), orgKind, '/orgId')
            await expectWrongKind(admin.removeUser(bad, user('alice')), orgKind, '/orgId')
          }
        }
      }
      if (userKind !== 'text') {
        for (const bad of WRONG_IDS[userKind]) {
          await expectWrongKind(login(org, bad), userKind, '/userId')
          await expectWrongKind(h.store.readLastSync(org, bad), userKind, '/userId')
          if (admin !== undefined) {
            await expectWrongKind(admin.addManualMember(org, g.id, bad), userKind, '/userId')
            await expectWrongKind(admin.removeManualMember(org, g.id, bad), userKind, '/userId')
            await expectWrongKind(admin.listUserMemberships(org, bad), userKind, '/userId')
            await expectWrongKind(admin.removeUser(org, bad), userKind, '/userId')
            await expectWrongKind(
              admin.listAuditEvents(org, { userId: bad }),
              userKind,
              '/query/userId',
            )
          }
        }
      }
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a uuid in upper case (a number with a sign and leading zeros) names the same org and user, handed back in its canonical form', async (h, skip) => {
      const { newOrg, user, limits } = h.kit
      const { org: orgKind, user: userKind } = limits.ids
      if (orgKind === 'text' && userKind === 'text') {
        skip('org and user ids are text: they are compared exactly')
        return
      }
      const org = newOrg('id-forms')
      const alice = user('alice')
      const [orgForm, aliceForm] = [otherForm(orgKind, org), otherForm(userKind, alice)]
      const g = await h.seed.createGroup(org, 'g')
      await h.seed.setSettings(org, { manageGroupMemberships: true, matchMode: 'exact' })
      const snap = await applyLogin(h.store, orgForm, aliceForm, ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-04-04T00:00:00.000Z'),
      })
      expect(snap).toMatchObject({ orgId: org, userId: alice })
      expect(snap.settings.manageGroupMemberships).toBe(true)
      expect(pairsOf(await h.seed.listMemberships(org, alice))).toEqual([[g.id, 'sync']])
      const next = await applyLogin(h.store, org, alice, [], {})
      expect(next.memberships.map((m) => [m.groupId, m.orgId, m.userId])).toEqual([
        [g.id, org, alice],
      ])
      expect(await h.store.readLastSync(orgForm, aliceForm)).toEqual(
        await h.store.readLastSync(org, alice),
      )
      expect(await h.store.getOrgSettings(orgForm)).toEqual(await h.store.getOrgSettings(org))
      const admin = h.admin
      if (admin !== undefined) {
        await admin.updateOrgSettings(orgForm, (c) => ({
          settings: { ...c, manageGroupMemberships: false },
          audit: [],
        }))
        expect(await admin.addManualMember(orgForm, g.id, aliceForm)).toBe(false)
        expect(await admin.addManualMember(org, g.id, otherForm(userKind, user('bob')))).toBe(true)
        expect((await admin.listMembers(orgForm, g.id)).map((m) => [m.orgId, m.userId])).toEqual(
          [alice, user('bob')].sort().map((u) => [org, u]),
        )
        const created = await admin.createGroup(orgForm, 'h')
        expect(created.orgId).toBe(org)
        expect((await admin.listGroups(org)).map((x) => x.id)).toContain(created.id)
        expect(await admin.removeUser(orgForm, aliceForm)).toEqual({
          removed: true,
          memberships: 1,
        })
        expect(await admin.listUserMemberships(org, alice)).toEqual([])
        const events = await admin.listAuditEvents(orgForm, { userId: aliceForm })
        expect(events.map((e) => [e.type, e.orgId, e.userId])).toEqual([
          ['membership.removed', org, alice],
          ['user.removed', org, alice],
        ])
      }
    })
  })
}

/** What a refused name must leave: everything the admin role shows about the org. */
const expectNothingWritten = async (
  store: MembershipStore,
  org: string,
  users: readonly string[],
  write: () => Promise<unknown>,
  code: 'STORE_INVALID_INPUT' | 'GROUP_NOT_FOUND',
  path?: string,
): Promise<void> => {
  const before = await observeOrg(store, org, users)
  const error = await expectStoreError(write(), code)
  if (path !== undefined) expect(error, 'the JSON Pointer').toMatchObject({ path })
  expect(await observeOrg(store, org, users)).toEqual(before)
}

/** The admin role at the store's limits. */
export const describeAdminLimitTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('the store’s limits (store.limits): the admin role', () => {
    test('a name one byte past maxNameBytes is refused with STORE_INVALID_INPUT, and nothing is written (create and rename)', async (store, kit) => {
      const { newOrg, user, limits } = kit
      const org = newOrg('name-past-limit')
      const max = limits.maxNameBytes
      const { atLimit } = namesAtLimit(limits)
      const g = await store.createGroup(org, atLimit)
      expect(g.name).toBe(atLimit)
      await store.addManualMember(org, g.id, user('alice'))
      // One ASCII byte more; a multi-byte character where one byte was; and a name of fewer
      // characters than bytes allowed but one byte too many (a store counting characters keeps it).
      const cjk = Math.floor((max + 1) / 3)
      const past = [
        `${atLimit}x`,
        `${atLimit.slice(0, -1)}é`,
        `${'漢'.repeat(cjk)}${'a'.repeat(max + 1 - 3 * cjk)}`,
        nameOfBytes(max + 1, 11),
      ]
      for (const name of past) {
        expect(utf8Bytes(name), 'a name one byte past the limit').toBe(max + 1)
        await expectNothingWritten(
          store,
          org,
          [user('alice')],
          () => store.createGroup(org, name),
          'STORE_INVALID_INPUT',
          '/name',
        )
        await expectNothingWritten(
          store,
          org,
          [user('alice')],
          () => store.renameGroup(org, g.id, name),
          'STORE_INVALID_INPUT',
          '/name',
        )
      }
      // Renaming to a name at the limit works, and keeps the membership.
      const { twin } = namesAtLimit(limits)
      expect((await store.renameGroup(org, g.id, twin)).name).toBe(twin)
      expect((await store.listMembers(org, g.id)).map((m) => m.userId)).toEqual([user('alice')])
    })

    test('a group id of the wrong kind is GROUP_NOT_FOUND, and nothing is written', async (store, kit, skip) => {
      const { newOrg, user, limits } = kit
      const kind = limits.ids.group
      if (kind === 'text') {
        skip('group ids are text: any id names a group that may exist')
        return
      }
      const org = newOrg('wrong-group-kind')
      const g = await store.createGroup(org, 'g')
      await store.addManualMember(org, g.id, user('alice'))
      const users = [user('alice'), user('bob')]
      for (const bad of WRONG_IDS[kind]) {
        for (const write of [
          () => store.renameGroup(org, bad, 'renamed'),
          () => store.deleteGroup(org, bad),
          () => store.listMembers(org, bad),
          () => store.addManualMember(org, bad, user('bob')),
          () => store.removeManualMember(org, bad, user('alice')),
        ]) {
          await expectNothingWritten(store, org, users, write, 'GROUP_NOT_FOUND')
        }
        await expectNothingWritten(
          store,
          org,
          users,
          () =>
            applyLogin(store, org, user('bob'), ['g'], { add: [{ groupId: bad, source: 'sync' }] }),
          'STORE_INVALID_INPUT',
        )
      }
      // The group's id in another form of its kind names it.
      expect((await store.renameGroup(org, otherForm(kind, g.id), 'g2')).id).toBe(g.id)
    })
  })
}
