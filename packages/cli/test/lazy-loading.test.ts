import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMissingPackage } from '../src/internal/missing-package.js'
import { runCli } from './support/run-cli.js'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const packageDir = fileURLToPath(new URL('..', import.meta.url))

/**
 * A module-resolution hook that appends every module Node's ESM loader resolves (the specifier and
 * the file it resolved to) to the file named by GROUPSYNC_LOAD_LOG. The three packages checked
 * here are ES modules, so each of them goes through this hook when anything imports it.
 */
const HOOKS = `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(process.env.GROUPSYNC_LOAD_LOG, specifier + '\\t' + resolved.url + '\\n')
  return resolved
}
`

/** The demo's provider and what it loads; no admin command may load any of them. */
const DEMO_ONLY = [
  { name: '@groupsync/dev-provider', file: /\/(dev-provider|@groupsync\+dev-provider[^/]*)\// },
  { name: 'oidc-provider', file: /\/node_modules\/oidc-provider\// },
  { name: 'openid-client', file: /\/node_modules\/openid-client\// },
]

let dir = ''
let register = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'groupsync-loads-'))
  await writeFile(join(dir, 'hooks.mjs'), HOOKS)
  register = join(dir, 'register.mjs')
  await writeFile(
    register,
    `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)})\n`,
  )
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs node with the hook on `args`; resolves with its exit code, output and what it loaded. */
async function loadsOf(args: readonly string[], name: string) {
  const log = join(dir, `${name}.log`)
  await writeFile(log, '')
  const run = await promisify(execFile)(process.execPath, ['--import', register, ...args], {
    cwd: packageDir,
    env: { ...process.env, GROUPSYNC_LOAD_LOG: log },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: unknown) => error as { code: number; stdout: string },
  )
  const loaded = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '')
  const demoOnly = DEMO_ONLY.filter(({ name: pkg, file }) =>
    loaded.some((line) => {
      const [specifier = '', url = ''] = line.split('\t')
      return specifier === pkg || specifier.startsWith(`${pkg}/`) || file.test(url)
    }),
  ).map(({ name: pkg }) => pkg)
  return { ...run, loaded, demoOnly }
}

describe('commands load what they need when they run', { timeout: 60_000 }, () => {
  it('the hook sees the demo-only packages when something does load them', async () => {
    const control = await loadsOf(
      ['--input-type=module', '-e', "await import('@groupsync/dev-provider')"],
      'control',
    )
    expect(control.code).toBe(0)
    expect(control.demoOnly).toEqual(['@groupsync/dev-provider', 'openid-client'])
  })

  it('`groupsync audit --help` loads neither the dev provider, oidc-provider nor openid-client', async () => {
    const run = await loadsOf([bin, 'audit', '--help'], 'audit-help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Usage: groupsync audit')
    // The hook did record the CLI's own modules, so an empty list is not a blind spot.
    expect(run.loaded.some((line) => line.includes('/commands/audit.js'))).toBe(true)
    expect(run.demoOnly).toEqual([])
  })

  it.each([
    'plan',
    'sync',
    'stale',
    'migrate',
    'groups',
    'mapping',
    'members',
    'remove-user',
    'demo',
  ])('`groupsync %s --help` loads none of them either, nor another command', async (command) => {
    const run = await loadsOf([bin, command, '--help'], `${command}-help`)
    expect(run.code).toBe(0)
    expect(run.demoOnly).toEqual([])
    const commandsLoaded = run.loaded
      .map((line) => /\/commands\/([a-z-]+)\.js$/.exec(line)?.[1])
      .filter((c) => c !== undefined)
    expect([...new Set(commandsLoaded)]).toEqual([command])
  })

  it('`groupsync --help` loads no command at all', async () => {
    const run = await loadsOf([bin, '--help'], 'help')
    expect(run.code).toBe(0)
    expect(run.loaded.filter((line) => line.includes('/commands/'))).toEqual([])
    expect(run.demoOnly).toEqual([])
  })
})

describe('the demo without its optional provider', () => {
  it('recognises Node’s own error for a package that is not installed, and only that', async () => {
    const probe = join(dir, 'probe.mjs')
    await writeFile(probe, "import '@groupsync/dev-provider'\n")
    const { stdout } = await promisify(execFile)(process.execPath, [
      '-e',
      `import(${JSON.stringify(pathToFileURL(probe).href)}).catch((e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`,
    ])
    const error = Object.assign(new Error(), JSON.parse(stdout) as object)
    expect(isMissingPackage(error, '@groupsync/dev-provider')).toBe(true)
    expect(isMissingPackage(error, 'oidc-provider')).toBe(false)
    expect(
      isMissingPackage(
        new Error("Cannot find package '@groupsync/dev-provider'"),
        '@groupsync/dev-provider',
      ),
    ).toBe(false)
  })

  it('`demo --help` works, and the demo runs where the provider is installed', async () => {
    const help = await runCli(['demo', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: groupsync demo')
  })
})
