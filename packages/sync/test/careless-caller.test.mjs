// What a careless caller meets, from plain JavaScript (no type checks to save them): one test per
// mistake people make when they hand `syncOnLoginAsync` the claims their OIDC client verified.
// Each asserts the coded refusal (or the result) and, for a refusal, that nothing was written.
import { randomUUID } from 'node:crypto'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { createMembershipAdmin, syncOnLoginAsync } from '@groupsync/sync'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'

const store = createMemoryMembershipStore()
afterAll(() => store.close())

const NOW = Math.floor(Date.now() / 1000)

/** A fresh org with the groups dev and ops, and mapping on (unless `on` is false). */
async function org({ on = true, manual = [] } = {}) {
  const orgId = `org-${randomUUID()}`
  const ids = {}
  for (const name of ['dev', 'ops']) ids[name] = (await store.createGroup(orgId, name)).id
  for (const name of manual) await store.addManualMember(orgId, ids[name], 'alice')
  await store.updateOrgSettings(orgId, (s) => ({
    settings: { ...s, manageGroupMemberships: on },
    audit: [],
  }))
  return { orgId, ids }
}

/** Everything a login can write for alice: memberships, audit events, last sync. */
async function written(orgId) {
  return {
    memberships: (await store.listUserMemberships(orgId, 'alice')).map((m) => m.groupId),
    events: (await store.listAuditEvents(orgId)).length,
    lastSync: await store.readLastSync(orgId, 'alice'),
  }
}

const login = (orgId, claims, deps = { store }) =>
  syncOnLoginAsync({ orgId, userId: 'alice', claims }, deps)

/** Rejects with a coded error of `code`; returns it. */
async function refused(promise, code) {
  const error = await promise.then(
    (result) => {
      throw new Error(`expected ${code}, got ${JSON.stringify(result.status)}`)
    },
    (e) => e,
  )
  expect(error.code).toBe(code)
  return error
}

describe('a replayed old token whose iat is a string', () => {
  it('is refused with a coded input error at /claims/iat, and nothing is written', async () => {
    const { orgId } = await org()
    await login(orgId, { sub: 'alice', iat: NOW - 60, groups: ['dev', 'ops'] })
    const before = await written(orgId)
    const error = await refused(
      login(orgId, { sub: 'alice', iat: String(NOW - 3600), groups: [] }),
      'SYNC_INPUT_INVALID',
    )
    expect(error.path).toBe('/claims/iat')
    expect(await written(orgId)).toEqual(before)
  })
})

describe('iat in milliseconds, or in the future, in the claims input', () => {
  it('an iat in milliseconds is refused with a message that says so', async () => {
    const { orgId } = await org()
    const before = await written(orgId)
    const error = await refused(
      login(orgId, { sub: 'alice', iat: Date.now(), groups: ['dev'] }),
      'SYNC_INPUT_INVALID',
    )
    expect(error.path).toBe('/claims/iat')
    expect(error.message).toMatch(/milliseconds/)
    expect(await written(orgId)).toEqual(before)
  })

  it('an iat or auth_time an hour in the future is refused, as for an ID token', async () => {
    const { orgId } = await org()
    const before = await written(orgId)
    for (const claim of ['iat', 'auth_time']) {
      const error = await refused(
        login(orgId, { sub: 'alice', iat: NOW, [claim]: NOW + 3600, groups: ['dev'] }),
        'SYNC_INPUT_INVALID',
      )
      expect(error.path).toBe(`/claims/${claim}`)
      expect(error.message).toMatch(/future/)
    }
    expect(await written(orgId)).toEqual(before)
  })

  it('an exp that is not a number of seconds is refused', async () => {
    const { orgId } = await org()
    const error = await refused(
      login(orgId, { sub: 'alice', iat: NOW, exp: `${NOW + 60}`, groups: ['dev'] }),
      'SYNC_INPUT_INVALID',
    )
    expect(error.path).toBe('/claims/exp')
  })

  it('a token without iat at all is still applied', async () => {
    const { orgId, ids } = await org()
    const result = await login(orgId, { sub: 'alice', groups: ['dev'] })
    expect(result.status).toBe('synced')
    expect((await written(orgId)).memberships).toEqual([ids.dev])
  })
})

describe('no store, or a pg.Pool as the store', () => {
  it('no store is SYNC_INPUT_INVALID at /store, not SYNC_FAILED', async () => {
    const error = await refused(
      syncOnLoginAsync({ orgId: 'acme', userId: 'alice', claims: { sub: 'alice' } }, {}),
      'SYNC_INPUT_INVALID',
    )
    expect(error.path).toBe('/store')
    expect(error.message).toMatch(/store/)
  })

  it('a pg.Pool is SYNC_INPUT_INVALID naming the member it lacks', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })
    try {
      const error = await refused(
        syncOnLoginAsync(
          { orgId: 'acme', userId: 'alice', claims: { sub: 'alice' } },
          { store: pool },
        ),
        'SYNC_INPUT_INVALID',
      )
      expect(error.path).toBe('/store/withLoginSync')
      expect(error.message).toMatch(/withLoginSync/)
    } finally {
      await pool.end()
    }
  })

  it('a misspelt dependency is refused at its name', async () => {
    const error = await refused(
      syncOnLoginAsync(
        { orgId: 'acme', userId: 'alice', claims: { sub: 'alice' } },
        { store, polcy: () => ({}) },
      ),
      'SYNC_INPUT_INVALID',
    )
    expect(error.path).toBe('/polcy')
  })
})

describe('createMembershipAdmin over a store with the login role only', () => {
  it('throws when the admin is created, naming the missing member of the admin role', () => {
    const loginRole = {
      getOrgSettings: store.getOrgSettings,
      withLoginSync: store.withLoginSync,
      readLastSync: store.readLastSync,
    }
    let error
    try {
      createMembershipAdmin({ store: loginRole })
    } catch (e) {
      error = e
    }
    expect(error?.code).toBe('SYNC_INPUT_INVALID')
    expect(error.path).toBe('/store/addManualMember')
    expect(error.message).toMatch(/admin role/)
  })

  it('throws for no store, or a member it does not take, at its path', () => {
    const pathOf = (deps) => {
      try {
        createMembershipAdmin(deps)
      } catch (e) {
        return [e.code, e.path]
      }
      return undefined
    }
    expect(pathOf({})).toEqual(['SYNC_INPUT_INVALID', '/store'])
    expect(pathOf(undefined)).toEqual(['SYNC_INPUT_INVALID', ''])
    expect(pathOf({ store, clock: () => new Date() })).toEqual(['SYNC_INPUT_INVALID', '/clock'])
    expect(pathOf({ store })).toBeUndefined()
  })
})

describe('limit errors state the limit and the value found, with advice that fits', () => {
  it('100,000 groups: the count and maxGroups', async () => {
    const { orgId } = await org()
    const groups = Array.from({ length: 100_000 }, (_, i) => `g${i}`)
    const error = await refused(
      login(orgId, { sub: 'alice', iat: NOW, groups }),
      'GROUPS_CLAIM_OVER_LIMIT',
    )
    expect(error.message).toMatch(/\b100000\b/)
    expect(error.message).toMatch(/maxGroups \(10000\)/)
  })

  it('a 10 kB name: its length and maxNameLength', async () => {
    const { orgId } = await org()
    const error = await refused(
      login(orgId, { sub: 'alice', iat: NOW, groups: ['dev', 'x'.repeat(10_240)] }),
      'GROUPS_CLAIM_OVER_LIMIT',
    )
    expect(error.message).toMatch(/\b10240\b/)
    expect(error.message).toMatch(/maxNameLength \(1024\)/)
  })

  it('a NUL: no advice to raise a limit, which would not help', async () => {
    const { orgId } = await org()
    const error = await refused(
      login(orgId, { sub: 'alice', iat: NOW, groups: ['dev', 'o\u0000ps'] }),
      'GROUPS_CLAIM_OVER_LIMIT',
    )
    expect(error.message).toMatch(/NUL/)
    expect(error.message).not.toMatch(/raise/i)
  })
})

describe('an org id with a typo', () => {
  it('is disabled with the reason that the org was never configured', async () => {
    await org()
    const result = await login(`org-${randomUUID()}`, { sub: 'alice', iat: NOW, groups: ['dev'] })
    expect(result).toMatchObject({ status: 'disabled', cause: 'never-configured' })
  })

  it('while an org with mapping off says so', async () => {
    const { orgId } = await org({ on: false })
    const result = await login(orgId, { sub: 'alice', iat: NOW, groups: ['dev'] })
    expect(result).toMatchObject({ status: 'disabled', cause: 'mapping-off' })
  })
})

describe('a sync that removes a membership added by hand', () => {
  it("audits the membership's source before the removal", async () => {
    const { orgId, ids } = await org({ manual: ['ops'] })
    const result = await login(orgId, { sub: 'alice', iat: NOW, groups: ['dev'] })
    expect(result.removed.map((g) => g.id)).toEqual([ids.ops])
    const removal = (await store.listAuditEvents(orgId)).find(
      (e) => e.type === 'membership.removed',
    )
    expect(removal).toMatchObject({ source: 'sync', detail: { previousSource: 'manual' } })
  })
})

describe('groups "ops,engineering" without a delimiter', () => {
  it('stays one unmatched entry, and the diagnostics say why', async () => {
    const { orgId } = await org()
    const result = await login(orgId, { sub: 'alice', iat: NOW, groups: 'ops,engineering' })
    expect(result.status).toBe('synced')
    expect(result.unmatchedClaims).toEqual(['ops,engineering'])
    expect(result.notes.join('\n')).toMatch(/","[^]*delimiter/)
  })
})
