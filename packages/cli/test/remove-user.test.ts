import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginArgs } from './support/login-args.js'
import { runCli } from './support/run-cli.js'

interface JsonEvent {
  readonly type: string
  readonly userId?: string
  readonly groupName?: string
  readonly source?: string
  readonly actor?: string
  readonly detail?: { readonly memberships?: number }
}

// `groupsync remove-user` end to end on the embedded PGlite store, as the other store commands
// are tested: a real provider on loopback for the logins that give alice her sync memberships,
// one manual membership added while mapping was off, then the removal with mapping on. The tests
// run in order and share the data directory.
describe('groupsync remove-user (embedded store)', { timeout: 180_000 }, () => {
  let provider: DevProvider
  let dir: string
  let store: string[]
  /** alice's login from before the removal: its ID token was issued before it. */
  let aliceBefore: string[] = []

  beforeAll(async () => {
    provider = await startDevProvider({ accounts: { alice: ['dev', 'ops'], bob: ['dev'] } })
    dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-remove-user-'))
    store = ['--data-dir', join(dir, 'data')]
  })
  afterAll(async () => {
    await provider.close()
    await rm(dir, { recursive: true, force: true })
  })

  const cli = (...args: string[]) => runCli([...args, ...store], { cwd: dir })
  const auditOf = async (user: string): Promise<JsonEvent[]> => {
    const run = await cli('audit', '--org', 'acme', '--user', user, '--json')
    expect(run.code).toBe(0)
    return JSON.parse(run.stdout) as JsonEvent[]
  }
  const membersOf = async (group: string): Promise<{ userId: string; source: string }[]> => {
    const run = await cli('members', 'list', '--org', 'acme', '--group', group, '--json')
    expect(run.code).toBe(0)
    return (JSON.parse(run.stdout) as { userId: string; source: string }[]).map((m) => ({
      userId: m.userId,
      source: m.source,
    }))
  }

  it('sets up alice with two sync memberships and one manual, mapping on', async () => {
    expect((await cli('groups', 'create', 'dev', 'ops', 'sales', '--org', 'acme')).code).toBe(0)
    const added = await cli(
      'members',
      'add',
      '--org',
      'acme',
      '--group',
      'sales',
      '--user',
      'alice',
      '--actor',
      'root',
    )
    expect(added.code).toBe(0)
    expect((await cli('mapping', 'on', '--org', 'acme', '--actor', 'root')).code).toBe(0)
    // sync-owned removal keeps the manual membership that the claim does not name.
    aliceBefore = [...(await loginArgs(provider, 'alice', dir)), '--removal-mode', 'sync-owned']
    const sync = await cli('sync', ...aliceBefore)
    expect(sync.code).toBe(0)
    expect(await membersOf('dev')).toEqual([{ userId: 'alice', source: 'sync' }])
    expect(await membersOf('ops')).toEqual([{ userId: 'alice', source: 'sync' }])
    expect(await membersOf('sales')).toEqual([{ userId: 'alice', source: 'manual' }])
  })

  it('removes every membership of the user, whatever its source, with mapping on', async () => {
    const run = await cli('remove-user', '--org', 'acme', '--user', 'alice', '--actor', 'root')
    expect(run).toEqual({
      code: 0,
      stdout: 'alice removed from acme: 3 memberships removed.\n',
      stderr: '',
    })
    for (const group of ['dev', 'ops', 'sales']) expect(await membersOf(group)).toEqual([])
    // The last-sync record went with them: alice is not listed as stale.
    const stale = await cli('stale', '--org', 'acme', '--before', '9999-01-01T00:00:00Z', '--json')
    expect(JSON.parse(stale.stdout)).toEqual([])
  })

  it('a second run finds nothing, writes nothing and exits 0', async () => {
    const before = await auditOf('alice')
    const again = await cli('remove-user', '--org', 'acme', '--user', 'alice', '--actor', 'root')
    expect(again).toEqual({
      code: 0,
      stdout: 'alice has no memberships and no last sync in acme; nothing changed.\n',
      stderr: '',
    })
    const json = await cli('remove-user', '--org', 'acme', '--user', 'alice', '--json')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      removed: false,
      memberships: 0,
      orgId: 'acme',
      userId: 'alice',
    })
    expect(await auditOf('alice')).toEqual(before)
  })

  it('a login with a token issued before the removal brings nothing back', async () => {
    const replay = await cli('sync', ...aliceBefore)
    expect(replay.code).toBe(0)
    expect(replay.stdout).toMatch(
      /^The login's token \(issued .*\) is from before alice was removed from acme \(.*\): nothing changed\.\n$/,
    )
    for (const group of ['dev', 'ops', 'sales']) expect(await membersOf(group)).toEqual([])
  })

  it('the audit log lists a membership.removed per membership and one user.removed', async () => {
    const events = await auditOf('alice')
    const removal = events.slice(events.findIndex((e) => e.type === 'membership.removed'))
    const row = (e: JsonEvent) => [e.type, e.userId, e.groupName, e.source, e.actor, e.detail]
    // The membership.removed events come in group id order (random ids here), then user.removed.
    expect(removal.slice(0, 3).map(row).sort()).toEqual([
      ['membership.removed', 'alice', 'dev', 'sync', 'root', undefined],
      ['membership.removed', 'alice', 'ops', 'sync', 'root', undefined],
      ['membership.removed', 'alice', 'sales', 'manual', 'root', undefined],
    ])
    expect(removal.slice(3).map(row)).toEqual([
      ['user.removed', 'alice', undefined, undefined, 'root', { memberships: 3 }],
    ])
    expect(events.filter((e) => e.type === 'user.removed')).toHaveLength(1)
    const table = await cli('audit', '--org', 'acme', '--user', 'alice')
    expect(table.stdout).toMatch(
      /\n\d+ +user\.removed +alice +— +root +3 membership\(s\) removed\n/,
    )
  })

  it('--json of a removal gives what was removed, for the org and user', async () => {
    expect((await cli('sync', ...(await loginArgs(provider, 'bob', dir)))).code).toBe(0)
    const run = await cli('remove-user', '--org', 'acme', '--user', 'bob', '--json')
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual({
      removed: true,
      memberships: 1,
      orgId: 'acme',
      userId: 'bob',
    })
  })

  it('a missing or unknown option is a usage error, exit 2; an invalid user id exit 5', async () => {
    const missing = await cli('remove-user', '--org', 'acme')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^error CLI_USAGE: The option --user is required\. /)
    const unknown = await cli('remove-user', '--org', 'acme', '--user', 'alice', '--group', 'dev')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^error CLI_USAGE: /)
    const stray = await cli('remove-user', 'alice', '--org', 'acme')
    expect(stray.code).toBe(2)
    // The store refuses an id it cannot hold (over 255 code units): a store error, exit 5.
    const long = await cli('remove-user', '--org', 'acme', '--user', 'u'.repeat(256))
    expect(long.code).toBe(5)
    expect(long.stderr).toMatch(/^error STORE_INVALID_INPUT: /)
  })
})
