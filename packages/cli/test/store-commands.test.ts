import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginArgs } from './support/login-args.js'
import { runCli } from './support/run-cli.js'

// The store commands end to end: a real provider on loopback for the ID tokens, the embedded
// PGlite store in a temporary data directory. The tests run in order and share the directory.
// Each command opens the data directory afresh, as a user's commands do; the first creates it.
describe(
  'groupsync sync, mapping, groups, members, stale, audit, migrate (embedded store)',
  { timeout: 120_000 },
  () => {
    let provider: DevProvider
    let dir: string
    let store: string[]

    beforeAll(async () => {
      provider = await startDevProvider({ accounts: { alice: ['dev', 'ops', 'marketing'] } })
      dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-'))
      store = ['--data-dir', join(dir, 'data')]
    })
    afterAll(async () => {
      await provider.close()
      await rm(dir, { recursive: true, force: true })
    })

    const cli = (...args: string[]) => runCli([...args, ...store], { cwd: dir })
    const aliceLogin = () => loginArgs(provider, 'alice', dir)

    it('migrate creates the schema, and a second run applies nothing', async () => {
      const first = await cli('migrate', '--json')
      expect(first.code).toBe(0)
      expect((JSON.parse(first.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0)
      const again = await cli('migrate')
      expect(again.code).toBe(0)
      expect(again.stdout).toMatch(/^Schema groupsync in embedded PGlite in .* is up to date\.\n$/)
    })

    it('--tables on the embedded store of groupsync’s own tables is refused, exit 5', async () => {
      await writeFile(
        join(dir, 'tables.json'),
        JSON.stringify({
          groups: { table: 'teams', id: 'id', org: 'org_id', name: 'name' },
          memberships: { table: 'team_members', group: 'team_id', user: 'user_id' },
        }),
      )
      const run = await cli('groups', 'list', '--org', 'acme', '--tables', 'tables.json')
      expect([run.code, run.stdout, run.stderr]).toEqual([
        5,
        '',
        `error CLI_STORE_NOT_READY: Schema groupsync in embedded PGlite in ${join(dir, 'data')} holds groupsync's own groups and memberships, not the tables tables.json describes; drop --tables, or give another --schema for them.\n`,
      ])
    })

    it('groups create, then sync to an org never configured changes nothing and says so', async () => {
      expect((await cli('groups', 'create', 'dev', 'ops', 'sales', '--org', 'acme')).code).toBe(0)
      const show = await cli('mapping', 'show', '--org', 'acme')
      expect(show.stdout).toBe(
        'acme: never configured (no settings stored; is the org id right?): mapping off, match mode exact (the defaults)\n',
      )
      expect(JSON.parse((await cli('mapping', 'show', '--org', 'acme', '--json')).stdout)).toEqual({
        configured: false,
        manageGroupMemberships: false,
        matchMode: 'exact',
      })
      const run = await cli('sync', ...(await aliceLogin()))
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('acme has never been configured (no settings are stored')
    })

    it('mapping on, then a dry run explains and writes nothing, then sync applies', async () => {
      const on = await cli('mapping', 'on', '--org', 'acme', '--actor', 'root')
      expect(on.stdout).toBe('acme: mapping on, match mode exact\n')
      const args = await aliceLogin()
      const dry = await cli('sync', ...args, '--dry-run')
      expect(dry.code).toBe(0)
      expect(dry.stdout).toMatch(/\nadd +dev +the claim names "dev"\n/)
      expect(dry.stdout).toContain('claim entry "marketing" names no group of the organisation')
      // --json prints the same shape as `groupsync plan --json`: one renderer for the sync's plan.
      const dryJson = await cli('sync', ...args, '--dry-run', '--json')
      expect(dryJson.code).toBe(0)
      expect(JSON.parse(dryJson.stdout)).toMatchObject({
        status: 'planned',
        toAdd: [{ name: 'dev' }, { name: 'ops' }],
        unmatchedClaims: ['marketing'],
        steps: [
          { action: 'add', groupName: 'dev', reason: 'the claim names "dev"' },
          { action: 'add', groupName: 'ops', reason: 'the claim names "ops"' },
        ],
      })
      const audit = await cli('audit', '--org', 'acme', '--json')
      // The group creates are audited too, then the settings change; the dry run wrote nothing.
      expect(
        (JSON.parse(audit.stdout) as { type: string; groupName?: string }[]).map((e) => [
          e.type,
          e.groupName,
        ]),
      ).toEqual([
        ['group.created', 'dev'],
        ['group.created', 'ops'],
        ['group.created', 'sales'],
        ['settings.changed', undefined],
      ])

      const run = await cli('sync', ...args)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(
        'Synced alice in acme: claim present from id_token, removal authoritative.',
      )
      expect(run.stdout).toMatch(/\ndev +added\n/)
      expect(run.stdout).toMatch(/\nops +added\n/)
      expect(run.stdout).toContain('claim entry "marketing" names no group of the organisation')
    })

    it('members add is refused by the lock with exit 4 and what to do', async () => {
      const run = await cli(
        'members',
        'add',
        '--org',
        'acme',
        '--group',
        'sales',
        '--user',
        'alice',
      )
      expect(run.code).toBe(4)
      expect(run.stderr).toMatch(/^error MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED: /)
      expect(run.stderr).toContain('what to do: change the group at the identity provider')
    })

    it('the mass-removal guard refuses with exit 4; the audit log shows the denial', async () => {
      provider.setGroups('alice', [])
      const run = await cli('sync', ...(await aliceLogin()), '--max-removals', '1')
      expect(run.code).toBe(4)
      expect(run.stderr).toMatch(/^error MASS_REMOVAL_GUARD_TRIPPED: /)
      const audit = await cli('audit', '--org', 'acme', '--user', 'alice')
      expect(audit.stdout).toMatch(
        /\n\d+ +sync\.denied +alice +— +sync +MASS_REMOVAL_GUARD_TRIPPED \(claim present\)\n/,
      )
    })

    it('a token for another client is refused with ID_TOKEN_INVALID, exit 3', async () => {
      const args = (await aliceLogin()).map((a) => (a === provider.clientId ? 'someone-else' : a))
      const run = await cli('sync', ...args)
      expect(run.code).toBe(3)
      expect(run.stderr).toMatch(/^error ID_TOKEN_INVALID: /)
      expect(run.stderr).toContain('what to do: check --issuer, --client-id')
    })

    it('stale lists the users not synced since a time', async () => {
      const run = await cli('stale', '--org', 'acme', '--before', '9999-01-01T00:00:00Z', '--json')
      expect(run.code).toBe(0)
      expect((JSON.parse(run.stdout) as { userId: string }[]).map((s) => s.userId)).toEqual([
        'alice',
      ])
    })
  },
)
