import { PGlite } from '@electric-sql/pglite'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPostgresMembershipStore, fromPGlite, migrate } from '../src/index.js'
import { listMigrations } from '../src/migrate.js'

describe('embedded PGlite, opened by the store', () => {
  it('with no options the store opens an in-memory PGlite, migrates it and works; close() closes it', async () => {
    const store = await createPostgresMembershipStore()
    const g = await store.createGroup('org', 'Admins')
    expect(await store.addManualMember('org', g.id, 'alice')).toBe(true)
    expect((await store.listMembers('org', g.id)).map((m) => m.userId)).toEqual(['alice'])
    await store.close()
    await expect(store.listGroups('org')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
  }, 120_000)

  it('with dataDir the data survives a close and a reopen, and migrations are not applied again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'groupsync-pglite-'))
    try {
      const first = await createPostgresMembershipStore({ dataDir })
      const g = await first.createGroup('org', 'Engineering')
      expect(await first.addManualMember('org', g.id, 'alice', { actor: 'admin' })).toBe(true)
      await first.close()

      const db = await PGlite.create(dataDir)
      try {
        expect((await migrate(fromPGlite(db))).applied).toEqual([])
        const again = await createPostgresMembershipStore({ pglite: db })
        expect((await again.listGroups('org')).map((x) => [x.id, x.name])).toEqual([
          [g.id, 'Engineering'],
        ])
        expect((await again.listAuditEvents('org')).map((e) => e.type)).toEqual([
          'group.created',
          'membership.added',
        ])
        // A PGlite passed in stays open after close(): the caller owns it.
        await again.close()
        expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      } finally {
        await db.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 120_000)

  it('the migrations ship beside src/ and dist/ in the package folder, and are in its files list', async () => {
    const migrations = await listMigrations()
    expect(migrations[0]).toBe('0001_initial.sql')
    expect(migrations).toContain('0003_group_audit_events.sql')
    expect(migrations).toContain('0004_slice_keys_and_user_removals.sql')
    expect(migrations).toEqual([...migrations].sort())
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as {
      files: string[]
    }
    expect(pkg.files).toContain('migrations')
  })
})
