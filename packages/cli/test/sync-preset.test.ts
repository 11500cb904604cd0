import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './support/run-cli.js'

// `groupsync sync --preset NAME`: the service's provider preset. A LemonLDAP::NG login carries no
// groups in the ID token and its userinfo joins them into one string; the preset reads userinfo
// and splits it, where the defaults would see one group named "users; timelords".
describe('groupsync sync --preset', { timeout: 240_000 }, () => {
  const ISSUER = 'https://auth.example.com/'
  const CLIENT = 'myrp'
  let server: Server
  let origin: string
  let dir: string
  let idTokenFile: string
  let userinfoFile: string

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-preset-'))
    const idToken = await new SignJWT({ acr: 'loa-2' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(CLIENT)
      .setSubject('dwho')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey)
    idTokenFile = join(dir, 'id-token.jwt')
    await writeFile(idTokenFile, idToken)
    userinfoFile = join(dir, 'userinfo.json')
    await writeFile(userinfoFile, JSON.stringify({ sub: 'dwho', groups: 'users; timelords' }))
    const store = ['--data-dir', join(dir, 'data')]
    for (const group of ['users', 'timelords']) {
      expect((await runCli(['groups', 'create', group, '--org', 'acme', ...store])).code).toBe(0)
    }
    expect((await runCli(['mapping', 'on', '--org', 'acme', ...store])).code).toBe(0)
    // Each command opens the embedded store; on a loaded 2-core machine that takes a while.
  }, 240_000)
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  const sync = (args: readonly string[]) =>
    runCli(
      [
        'sync',
        '--org',
        'acme',
        '--issuer',
        ISSUER,
        '--client-id',
        CLIENT,
        '--jwks-uri',
        `${origin}/jwks`,
        '--algorithm',
        'ES256',
        '--id-token-file',
        idTokenFile,
        '--userinfo-file',
        userinfoFile,
        '--data-dir',
        join(dir, 'data'),
        '--dry-run',
        '--json',
        ...args,
      ],
      { cwd: dir },
    )

  it('the preset reads the joined string in userinfo as two groups', async () => {
    const run = await sync(['--preset', 'lemonldap-ng'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const plan = JSON.parse(run.stdout) as { status: string; toAdd: { name: string }[] }
    expect(plan.status).toBe('planned')
    expect(plan.toAdd.map((g) => g.name).sort()).toEqual(['timelords', 'users'])
  })

  it('without it, the string is one entry that names no group', async () => {
    const run = await sync([])
    expect(run.code).toBe(0)
    // The dry run's JSON has the diff's lists at the top level, as `groupsync plan --json` does.
    const plan = JSON.parse(run.stdout) as { toAdd: unknown[]; unmatchedClaims: string[] }
    expect(plan.toAdd).toEqual([])
    expect(plan.unmatchedClaims).toEqual(['users; timelords'])
  })

  it('an unknown preset is a usage error; the help lists the presets', async () => {
    const run = await sync(['--preset', 'lemonldap'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--preset must be one of entra-id, okta')
    expect((await runCli(['sync', '--help'])).stdout).toContain('--preset NAME')
  })
})
