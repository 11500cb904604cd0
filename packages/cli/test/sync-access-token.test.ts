import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './support/run-cli.js'

// `groupsync sync` takes the access token from a file, standard input or GROUPSYNC_ACCESS_TOKEN,
// so it never has to be on the command line (where `ps` shows it to every user), and calls a
// claim source only on the origins given with --claim-source-origin. One loopback server serves
// the ID token's keys and the claim source; it records the Authorization header it was sent.
describe('groupsync sync: the access token out of the process list', { timeout: 120_000 }, () => {
  const ISSUER = 'https://idp.test'
  const CLIENT = 'cli-app'
  let server: Server
  let origin: string
  let dir: string
  let idTokenFile: string
  const seen: string[] = []

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json')
      if (request.url === '/jwks') {
        response.end(JSON.stringify({ keys: [jwk] }))
        return
      }
      seen.push(request.headers.authorization ?? '-')
      response.end(JSON.stringify({ sub: 'alice', groups: ['dev'] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'groupsync-cli-token-'))
    const idToken = await new SignJWT({
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: `${origin}/groups` } },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(CLIENT)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey)
    idTokenFile = join(dir, 'id-token.jwt')
    await writeFile(idTokenFile, idToken)
    const store = ['--data-dir', join(dir, 'data')]
    expect((await runCli(['groups', 'create', 'dev', '--org', 'acme', ...store])).code).toBe(0)
    expect((await runCli(['mapping', 'on', '--org', 'acme', ...store])).code).toBe(0)
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  const sync = (
    args: readonly string[],
    options: { readonly env?: Record<string, string>; readonly stdin?: string } = {},
  ) =>
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
        '--data-dir',
        join(dir, 'data'),
        '--dry-run',
        ...args,
      ],
      { cwd: dir, ...options },
    )

  it('reads the token from standard input with --access-token-file -', async () => {
    const run = await sync(['--claim-source-origin', origin, '--access-token-file', '-'], {
      stdin: 'token-from-stdin\n',
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/\nadd +dev /)
    expect(seen.at(-1)).toBe('Bearer token-from-stdin')
  })

  it('reads it from a file, and from GROUPSYNC_ACCESS_TOKEN', async () => {
    const file = join(dir, 'access-token')
    await writeFile(file, 'token-from-file\n')
    const fromFile = await sync(['--claim-source-origin', origin, '--access-token-file', file])
    expect(fromFile.code).toBe(0)
    expect(seen.at(-1)).toBe('Bearer token-from-file')
    const fromEnv = await sync(['--claim-source-origin', origin], {
      env: { GROUPSYNC_ACCESS_TOKEN: 'token-from-env' },
    })
    expect(fromEnv.code).toBe(0)
    expect(seen.at(-1)).toBe('Bearer token-from-env')
  })

  it('refuses two token options, an empty standard input, and a bad origin', async () => {
    const both = await sync(['--access-token', 'a', '--access-token-file', '-'], { stdin: 'b' })
    expect(both.code).toBe(2)
    const empty = await sync(['--claim-source-origin', origin, '--access-token-file', '-'], {
      stdin: '  \n',
    })
    expect(empty.code).toBe(3)
    const insecure = await sync(['--claim-source-origin', 'http://claims.example'])
    expect(insecure.code).toBe(2)
  })

  it('without --claim-source-origin the overage is denied and no request is made', async () => {
    const before = seen.length
    const run = await sync([], { env: { GROUPSYNC_ACCESS_TOKEN: 'token-from-env' } })
    expect(run.stdout).toContain('GROUPS_CLAIM_OVERAGE_UNRESOLVED')
    expect(seen.length).toBe(before)
  })

  it('the help shows the file, standard input and environment variants', async () => {
    const help = await runCli(['sync', '--help'])
    expect(help.stdout).toContain('--access-token-file FILE')
    expect(help.stdout).toContain('GROUPSYNC_ACCESS_TOKEN')
    expect(help.stdout).toContain('--claim-source-origin URL')
  })
})
