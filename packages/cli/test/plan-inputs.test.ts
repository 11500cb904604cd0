import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT_CODES } from '../src/internal/exit-codes.js'
import { runCli } from './support/run-cli.js'

// What `groupsync plan` now takes from the sync instead of deciding itself (the policy, the
// guard, the claim's limits and empty entries, the org's settings), and how it refuses a JSON
// file that is not what its option takes: CLI_INPUT_INVALID at the file and JSON Pointer.

const FILES: Readonly<Record<string, unknown>> = {
  'claims.json': ['dev', 'ops', 'Sales', 'qa'],
  'claims-with-empty.json': ['dev', '', 'ops', ''],
  'claims-object.json': { sub: 'alice', realm_access: { roles: ['dev'] } },
  'groups.json': [
    { id: 'g1', name: 'dev' },
    { id: 'g2', name: 'ops' },
    { id: 'g3', name: 'sales' },
    { id: 'g4', name: 'support' },
  ],
  'groups-listed.json': [
    { orgId: 'acme', id: 'g1', name: 'dev', createdAt: '2026-01-01T00:00:00.000Z' },
    { orgId: 'acme', id: 'g2', name: 'ops', createdAt: '2026-01-01T00:00:00.000Z' },
  ],
  'groups-bad-id.json': [
    { id: 'g1', name: 'dev' },
    { id: 2, name: 'ops' },
  ],
  'groups-typo.json': [{ id: 'g1', nmae: 'dev' }],
  'current.json': ['g2', 'g4'],
  'current-bad-source.json': [{ groupId: 'g2', source: 'admin' }],
  'settings-off.json': { manageGroupMemberships: false },
  'settings-ci.json': { matchMode: 'case-insensitive' },
  'settings-typo.json': { matchmode: 'exact' },
  'policy-guard.json': { massRemovalGuard: { maxRemovals: 0 } },
  'policy-limit.json': { claimsOptions: { maxGroups: 2 } },
  'policy-typo.json': { removalMod: 'sync-owned' },
  'policy-bad-value.json': { absent: 'never' },
}

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'groupsync-plan-inputs-'))
  for (const [name, value] of Object.entries(FILES)) {
    await writeFile(join(dir, name), JSON.stringify(value))
  }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const plan = (...args: string[]) =>
  runCli(
    [
      'plan',
      ...['--claims', 'claims.json', '--org-groups', 'groups.json', '--current', 'current.json'],
      ...args,
    ],
    { cwd: dir },
  )
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

describe('groupsync plan applies the org’s policy, as the sync does', () => {
  it('a plan the mass-removal guard refuses is denied, with the steps it refused', async () => {
    const run = await plan('--policy', 'policy-guard.json')
    expect(run.code).toBe(EXIT_CODES.ok)
    expect(run.stdout).toMatch(/^The sync would be denied: MASS_REMOVAL_GUARD_TRIPPED: /)
    expect(run.stdout).toContain('It would have done: 1 to add, 1 to remove, 1 unchanged;')
    expect(run.stdout).toMatch(/\nremove +support +g4 +the claim does not name it/)
    const denied = json((await plan('--max-removals', '0', '--json')).stdout)
    expect(denied['status']).toBe('denied')
    expect(denied['error']).toMatchObject({ code: 'MASS_REMOVAL_GUARD_TRIPPED' })
    expect(denied['refused']).toMatchObject({ toRemove: [{ id: 'g4', name: 'support' }] })
  })

  it('an option overrides the policy file’s field', async () => {
    const run = await plan('--policy', 'policy-guard.json', '--max-removals', '1', '--json')
    expect(json(run.stdout)['status']).toBe('planned')
  })

  it('an absent claim follows the absent policy: empty, keep or deny', async () => {
    const claims = ['--claims', 'claims-object.json']
    const empty = json((await plan(...claims, '--json')).stdout)
    expect(empty).toMatchObject({ status: 'planned', claim: { state: 'absent' } })
    expect(empty['toRemove']).toEqual([
      { id: 'g2', name: 'ops' },
      { id: 'g4', name: 'support' },
    ])
    const kept = json((await plan(...claims, '--absent', 'keep', '--json')).stdout)
    expect(kept).toMatchObject({ status: 'kept', claim: { policy: 'absent-keep' } })
    const denied = await plan(...claims, '--absent', 'deny')
    expect(denied.code).toBe(EXIT_CODES.ok)
    expect(denied.stdout).toMatch(/^The sync would be denied: GROUPS_CLAIM_ABSENT_DENIED: /)
  })

  it('the claim’s limits deny a claim over them', async () => {
    const run = await plan('--policy', 'policy-limit.json', '--json')
    expect(json(run.stdout)).toMatchObject({
      status: 'denied',
      error: { code: 'GROUPS_CLAIM_OVER_LIMIT' },
    })
  })

  it('empty entries are dropped, not reported as names that match no group', async () => {
    const run = await plan('--claims', 'claims-with-empty.json', '--json')
    const planned = json(run.stdout)
    expect(planned['claim']).toMatchObject({ groups: ['dev', 'ops'], droppedEmpty: 2 })
    expect(planned['unmatchedClaims']).toEqual([])
  })

  it('the org’s settings: mapping off plans nothing; the match mode, with --match over it', async () => {
    const off = await plan('--settings', 'settings-off.json')
    expect(off.stdout).toMatch(/^Nothing would change: mapping is off for this organisation/)
    const ci = json((await plan('--settings', 'settings-ci.json', '--json')).stdout)
    expect(ci['toAdd']).toEqual([
      { id: 'g1', name: 'dev' },
      { id: 'g3', name: 'sales' },
    ])
    const exact = await plan('--settings', 'settings-ci.json', '--match', 'exact', '--json')
    expect(json(exact.stdout)['toAdd']).toEqual([{ id: 'g1', name: 'dev' }])
  })

  it('takes the output of `groupsync groups list --json` as the org groups', async () => {
    const run = await plan('--org-groups', 'groups-listed.json', '--json')
    expect(run.code).toBe(EXIT_CODES.ok)
    expect(json(run.stdout)['toAdd']).toEqual([{ id: 'g1', name: 'dev' }])
  })
})

describe('groupsync plan decodes its JSON files', () => {
  it.each([
    [
      ['--org-groups', 'groups-bad-id.json'],
      'groups-bad-id.json#/1/id',
      'at /1/id is 2; it must be a string',
    ],
    [
      ['--org-groups', 'groups-typo.json'],
      'groups-typo.json#/0/nmae',
      'has an unknown field at /0/nmae',
    ],
    [['--current', 'current-bad-source.json'], 'current-bad-source.json#/0', 'at /0 is an object'],
    [
      ['--settings', 'settings-typo.json'],
      'settings-typo.json#/matchmode',
      'unknown field at /matchmode',
    ],
    [
      ['--policy', 'policy-typo.json'],
      'policy-typo.json#/removalMod',
      'unknown field at /removalMod',
    ],
    [
      ['--policy', 'policy-bad-value.json'],
      'policy-bad-value.json#/absent',
      'at /absent is "never"',
    ],
    [['--claims', 'groups.json'], 'groups.json#', 'must be an array of group names or an object'],
  ])('plan %j is CLI_INPUT_INVALID at %s', async (args, path, words) => {
    const run = await plan(...args)
    expect(run.code).toBe(EXIT_CODES.invalidInput)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^error CLI_INPUT_INVALID: /)
    expect(run.stderr).toContain(words)
    expect(run.stderr).toContain(JSON.stringify(path.split('#')[0]))
  })

  it('says where in its error’s path: the JSON Pointer under its option (the file in the message)', async () => {
    const { CliError } = await import('../src/internal/cli-error.js')
    const { readJsonFile } = await import('../src/internal/json-input.js')
    const { OrgGroupsFileCodec } = await import('../src/internal/input-codecs.js')
    const error = await readJsonFile(OrgGroupsFileCodec, 'groups-bad-id.json', dir, {
      label: 'the groups',
      option: 'org-groups',
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CliError)
    expect(error).toMatchObject({ code: 'CLI_INPUT_INVALID', path: '/org-groups/1/id', value: 2 })
    expect((error as Error).message).toContain('"groups-bad-id.json" at /1/id')
  })

  it('a list is the claim itself, so --claim-path with one is a usage error', async () => {
    const run = await plan('--claim-path', 'roles')
    expect(run.code).toBe(EXIT_CODES.usage)
    expect(run.stderr).toMatch(/^error CLI_USAGE: --claim-path reads a claims object/)
  })
})
