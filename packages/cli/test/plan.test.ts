import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT_CODES } from '../src/internal/exit-codes.js'
import { runCli } from './support/run-cli.js'

// Not valid JSON, made here so that no broken file sits in the repository for prettier to trip on.
const broken = join(mkdtempSync(join(tmpdir(), 'groupsync-plan-')), 'broken.json')
writeFileSync(broken, '["dev",')

const files = ['--org-groups', 'fixtures/groups.json', '--current', 'fixtures/current.json']
const plan = (...args: string[]) =>
  runCli(['plan', '--claims', 'fixtures/claims.json', ...files, ...args])

describe('groupsync plan (the sync’s dry run, from JSON files)', () => {
  it('prints the diff as a table with the reason for each change', async () => {
    const run = await plan()
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe(
      'Plan: 1 to add, 1 to remove, 1 unchanged; 2 claim entries match no group.',
    )
    expect(lines[2]).toMatch(/^action {2}group {4}id {2}why$/)
    expect(lines[3]).toMatch(/^-{6} {2}-{7} {2}-{2} {2}-+$/)
    expect(lines[4]).toMatch(/^add +dev +g1 +the claim names "dev"$/)
    expect(lines[5]).toMatch(
      /^remove +support +g4 +the claim does not name it; authoritative removal/,
    )
    expect(lines[6]).toMatch(
      /^stay +ops +g2 +the claim names "ops" and the user is already a member$/,
    )
    expect(run.stdout).toContain('claim entry "qa" names no group of the organisation')
    expect(run.stdout).toContain('claim entry "Sales" equals group "sales" (g3) only up to case')
  })

  it('prints JSON with --json', async () => {
    const run = await plan('--json')
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout) as Record<string, { id?: string }[] | string[]>
    expect(json['toAdd']).toEqual([{ id: 'g1', name: 'dev' }])
    expect(json['toRemove']).toEqual([{ id: 'g4', name: 'support' }])
    expect(json['unchanged']).toEqual([{ id: 'g2', name: 'ops' }])
    expect(json['unmatchedClaims']).toEqual(['Sales', 'qa'])
  })

  it('matches case-insensitively with --match case-insensitive', async () => {
    const run = await plan('--match', 'case-insensitive', '--json')
    const json = JSON.parse(run.stdout) as { toAdd: { id: string }[] }
    expect(json.toAdd.map((g) => g.id)).toEqual(['g1', 'g3'])
  })

  it('keeps manual memberships with --removal-mode sync-owned', async () => {
    const run = await runCli([
      'plan',
      '--claims',
      'fixtures/claims.json',
      '--org-groups',
      'fixtures/groups.json',
      '--current',
      'fixtures/current-sources.json',
      '--removal-mode',
      'sync-owned',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('1 to remove, 1 kept (manual)')
    expect(run.stdout).toMatch(
      /\nremove +admins +g5 +the claim does not name it and the sync created/,
    )
    expect(run.stdout).toMatch(
      /\nkeep +support +g4 +the claim does not name it, but the membership was made by hand/,
    )
  })

  it('reads the groups from a claims object at --claim-path', async () => {
    const run = await runCli([
      'plan',
      '--claims',
      'fixtures/id-token-claims.json',
      '--claim-path',
      'realm_access.roles',
      ...files,
      '--json',
    ])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout) as { toAdd: { id: string }[] }
    expect(json.toAdd.map((g) => g.id)).toEqual(['g5', 'g1'])
  })

  it.each([
    [['--claims', 'fixtures/nope.json', ...files], EXIT_CODES.invalidInput, 'CLI_INPUT_INVALID'],
    [['--claims', broken, ...files], EXIT_CODES.invalidInput, 'CLI_INPUT_INVALID'],
    [['--claims', 'fixtures/groups.json', ...files], EXIT_CODES.invalidInput, 'CLI_INPUT_INVALID'],
    [files, EXIT_CODES.usage, 'CLI_USAGE'],
    [['--claims', 'fixtures/claims.json', ...files, '--bogus'], EXIT_CODES.usage, 'CLI_USAGE'],
    [
      ['--claims', 'fixtures/claims.json', ...files, '--match', 'fuzzy'],
      EXIT_CODES.usage,
      'CLI_USAGE',
    ],
  ])('plan %j exits %i with %s and says what to do', async (args, code, errorCode) => {
    const run = await runCli(['plan', ...args])
    expect(run.code).toBe(code)
    expect(run.stdout).toBe('')
    expect(run.stderr.startsWith(`error ${errorCode}: `)).toBe(true)
  })
})

describe('help and exit codes', () => {
  const commands = [
    'demo',
    'plan',
    'sync',
    'stale',
    'migrate',
    'groups',
    'mapping',
    'members',
    'remove-user',
    'audit',
  ]

  it.each(commands)('groupsync %s --help prints its usage and the exit codes', async (command) => {
    const run = await runCli([command, '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout.startsWith(`Usage: groupsync ${command}`)).toBe(true)
    expect(run.stdout).toContain('Exit codes:')
  })

  it('lists every command in the main help', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    for (const command of commands) expect(run.stdout).toMatch(new RegExp(`\\n  ${command} `))
  })

  it('exits 2 with the main help when no command is given, and on an unknown one', async () => {
    expect((await runCli([])).code).toBe(2)
    const unknown = await runCli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('error CLI_USAGE: Unknown command "frobnicate".')
  })
})
