import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT_CODES } from '../src/internal/exit-codes.js'
import { runCli } from './support/run-cli.js'

// `groupsync sync` decodes its JSON inputs before it opens a store or verifies anything: the
// userinfo file, the policy file and the issuer's discovery document. Each one that is not what
// it must be is CLI_INPUT_INVALID, naming the input and the place.
describe('groupsync sync decodes its JSON inputs', () => {
  let dir = ''
  let server: Server
  let issuer = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'groupsync-sync-inputs-'))
    await writeFile(join(dir, 'userinfo-list.json'), '["dev"]')
    await writeFile(join(dir, 'userinfo.json'), '{"sub":"alice","groups":["dev"]}')
    await writeFile(join(dir, 'policy-typo.json'), '{"massRemovalGuard":{"maxRemoval":1}}')
    // A discovery document without jwks_uri.
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ issuer: 'somewhere' }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  const sync = (...args: string[]) =>
    runCli(
      [
        'sync',
        ...['--org', 'acme', '--user', 'alice', '--client-id', 'app', '--id-token', 'a.b.c'],
        ...['--issuer', issuer, '--data-dir', join(dir, 'data')],
        ...args,
      ],
      { cwd: dir },
    )

  it.each([
    [
      ['--userinfo-file', 'userinfo-list.json'],
      'The userinfo response (--userinfo-file) in "userinfo-list.json" is an array; it must be a JSON object.',
    ],
    [
      ['--userinfo-file', 'userinfo.json', '--policy', 'policy-typo.json'],
      'The policy (--policy) in "policy-typo.json" has an unknown field at /massRemovalGuard/maxRemoval;',
    ],
    [
      ['--userinfo-file', 'userinfo.json'],
      'The discovery document (pass --jwks-uri instead) in "ISSUER/.well-known/openid-configuration" at /jwks_uri is missing;',
    ],
  ])('sync %j is CLI_INPUT_INVALID: %s', async (args, message) => {
    const run = await sync(...args)
    expect(run.code).toBe(EXIT_CODES.invalidInput)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`error CLI_INPUT_INVALID: ${message.replace('ISSUER', issuer)}`)
  })
})
