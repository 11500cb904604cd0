import {
  createHttpDistributedClaimsResolver,
  type DistributedClaimsResolver,
  type IdTokenVerification,
} from '@groupsync/claims'
import { planOnLogin, syncOnLogin, type SyncDeps } from '@groupsync/sync'
import { decodeJwt } from 'jose'
import { CliError, usage } from '../internal/cli-error.js'
import { required, type Command, type CommandContext } from '../internal/command.js'
import { DiscoveryDocumentCodec, UserinfoCodec } from '../internal/input-codecs.js'
import { decodeJson, parseJson, readTextFile } from '../internal/json-input.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, parseStoreCommand, withStore } from '../internal/open-store.js'
import { POLICY_HELP, POLICY_OPTIONS, readPolicyOptions } from '../internal/policy-options.js'
import { planJson, renderSyncPlan } from '../internal/render-plan.js'
import { renderSyncResult } from '../internal/render-sync.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync sync --org ORG --issuer URL --client-id ID (--id-token JWT | --id-token-file FILE) [options]

Runs the login sync for one user, as a login callback would: verifies the ID token against the
issuer's keys (JWKS), reads the groups claim, applies the org's policy, and sets the user's
memberships in the store, with audit events, in one transaction.

Login:
  --org ORG                   the organisation
  --id-token JWT              the ID token (or --id-token-file FILE)
  --id-token-file FILE        a file holding the ID token
  --userinfo-file FILE        the userinfo response: JSON, or the signed JWT (application/jwt)
  --access-token-file FILE    a file holding the access token, to fetch distributed claims (an
                              overage); - reads it from standard input. Or set
                              GROUPSYNC_ACCESS_TOKEN. Prefer these: they keep it out of ps
  --access-token TOKEN        the access token on the command line, where every user of the
                              machine can read it in the process list; avoid
  --claim-source-origin URL   an origin (https://host[:port]) the distributed-claims resolver may
                              call; repeat for several. Without one an overage is denied
  --user USER                 the user id in the store (default: the token's sub)

Verification:
  --issuer URL                the expected issuer (iss)
  --client-id ID              the expected audience (aud): your client id
  --jwks-uri URL              the issuer's JWKS (default: from its discovery document)
  --algorithm ALG             an allowed signing algorithm; repeat for several (default RS256)

${POLICY_HELP}

Output:
  --dry-run                   explain what would change; write nothing
  --json                      print JSON
  -h, --help                  show this help

${STORE_HELP}`

/** The issuer's JWKS URI, from `--jwks-uri` or the issuer's discovery document. */
async function jwksUri(issuer: string, given: string | undefined): Promise<URL> {
  if (given !== undefined) return new URL(given)
  const url = new URL(
    '.well-known/openid-configuration',
    issuer.endsWith('/') ? issuer : `${issuer}/`,
  )
  let text: string
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    text = await response.text()
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `Cannot read the discovery document ${url.href}: ${(error as Error).message}. Check --issuer, or pass --jwks-uri.`,
      { path: '/issuer', cause: error },
    )
  }
  const input = { label: 'the discovery document (pass --jwks-uri instead)', option: 'issuer' }
  const document = decodeJson(
    DiscoveryDocumentCodec,
    parseJson(text, url.href, input),
    url.href,
    input,
  )
  return new URL(document.jwks_uri)
}

/** The user id: `--user`, else the token's `sub` (read here, verified by the sync). */
function userOf(given: string | undefined, idToken: string): string {
  if (given !== undefined) return given
  let sub: unknown
  try {
    sub = decodeJwt(idToken).sub
  } catch (error) {
    throw new CliError('CLI_INPUT_INVALID', 'The ID token is not a JWT; check --id-token.', {
      path: '/id-token',
      cause: error,
    })
  }
  if (typeof sub !== 'string') throw usage('The ID token has no sub; pass --user.', 'sync')
  return sub
}

/** The environment variable the access token may come from, out of the process list. */
const ACCESS_TOKEN_ENV = 'GROUPSYNC_ACCESS_TOKEN'

/**
 * The access token from `--access-token-file` (a path, or `-` for standard input),
 * `--access-token`, or `GROUPSYNC_ACCESS_TOKEN`, in that order; at most one of the options.
 */
async function readAccessToken(
  values: { readonly 'access-token'?: string; readonly 'access-token-file'?: string },
  ctx: CommandContext,
): Promise<string | undefined> {
  const file = values['access-token-file']
  if (file !== undefined && values['access-token'] !== undefined) {
    throw usage('Give at most one of --access-token-file and --access-token.', 'sync')
  }
  if (file === '-') {
    const text = (await (ctx.io.stdin ?? readProcessStdin)()).trim()
    if (text === '') {
      throw new CliError('CLI_INPUT_INVALID', 'No access token on standard input.', {
        path: '/access-token-file',
      })
    }
    return text
  }
  if (file !== undefined) {
    return readTextFile(file, ctx.cwd, {
      label: 'the access token',
      option: 'access-token-file',
    })
  }
  const fromEnv = ctx.env[ACCESS_TOKEN_ENV]
  return values['access-token'] ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv)
}

/** All of this process's standard input, as text. */
async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A compact JWS: three base64url parts, the signature possibly empty. */
const COMPACT_JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/

/**
 * The userinfo file: a signed userinfo (a compact JWT), which the sync verifies with the ID
 * token's keys, or else JSON, decoded here as the object of claims it must be.
 */
async function readUserinfo(path: string, cwd: string): Promise<unknown> {
  const input = { label: 'the userinfo response (--userinfo-file)', option: 'userinfo-file' }
  const text = await readTextFile(path, cwd, input)
  if (COMPACT_JWT.test(text)) return text
  return decodeJson(UserinfoCodec, parseJson(text, path, input), path, input)
}

/** The HTTP resolver allowed to call `origins`; a bad origin is a usage error. */
function resolverFor(origins: readonly string[]): DistributedClaimsResolver {
  try {
    return createHttpDistributedClaimsResolver({ allowedOrigins: origins })
  } catch (error) {
    throw usage(
      `--claim-source-origin must be an https origin such as https://graph.microsoft.com (http only for a loopback host): ${(error as Error).message}`,
      'sync',
    )
  }
}

/** `groupsync sync`: one login sync against a store. */
export const syncCommand: Command = {
  name: 'sync',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseStoreCommand('sync', args, {
      org: { type: 'string' },
      'id-token': { type: 'string' },
      'id-token-file': { type: 'string' },
      'userinfo-file': { type: 'string' },
      'access-token': { type: 'string' },
      'access-token-file': { type: 'string' },
      'claim-source-origin': { type: 'string', multiple: true },
      user: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'jwks-uri': { type: 'string' },
      algorithm: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      ...POLICY_OPTIONS,
    })
    const orgId = required('sync', values.org, 'org')
    const issuer = required('sync', values.issuer, 'issuer')
    const audience = required('sync', values['client-id'], 'client-id')
    if ((values['id-token'] === undefined) === (values['id-token-file'] === undefined)) {
      throw usage('Give exactly one of --id-token and --id-token-file.', 'sync')
    }
    const idToken =
      values['id-token'] ??
      (await readTextFile(values['id-token-file'] ?? '', ctx.cwd, {
        label: 'the ID token',
        option: 'id-token-file',
      }))
    const userinfo =
      values['userinfo-file'] === undefined
        ? undefined
        : await readUserinfo(values['userinfo-file'], ctx.cwd)
    const accessToken = await readAccessToken(values, ctx)
    const userId = userOf(values.user, idToken)
    const policy = await readPolicyOptions('sync', values, ctx.cwd)
    const verification: IdTokenVerification = {
      issuer,
      audience,
      jwks: await jwksUri(issuer, values['jwks-uri']),
      algorithms: values.algorithm ?? ['RS256'],
    }
    const input = {
      orgId,
      userId,
      idToken,
      ...(userinfo === undefined ? {} : { userinfo }),
      ...(accessToken === undefined ? {} : { accessToken }),
    }

    const origins = values['claim-source-origin']
    const resolver = origins === undefined ? undefined : resolverFor(origins)

    return withStore(values, ctx, async (store) => {
      const deps: SyncDeps = {
        store,
        verification,
        policy: () => policy,
        ...(resolver === undefined ? {} : { resolver }),
      }
      if (values['dry-run'] === true) {
        const plan = orThrow(await planOnLogin(input, deps)())
        ctx.out(
          values.json === true
            ? toJson(planJson(plan))
            : renderSyncPlan(orgId, userId, plan).join('\n'),
        )
        return EXIT_CODES.ok
      }
      const result = orThrow(await syncOnLogin(input, deps)())
      ctx.out(
        values.json === true ? toJson(result) : renderSyncResult(orgId, userId, result).join('\n'),
      )
      return EXIT_CODES.ok
    })
  },
}
