import { execFile, spawn } from 'node:child_process'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify, stripVTControlCharacters } from 'node:util'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { CJS_CONSUMER, ESM_CONSUMER } from './consumer-scenario.js'
import { publicPackages, ROOT, type WorkspacePackage } from './public-packages.js'

/**
 * What a service gets when it installs groupsync: every public package packed with `pnpm pack`
 * (workspace ranges turned into versions, only the `files` shipped), checked with publint and
 * arethetypeswrong, then installed with npm from the tarballs into fresh projects outside the
 * workspace — no workspace links — where an ES module and a CommonJS consumer are type-checked
 * and run, the store contract suite runs on a store, the CLI runs, the conformance kit runs
 * with npx from its tarball against the TypeScript port, and a server-only project installs the
 * Postgres store without PGlite.
 */

/**
 * pnpm, as the one running this script (`pnpm --filter … run consumer-check`) or else through
 * npx: spawning npx for each package costs seconds.
 */
const PNPM: readonly [string, ...string[]] =
  process.env['npm_execpath']?.includes('pnpm') === true
    ? [process.execPath, process.env['npm_execpath']]
    : ['npx', '-y', 'pnpm@10.34.8']
const exec = promisify(execFile)
const started = performance.now()
const log = (line: string): void => {
  console.log(`consumer-check [${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`)
}

/**
 * Findings of arethetypeswrong (the engine of `@arethetypeswrong/cli`, run in-process) that are
 * expected, with the reason. Every package is ESM-only (`"type": "module"`, one entry point):
 * resolved from CommonJS it is an ES module. Node 20.19+ can `require()` such a module, and
 * TypeScript 5.8+ types that `require` under `module: nodenext`; the CommonJS consumer below
 * proves both. arethetypeswrong's TypeScript (5.6) predates that, so it reports
 * `CJSResolvesToESM` (the CLI's rule `cjs-resolves-to-esm`) for the `node16` CommonJS mode.
 */
const ATTW_IGNORED: ReadonlySet<string> = new Set(['CJSResolvesToESM'])

/**
 * A subpath export (`@groupsync/store-postgres/testing`) cannot be resolved under TypeScript's
 * `node10` resolution, which predates `exports`; a project still on it cannot load these ES
 * modules anyway, and its main entry points resolve through `main` and `types`. So `NoResolution`
 * is expected there, and only there (the CLI's `--profile node16` ignores node10 altogether).
 */
const ignoredAttw = (problem: { kind: string; resolutionKind?: string }): boolean =>
  ATTW_IGNORED.has(problem.kind) ||
  (problem.kind === 'NoResolution' && problem.resolutionKind === 'node10')

/**
 * Findings of publint that are expected, with the reason; none today. An entry is
 * `{ package, code, why }`.
 */
const PUBLINT_ALLOWED: readonly { package: string; code: string; why: string }[] = []

/** Runs a command; on failure throws with its output. */
async function run(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  try {
    return await exec(file, [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `${file} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`,
    )
  }
}

/** Runs a command and resolves with its exit code and output, whatever the code. */
function runAny(file: string, args: readonly string[], cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, [...args], { cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr })
    })
  })
}

/** Packs every package in one pnpm run; resolves with the tarball of each, by package name. */
async function packAll(
  packages: readonly WorkspacePackage[],
  into: string,
): Promise<Record<string, string>> {
  const [command, ...args] = PNPM
  const filters = packages.flatMap((p) => ['--filter', p.manifest.name])
  await run(command, [...args, '--recursive', ...filters, 'pack', '--pack-destination', into], ROOT)
  const tarballs: Record<string, string> = {}
  for (const pkg of packages) {
    // pnpm names a tarball after the package: @groupsync/core@0.1.0 → groupsync-core-0.1.0.tgz
    const name = `${pkg.manifest.name.replace(/^@/, '').replace('/', '-')}-${pkg.manifest.version}.tgz`
    const tarball = join(into, name)
    if (!(await exists(tarball))) throw new Error(`pnpm pack made no ${name}`)
    tarballs[pkg.manifest.name] = tarball
  }
  return tarballs
}

async function lint(pkg: WorkspacePackage, tarball: string): Promise<string[]> {
  const problems: string[] = []
  const data = await readFile(tarball)
  const { messages, pkg: packed } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    level: 'suggestion',
    strict: true,
  })
  for (const message of messages) {
    const allowed = PUBLINT_ALLOWED.some(
      (a) => a.package === pkg.manifest.name && a.code === message.code,
    )
    if (!allowed) {
      problems.push(
        `publint ${message.type} ${message.code}: ${formatMessage(message, packed) ?? ''}`,
      )
    }
  }
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(data)))
  if (analysis.types === false) problems.push('arethetypeswrong: the package has no types')
  else {
    for (const problem of analysis.problems) {
      if (!ignoredAttw(problem)) {
        problems.push(`arethetypeswrong ${problem.kind}: ${JSON.stringify(problem)}`)
      }
    }
  }
  return problems
}

const fileDep = (tarball: string): string => `file:${tarball}`

function tarballOf(tarballs: Readonly<Record<string, string>>, name: string): string {
  const tarball = tarballs[name]
  if (tarball === undefined) throw new Error(`${name} was not packed`)
  return tarball
}

/** Installs `dependencies` with npm into a new project at `dir`; the tarballs also as overrides. */
async function install(
  dir: string,
  dependencies: Readonly<Record<string, string>>,
  tarballs: Readonly<Record<string, string>>,
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const overrides = Object.fromEntries(Object.entries(tarballs).map(([n, t]) => [n, fileDep(t)]))
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies, overrides }, null, 2),
  )
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      '--no-package-lock',
    ],
    dir,
  )
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

async function appProject(dir: string, tarballs: Readonly<Record<string, string>>): Promise<void> {
  const { ['@groupsync/dev-provider']: _devProvider, ...wanted } = tarballs
  await install(
    dir,
    {
      ...Object.fromEntries(Object.entries(wanted).map(([n, t]) => [n, fileDep(t)])),
      '@electric-sql/pglite': '^0.5.17',
      jose: '^6.2.18',
      vitest: '^4.1.12',
      '@types/node': '^20.19.0',
    },
    tarballs,
  )
  if (await exists(join(dir, 'node_modules/@groupsync/dev-provider'))) {
    throw new Error('installing @groupsync/cli installed @groupsync/dev-provider')
  }
  if (await exists(join(dir, 'node_modules/@opentelemetry/api'))) {
    throw new Error('installing @groupsync/sync installed @opentelemetry/api')
  }
  log('app project installed from the tarballs (no dev-provider, no @opentelemetry/api)')

  await mkdir(join(dir, 'src'), { recursive: true })
  await writeFile(join(dir, 'src/esm-consumer.mts'), ESM_CONSUMER)
  await writeFile(join(dir, 'src/cjs-consumer.cts'), CJS_CONSUMER)
  await writeFile(
    join(dir, 'src/contract.test.ts'),
    `import { describeMembershipStore, HOSTILE_NAMES } from '@groupsync/store-contract'
import { createMemoryMembershipStore } from '@groupsync/store-memory'

if (HOSTILE_NAMES.length === 0) throw new Error('no hostile names')
describeMembershipStore('store-memory from its tarball', (options) => createMemoryMembershipStore(options), {
  modelRuns: 5,
  concurrencyRuns: 1,
})
`,
  )
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
      },
      // The contract suite's file is run by vitest, not type-checked: vitest's own types are large.
      include: ['src'],
      exclude: ['src/contract.test.ts'],
    }),
  )
  // A package.json "type" of none: .mts is an ES module, .cts CommonJS, .ts CommonJS.
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], dir)
  log('the ESM and CommonJS consumers type-check against the installed packages (skipLibCheck off)')

  // The consumers, the contract suite and the CLI are independent: run them side by side.
  await Promise.all([
    ...['dist/esm-consumer.mjs', 'dist/cjs-consumer.cjs'].map(async (file) => {
      const { stdout } = await run(process.execPath, [file], dir)
      log(stdout.trim())
    }),
    contractSuite(dir),
    cliRuns(dir),
    conformanceKit(join(dir, '../kit'), dir, tarballOf(tarballs, '@groupsync/conformance')),
  ])
}

/**
 * The conformance kit as a porter runs it: `npx <tarball> --exec "<port>"` in an empty directory
 * outside the workspace (npx installs the kit and its two dependencies, nothing of the workspace),
 * against the TypeScript implementation as a port — the kit's own `typescript-port.js` in the app
 * project, where the packages it needs (optional peers of the kit) are installed from their
 * tarballs. Every vector must pass.
 */
async function conformanceKit(dir: string, appDir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const port = join(appDir, 'node_modules/@groupsync/conformance/dist/ports/typescript-port.js')
  const kit = await runAny(
    'npx',
    // `file:` makes the path a package spec; a bare absolute path would be run as a command.
    ['--yes', '--prefer-offline', fileDep(tarball), '--exec', `"${process.execPath}" "${port}"`],
    dir,
  )
  const closing = kit.stdout.trimEnd().split('\n').at(-1) ?? ''
  if (kit.code !== 0 || !/^[1-9]\d* passed, 0 failed$/.test(closing)) {
    throw new Error(
      `npx <the kit's tarball> --exec <the TypeScript port>: exit ${kit.code}\n${kit.stdout}\n${kit.stderr}`,
    )
  }
  log(
    `the conformance kit from its tarball (npx, outside the workspace) on the TypeScript port: ${closing}`,
  )
}

async function contractSuite(dir: string): Promise<void> {
  const contract = await runAny(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', 'src/contract.test.ts'],
    dir,
  )
  if (contract.code !== 0)
    throw new Error(`the store contract suite failed:\n${contract.stdout}\n${contract.stderr}`)
  const tests = /Tests\s+(\d+) passed/.exec(stripVTControlCharacters(contract.stdout))?.[1]
  log(`the store contract suite from its tarball ran on store-memory: ${tests ?? '?'} tests passed`)
}

async function cliRuns(dir: string): Promise<void> {
  const bin = join(dir, 'node_modules/.bin/groupsync')
  const help = await runAny(bin, ['audit', '--help'], dir)
  if (help.code !== 0 || !help.stdout.includes('Usage: groupsync audit')) {
    throw new Error(`groupsync audit --help: ${help.code}\n${help.stderr}`)
  }
  const demo = await runAny(bin, ['demo'], dir)
  if (
    demo.code !== 6 ||
    !/^error CLI_DEPENDENCY_MISSING: .*@groupsync\/dev-provider/.test(demo.stderr)
  ) {
    throw new Error(`groupsync demo without the provider: exit ${demo.code}\n${demo.stderr}`)
  }
  await writeFile(join(dir, 'claims.json'), '["dev"]')
  await writeFile(join(dir, 'groups.json'), '[{ "id": "g1", "name": "dev" }]')
  await writeFile(join(dir, 'current.json'), '[]')
  const plan = await runAny(
    bin,
    [
      'plan',
      '--claims',
      'claims.json',
      '--org-groups',
      'groups.json',
      '--current',
      'current.json',
      '--json',
    ],
    dir,
  )
  if (plan.code !== 0 || !plan.stdout.includes('"toAdd"')) {
    throw new Error(`groupsync plan: exit ${plan.code}\n${plan.stderr}`)
  }
  log('the CLI runs: audit --help, plan; demo says CLI_DEPENDENCY_MISSING (exit 6)')
}

const SERVER_SCRIPT = `import pg from 'pg'
import { createPostgresMembershipStore, fromPgPool, migrate } from '@groupsync/store-postgres'

const url = process.env.DATABASE_URL
const lines = []
if (url) {
  const schema = 'gs_consumer_' + Math.random().toString(36).slice(2, 10)
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  try {
    await migrate(fromPgPool(pool), { schema })
    const store = await createPostgresMembershipStore({ pool, schema })
    const group = await store.createGroup('acme', 'engineering')
    await store.addManualMember('acme', group.id, 'alice', { actor: 'consumer' })
    const members = (await store.listMembers('acme', group.id)).map((m) => m.userId)
    if (JSON.stringify(members) !== '["alice"]') throw new Error('members ' + JSON.stringify(members))
    await store.close()
    lines.push('a store on the server works without PGlite')
  } finally {
    await pool.query('DROP SCHEMA IF EXISTS ' + schema + ' CASCADE')
    await pool.end()
  }
} else if (process.env.CI) {
  throw new Error('DATABASE_URL is not set')
}
const error = await createPostgresMembershipStore().then(() => undefined, (e) => e)
if (error?.code !== 'STORE_DEPENDENCY_MISSING' || error.value !== '@electric-sql/pglite' || !error.message.includes('@electric-sql/pglite')) {
  throw new Error('the embedded store without PGlite: ' + (error?.stack ?? 'no error'))
}
lines.push('the embedded store says ' + error.code + ': ' + error.message)
console.log(lines.join('; '))
`

async function serverProject(
  dir: string,
  tarballs: Readonly<Record<string, string>>,
): Promise<void> {
  const wanted = ['@groupsync/core', '@groupsync/store-postgres']
  await install(
    dir,
    {
      ...Object.fromEntries(wanted.map((n) => [n, fileDep(tarballOf(tarballs, n))])),
      pg: '^8.23.1',
    },
    tarballs,
  )
  if (await exists(join(dir, 'node_modules/@electric-sql/pglite'))) {
    throw new Error('installing @groupsync/store-postgres installed PGlite')
  }
  await writeFile(join(dir, 'server.mjs'), SERVER_SCRIPT)
  const { stdout } = await run(process.execPath, ['server.mjs'], dir)
  log(`server project (store-postgres + pg, no PGlite installed): ${stdout.trim()}`)
}

const work = await mkdtemp(join(tmpdir(), 'groupsync-consumer-'))
if (!relative(ROOT, work).startsWith('..')) throw new Error(`${work} is inside the workspace`)
try {
  const packages = await publicPackages()
  const tarballDir = join(work, 'tarballs')
  await mkdir(tarballDir)
  const tarballs = await packAll(packages, tarballDir)
  log(`packed ${packages.map((p) => p.manifest.name).join(', ')}`)

  // The server project installs while the tarballs are linted.
  const server = serverProject(join(work, 'server'), tarballs)
  const problems: string[] = []
  for (const pkg of packages) {
    for (const p of await lint(pkg, tarballOf(tarballs, pkg.manifest.name))) {
      problems.push(`${pkg.manifest.name}: ${p}`)
    }
  }
  if (problems.length > 0) {
    await server.catch(() => undefined)
    throw new Error(`publint / arethetypeswrong:\n${problems.join('\n')}`)
  }
  log(
    `publint and arethetypeswrong: nothing to report (ignored: ${[...ATTW_IGNORED].join(', ')} and NoResolution of a subpath under node10, see the source for why)`,
  )
  await Promise.all([appProject(join(work, 'app'), tarballs), server])
  log('done')
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
} finally {
  await rm(work, { recursive: true, force: true })
}
