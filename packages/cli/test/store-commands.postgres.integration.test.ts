import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevProvider } from '@groupsync/dev-provider'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { loginArgs } from './support/login-args.js'
import { runCli } from './support/run-cli.js'

// Needs a real PostgreSQL server: DATABASE_URL (CI always sets it; there a missing one fails).
const url = process.env['DATABASE_URL']
if ((url === undefined || url === '') && process.env['CI'] !== undefined) {
  throw new Error('CI is set but DATABASE_URL is not: the Postgres server tests cannot run')
}

describe.skipIf(url === undefined || url === '')('groupsync against a Postgres server', () => {
  it('migrate, groups, mapping and sync through --database-url', { timeout: 60_000 }, async () => {
    const schema = `gs_cli_${randomUUID().replaceAll('-', '')}`
    const provider = await startDevProvider({ accounts: { bob: ['dev', 'ops'] } })
    const dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-pg-'))
    // CI's server trusts local connections, so a password is ignored there; it must not be printed.
    const withPassword = new URL(url!)
    if (withPassword.password === '') withPassword.password = 'hunter2'
    const store = ['--database-url', withPassword.href, '--schema', schema]
    const cli = (...args: string[]) => runCli([...args, ...store], { cwd: dir })
    try {
      const migrated = await cli('migrate')
      expect(migrated.code).toBe(0)
      expect(migrated.stdout).toMatch(/^Applied \d+ migration\(s\) to schema gs_cli_/)
      expect(migrated.stdout).not.toContain(withPassword.password)
      expect((await cli('groups', 'create', 'dev', 'sales', '--org', 'acme')).code).toBe(0)
      expect((await cli('mapping', 'on', '--org', 'acme')).code).toBe(0)
      const sync = await cli('sync', ...(await loginArgs(provider, 'bob', dir)), '--json')
      expect(sync.code).toBe(0)
      const result = JSON.parse(sync.stdout) as { status: string; added: { name: string }[] }
      expect([result.status, result.added.map((g) => g.name)]).toEqual(['synced', ['dev']])
    } finally {
      await provider.close()
      await rm(dir, { recursive: true, force: true })
      const pool = new pg.Pool({ connectionString: url })
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    }
  })
})
