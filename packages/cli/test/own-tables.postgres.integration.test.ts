import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginArgs } from './support/login-args.js'
import { runCli } from './support/run-cli.js'

// The CLI on an application's own tables, on a real server: teams with uuid ids and a unique
// constraint on (org, name) kept as it is, team_members with the source in added_by, and a
// tables file describing them. Every command's output is asserted, and the application's rows
// are read back with SQL. The tests run in order and share the schemas.

// Needs a real PostgreSQL server: DATABASE_URL (CI always sets it; there a missing one fails).
const url = process.env['DATABASE_URL']
if ((url === undefined || url === '') && process.env['CI'] !== undefined) {
  throw new Error('CI is set but DATABASE_URL is not: the Postgres server tests cannot run')
}

const suffix = randomUUID().replaceAll('-', '')
const app = `app_${suffix}`
const schema = `gs_cli_${suffix}`
const defaultSchema = `gs_cli_def_${suffix}`
const org = randomUUID()

const APP_DDL = `CREATE SCHEMA ${app};
  CREATE TABLE ${app}.teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL,
    display_name text NOT NULL,
    UNIQUE (org_id, display_name)
  );
  CREATE TABLE ${app}.team_members (
    team_id uuid NOT NULL REFERENCES ${app}.teams (id) ON DELETE CASCADE,
    user_id text NOT NULL,
    added_by text NOT NULL,
    PRIMARY KEY (team_id, user_id)
  );`

const TABLES = {
  groups: { table: `${app}.teams`, id: 'id', org: 'org_id', name: 'display_name' },
  memberships: {
    table: `${app}.team_members`,
    group: 'team_id',
    user: 'user_id',
    source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
  },
}

describe.skipIf(url === undefined || url === '')(
  'groupsync on the application’s own tables (--tables), on a Postgres server',
  { timeout: 120_000 },
  () => {
    let pool: pg.Pool
    let provider: DevProvider
    let dir: string
    let where: string
    /** The teams by name, as the application created them. */
    let teams: Record<string, string> = {}

    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: url })
      await pool.query(APP_DDL)
      // Written by the application before groupsync was installed: no key, no groupsync column.
      const { rows } = await pool.query<{ id: string; display_name: string }>(
        `INSERT INTO ${app}.teams (org_id, display_name) VALUES ($1, 'dev'), ($1, 'ops'), ($1, 'sales')
         RETURNING id, display_name`,
        [org],
      )
      teams = Object.fromEntries(rows.map((r) => [r.display_name, r.id]))
      await pool.query(
        `INSERT INTO ${app}.team_members (team_id, user_id, added_by) VALUES ($1, 'carol', 'admin')`,
        [teams['sales']],
      )
      provider = await startDevProvider({ accounts: { alice: ['dev', 'ops', 'marketing'] } })
      dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-own-tables-'))
      await writeFile(join(dir, 'tables.json'), JSON.stringify(TABLES))
      const shown = new URL(url!)
      if (shown.password !== '') shown.password = '***'
      where = shown.href
    })
    afterAll(async () => {
      await provider.close()
      await rm(dir, { recursive: true, force: true })
      for (const s of [app, schema, defaultSchema]) {
        await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
      }
      await pool.end()
    })

    const on = (s: string) => ['--database-url', url!, '--schema', s]
    const cli = (...args: string[]) => runCli([...args, ...on(schema)], { cwd: dir })
    const mapped = (...args: string[]) => cli(...args, '--tables', 'tables.json')
    const aliceLogin = () => loginArgs(provider, 'alice', dir, org)

    /** The relations of the three schemas, and the triggers on the memberships table. */
    const catalog = async () => ({
      relations: (
        await pool.query<{ rel: string }>(
          `SELECT n.nspname || '.' || c.relname AS rel FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) ORDER BY 1`,
          [[app, schema, defaultSchema]],
        )
      ).rows.map((r) => r.rel),
      triggers: (
        await pool.query<{ tgname: string }>(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
          [`${app}.team_members`],
        )
      ).rows.map((r) => r.tgname),
      schemas: (
        await pool.query<{ nspname: string }>(
          `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1`,
          [[app, schema, defaultSchema]],
        )
      ).rows.map((r) => r.nspname),
    })
    /** The application's membership rows: team name, user, added_by. */
    const rows = async () =>
      (
        await pool.query<{ team: string; user_id: string; added_by: string }>(
          `SELECT t.display_name AS team, m.user_id, m.added_by FROM ${app}.team_members m
           JOIN ${app}.teams t ON t.id = m.team_id ORDER BY 1, 2`,
        )
      ).rows.map((r) => [r.team, r.user_id, r.added_by])

    const notMigrated = (withTables: boolean) =>
      `error CLI_STORE_NOT_READY: Schema ${schema} in ${where} has no groupsync tables (nothing was created). Run \`groupsync migrate${withTables ? ' --tables tables.json' : ''}\` first${withTables ? '' : ' (with --tables FILE if the groups live in your own tables)'}.\n`

    it('before any migration, every store command stops with what to run, and creates nothing', async () => {
      const before = await catalog()
      const commands = [
        ['audit', '--org', org],
        ['members', 'list', '--org', org, '--group', 'dev'],
        ['members', 'add', '--org', org, '--group', 'dev', '--user', 'zoe'],
        ['mapping', 'show', '--org', org],
        ['mapping', 'on', '--org', org],
        ['groups', 'list', '--org', org],
        ['groups', 'create', 'qa', '--org', org],
        ['remove-user', '--org', org, '--user', 'carol'],
        ['stale', '--org', org, '--older-than', '1d'],
        ['sync', ...(await aliceLogin())],
      ]
      for (const command of commands) {
        for (const withTables of [true, false]) {
          const run = withTables ? await mapped(...command) : await cli(...command)
          expect([command[0], withTables, run.code, run.stdout, run.stderr]).toEqual([
            command[0],
            withTables,
            5,
            '',
            notMigrated(withTables),
          ])
        }
      }
      expect(await catalog()).toEqual(before)
      expect(before.schemas).toEqual([app])
      expect(await rows()).toEqual([['sales', 'carol', 'admin']])
    })

    it('a server that cannot be reached is STORE_UNAVAILABLE, exit 5, before the tables file is used', async () => {
      const run = await runCli(
        [
          'audit',
          '--org',
          org,
          '--tables',
          'tables.json',
          '--database-url',
          'postgres://postgres@127.0.0.1:1/test',
        ],
        { cwd: dir },
      )
      expect([run.code, run.stdout, run.stderr.split('\n')[0]]).toEqual([
        5,
        '',
        'error STORE_UNAVAILABLE: Cannot read schema groupsync in postgres://postgres@127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1.',
      ])
    })

    it('migrate --tables creates groupsync’s own tables only, and on the application’s the indexes and trigger asked for', async () => {
      const before = await catalog()
      const run = await mapped('migrate', '--app-indexes', '--enforce-lock')
      const migrations = (
        await readdir(new URL('../../store-postgres/migrations/', import.meta.url))
      )
        .filter((f) => f.endsWith('.sql'))
        .sort()
      expect(run.stderr).toBe('')
      expect(run.stdout).toBe(
        [
          `Applied ${migrations.length} migration(s) to schema ${schema} in ${where}:`,
          ...migrations.map((m) => `  ${m}`),
          "The login's indexes on the application's tables are in place.",
          'The trigger enforcing the manual-change lock on the memberships table is in place.',
          '',
        ].join('\n'),
      )
      expect(run.code).toBe(0)
      const after = await catalog()
      const added = after.relations.filter((r) => !before.relations.includes(r))
      // On the application's schema: exactly the two indexes; groupsync's groups and memberships
      // tables nowhere.
      expect(added.filter((r) => r.startsWith(`${app}.`))).toEqual([
        expect.stringMatching(new RegExp(`^${app}\\.groupsync_slice_[0-9a-f]{8}$`)),
        expect.stringMatching(new RegExp(`^${app}\\.groupsync_user_[0-9a-f]{8}$`)),
      ])
      expect(added).not.toContain(`${schema}.org_groups`)
      expect(added).not.toContain(`${schema}.memberships`)
      expect(added).toContain(`${schema}.org_settings`)
      expect(after.triggers).toEqual(['groupsync_manual_lock'])
      const again = await mapped('migrate')
      expect([again.code, again.stdout]).toEqual([
        0,
        `Schema ${schema} in ${where} is up to date.\n`,
      ])
    })

    it('a schema set up for the application’s tables refuses a command without --tables, migrate included', async () => {
      const message = `error CLI_STORE_NOT_READY: Schema ${schema} in ${where} is set up for an application's own groups and memberships tables; pass their description with --tables FILE.\n`
      for (const command of [['groups', 'list', '--org', org], ['migrate']]) {
        const run = await cli(...command)
        expect([run.code, run.stdout, run.stderr]).toEqual([5, '', message])
      }
    })

    it('a schema of groupsync’s own tables refuses --tables, and nothing is created', async () => {
      const other = (...args: string[]) => runCli([...args, ...on(defaultSchema)], { cwd: dir })
      expect((await other('migrate')).code).toBe(0)
      const before = await catalog()
      const message = `error CLI_STORE_NOT_READY: Schema ${defaultSchema} in ${where} holds groupsync's own groups and memberships, not the tables tables.json describes; drop --tables, or give another --schema for them.\n`
      for (const command of [
        ['audit', '--org', org],
        ['migrate', '--app-indexes'],
      ]) {
        const run = await other(...command, '--tables', 'tables.json')
        expect([run.code, run.stdout, run.stderr]).toEqual([5, '', message])
      }
      expect(await catalog()).toEqual(before)
    })

    it('a tables file the store refuses is reported at its place in the file', async () => {
      await writeFile(
        join(dir, 'typo.json'),
        JSON.stringify({ ...TABLES, groups: { ...TABLES.groups, nmae: 'x' } }),
      )
      await writeFile(join(dir, 'list.json'), '[]')
      const typo = await cli('groups', 'list', '--org', org, '--tables', 'typo.json')
      expect([typo.code, typo.stderr]).toEqual([
        3,
        'error CLI_INPUT_INVALID: typo.json#/groups/nmae: is not a member; the members are table, id, org, name, createdAt, where, values, maxNameBytes\n',
      ])
      const list = await cli('groups', 'list', '--org', org, '--tables', 'list.json')
      expect([list.code, list.stderr]).toEqual([
        3,
        'error CLI_INPUT_INVALID: The tables description (--tables) in "list.json" is an array; it must be an object { "groups", "memberships" }. Fix it.\n',
      ])
    })

    it('groups list shows the teams the application wrote; groups create adds a team row', async () => {
      const run = await mapped('groups', 'list', '--org', org)
      expect(run.stdout).toBe(
        [
          'group  id',
          `-----  ${'-'.repeat(36)}`,
          `dev    ${teams['dev']}`,
          `ops    ${teams['ops']}`,
          `sales  ${teams['sales']}`,
          '',
        ].join('\n'),
      )
      const created = await mapped('groups', 'create', 'qa', '--org', org)
      const { rows: qa } = await pool.query<{ id: string }>(
        `SELECT id FROM ${app}.teams WHERE org_id = $1 AND display_name = 'qa'`,
        [org],
      )
      expect(qa.length).toBe(1)
      expect([created.code, created.stdout]).toEqual([0, `created "qa" (${qa[0]?.id})\n`])
    })

    it('with mapping off, members add, list and remove change the application’s rows', async () => {
      const show = await mapped('mapping', 'show', '--org', org)
      // Nothing stored yet for the org: the CLI says so rather than reporting settings it did not read.
      expect(show.stdout).toBe(
        `${org}: never configured (no settings stored; is the org id right?): mapping off, match mode exact (the defaults)\n`,
      )
      const add = await mapped(
        'members',
        'add',
        '--org',
        org,
        '--group',
        'dev',
        '--user',
        'alice',
        '--actor',
        'root',
      )
      expect([add.code, add.stdout]).toEqual([0, 'alice added to "dev"\n'])
      const list = await mapped('members', 'list', '--org', org, '--group', 'sales')
      // The table keeps no creation time: the column says so (—) rather than inventing one.
      expect(list.stdout).toBe('user   source  since\n-----  ------  -----\ncarol  manual  —\n')
      const remove = await mapped(
        'members',
        'remove',
        '--org',
        org,
        '--group',
        'sales',
        '--user',
        'carol',
      )
      expect([remove.code, remove.stdout]).toEqual([0, 'carol removed from "sales"\n'])
      expect(await rows()).toEqual([['dev', 'alice', 'admin']])
    })

    it('with mapping on, members add is refused with exit 4, and so is a direct insert (--enforce-lock)', async () => {
      const turnOn = await mapped('mapping', 'on', '--org', org, '--actor', 'root')
      expect([turnOn.code, turnOn.stdout]).toEqual([0, `${org}: mapping on, match mode exact\n`])
      const { rows: settings } = await pool.query(
        `SELECT org_id, manage_group_memberships FROM "${schema}".org_settings`,
      )
      expect(settings).toEqual([{ org_id: org, manage_group_memberships: true }])
      const add = await mapped('members', 'add', '--org', org, '--group', 'ops', '--user', 'bob')
      expect([add.code, add.stdout]).toEqual([4, ''])
      expect(add.stderr).toBe(
        [
          `error MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED: Organisation "${org}" maps group memberships from its identity provider: members cannot be added by hand. Change the groups at the provider, or turn mapping off.`,
          'what to do: change the group at the identity provider, or turn mapping off first with `groupsync mapping off --org ORG`.',
          '',
        ].join('\n'),
      )
      await expect(
        pool.query(
          `INSERT INTO ${app}.team_members (team_id, user_id, added_by) VALUES ($1, 'bob', 'admin')`,
          [teams['ops']],
        ),
      ).rejects.toThrow(`organisation ${org} maps group memberships from its identity provider`)
      expect(await rows()).toEqual([['dev', 'alice', 'admin']])
    })

    it('sync --dry-run explains and writes nothing; sync writes the login’s memberships', async () => {
      const args = await aliceLogin()
      const dry = await mapped('sync', ...args, '--dry-run', '--json')
      expect([dry.code, dry.stderr]).toEqual([0, ''])
      expect(JSON.parse(dry.stdout)).toMatchObject({
        status: 'planned',
        toAdd: [{ id: teams['ops'], name: 'ops' }],
        unmatchedClaims: ['marketing'],
      })
      expect(await rows()).toEqual([['dev', 'alice', 'admin']])
      const run = await mapped('sync', ...args)
      expect([run.code, run.stderr]).toEqual([0, ''])
      expect(run.stdout).toBe(
        [
          `Synced alice in ${org}: claim present from id_token, removal authoritative.`,
          '',
          'group  change',
          '-----  ------',
          'ops    added',
          'dev    stays',
          '',
          'Notes:',
          '  - claim entry "marketing" names no group of the organisation',
          '',
        ].join('\n'),
      )
      expect(await rows()).toEqual([
        ['dev', 'alice', 'admin'],
        ['ops', 'alice', 'groupsync'],
      ])
      const stale = await mapped('stale', '--org', org, '--before', '9999-01-01T00:00:00Z')
      expect(stale.stdout).toMatch(
        new RegExp(
          `^1 user\\(s\\) of ${org} last synced before 9999-01-01T00:00:00.000Z:\n\nuser +last synced\n-+ +-+\nalice +\\d{4}-`,
        ),
      )
    })

    it('plan takes the mapped store’s groups list (ids of the table’s own kind, no creation time)', async () => {
      const groups = await mapped('groups', 'list', '--org', org, '--json')
      await writeFile(join(dir, 'groups.json'), groups.stdout)
      await writeFile(join(dir, 'claims.json'), JSON.stringify(['dev', 'sales']))
      await writeFile(
        join(dir, 'current.json'),
        JSON.stringify([{ groupId: teams['ops'], source: 'sync' }]),
      )
      const run = await runCli(
        [
          'plan',
          '--claims',
          'claims.json',
          '--org-groups',
          'groups.json',
          '--current',
          'current.json',
        ],
        { cwd: dir },
      )
      expect([run.code, run.stderr]).toEqual([0, ''])
      expect(run.stdout).toBe(
        [
          'Plan: 2 to add, 1 to remove, 0 unchanged; 0 claim entries match no group.',
          '',
          `action  group  ${'id'.padEnd(36)}  why`,
          `------  -----  ${'-'.repeat(36)}  ${'-'.repeat(111)}`,
          `add     dev    ${teams['dev']}  the claim names "dev"`,
          `add     sales  ${teams['sales']}  the claim names "sales"`,
          `remove  ops    ${teams['ops']}  the claim does not name it; authoritative removal takes the user out of every org group the claim does not name`,
          '',
        ].join('\n'),
      )
    })

    it('audit lists what the commands and the login did, read from groupsync’s own tables', async () => {
      const json = await mapped('audit', '--org', org, '--json')
      const events = JSON.parse(json.stdout) as {
        type: string
        userId?: string
        groupName?: string
        source?: string
        actor?: string
        claimDigest?: string
      }[]
      expect(
        events.map((e) => [e.type, e.userId, e.groupName, e.source ?? null, e.actor ?? null]),
      ).toEqual([
        ['group.created', undefined, 'qa', null, null],
        ['membership.added', 'alice', 'dev', 'manual', 'root'],
        ['membership.removed', 'carol', 'sales', 'manual', null],
        ['settings.changed', undefined, undefined, null, 'root'],
        ['membership.added', 'alice', 'ops', 'sync', null],
      ])
      const digest = events[4]?.claimDigest?.slice(0, 12) ?? 'none'
      const text = await mapped('audit', '--org', org)
      expect(text.stdout.split('\n').slice(2)).toEqual([
        expect.stringMatching(/^\d+ +group\.created +— +qa +— +—$/),
        expect.stringMatching(/^\d+ +membership\.added +alice +dev +root +—$/),
        expect.stringMatching(/^\d+ +membership\.removed +carol +sales +manual +—$/),
        expect.stringMatching(
          /^\d+ +settings\.changed +— +— +root +manageGroupMemberships: false → true$/,
        ),
        expect.stringMatching(
          new RegExp(`^\\d+ +membership\\.added +alice +ops +sync +claim sha256 ${digest}…$`),
        ),
        '',
      ])
    })

    it('remove-user removes the user’s rows from the application’s table, whatever their source', async () => {
      const run = await mapped('remove-user', '--org', org, '--user', 'alice')
      expect([run.code, run.stdout]).toEqual([
        0,
        `alice removed from ${org}: 2 memberships removed.\n`,
      ])
      expect(await rows()).toEqual([])
      const again = await mapped('remove-user', '--org', org, '--user', 'alice')
      expect(again.stdout).toBe(
        `alice has no memberships and no last sync in ${org}; nothing changed.\n`,
      )
    })
  },
)
