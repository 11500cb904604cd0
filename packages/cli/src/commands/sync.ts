import { parseArgs } from 'node:util'
import {
  createHttpDistributedClaimsResolver,
  PROVIDER_PRESET_NAMES,
  type ClaimSources,
  type DistributedClaimsResolver,
  type GroupsClaimOptions,
  type IdTokenVerification,
} from '@groupsync/claims'
import { planOnLogin, syncOnLogin, type SyncPolicy } from '@groupsync/sync'
import { decodeJwt } from 'jose'
import { CliError, usage } from '../internal/cli-error.js'
import {
  numberOption,
  oneOf,
  parseCommand,
  required,
  type Command,
  type CommandContext,
} from '../internal/command.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { STORE_HELP, STORE_OPTIONS, withStore } from '../internal/open-store.js'
import { readJsonFile, readTextFile } from '../internal/read-json.js'
import { renderSyncPlan, renderSyncResult } from '../internal/render-sync.js'

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

Claim and policy:
  --preset NAME               the identity provider's preset: its claim options and policy
                              defaults (entra-id, okta, keycloak, auth0, cognito, zitadel, gitlab,
                              google-workspace, authentik, lemonldap-ng); the options below
                              override it
  --claim-path PATH           where the groups are (default groups): name, dotted path, JSON Pointer
  --claim-sources SOURCES     id_token, userinfo or id_token_then_userinfo (default)
  --absent POLICY             a missing claim: empty (default), keep or deny
  --removal-mode MODE         authoritative (default) or sync-owned
  --max-removals N            refuse a sync removing more than N memberships
  --max-removal-percent P     refuse a sync removing more than P% of the memberships

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
  let document: unknown
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    document = await response.json()
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `Cannot read the discovery document ${url.href}: ${(error as Error).message}. Check --issuer, or pass --jwks-uri.`,
      { path: 'issuer', cause: error },
    )
  }
  const jwks = (document as { jwks_uri?: unknown } | null)?.jwks_uri
  if (typeof jwks !== 'string') {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `The discovery document ${url.href} has no jwks_uri; pass --jwks-uri.`,
      { path: 'issuer' },
    )
  }
  return new URL(jwks)
}

/** The user id: `--user`, else the token's `sub` (read here, verified by the sync). */
function userOf(given: string | undefined, idToken: string): string {
  if (given !== undefined) return given
  let sub: unknown
  try {
    sub = decodeJwt(idToken).sub
  } catch (error) {
    throw new CliError('CLI_INPUT_INVALID', 'The ID token is not a JWT; check --id-token.', {
      path: 'id-token',
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
        path: 'access-token-file',
      })
    }
    return text
  }
  if (file !== undefined) return readTextFile(file, ctx.cwd, 'the access token')
  const fromEnv = ctx.env[ACCESS_TOKEN_ENV]
  return values['access-token'] ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv)
}

/** All of this process's standard input, as text. */
async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The userinfo file: a JSON object, or a signed userinfo (a compact JWT) verified by the sync. */
async function readUserinfo(path: string, cwd: string): Promise<unknown> {
  const text = await readTextFile(path, cwd, 'the userinfo response')
  return text.startsWith('{') ? readJsonFile(path, cwd, 'the userinfo response') : text
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
    const { values } = parseCommand('sync', () =>
      parseArgs({
        args: [...args],
        options: {
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
          preset: { type: 'string' },
          'claim-path': { type: 'string' },
          'claim-sources': { type: 'string' },
          absent: { type: 'string' },
          'removal-mode': { type: 'string' },
          'max-removals': { type: 'string' },
          'max-removal-percent': { type: 'string' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          ...STORE_OPTIONS,
        },
        strict: true,
      }),
    )
    const orgId = required('sync', values.org, 'org')
    const issuer = required('sync', values.issuer, 'issuer')
    const audience = required('sync', values['client-id'], 'client-id')
    if ((values['id-token'] === undefined) === (values['id-token-file'] === undefined)) {
      throw usage('Give exactly one of --id-token and --id-token-file.', 'sync')
    }
    const idToken =
      values['id-token'] ??
      (await readTextFile(values['id-token-file'] ?? '', ctx.cwd, 'the ID token'))
    const userinfo =
      values['userinfo-file'] === undefined
        ? undefined
        : await readUserinfo(values['userinfo-file'], ctx.cwd)
    const accessToken = await readAccessToken(values, ctx)
    const userId = userOf(values.user, idToken)
    const sources = oneOf('sync', values['claim-sources'], 'claim-sources', [
      'id_token',
      'userinfo',
      'id_token_then_userinfo',
    ] as const satisfies readonly ClaimSources[])
    const preset = oneOf('sync', values.preset, 'preset', PROVIDER_PRESET_NAMES)
    const absent = oneOf('sync', values.absent, 'absent', ['empty', 'keep', 'deny'] as const)
    const removalMode = oneOf('sync', values['removal-mode'], 'removal-mode', [
      'authoritative',
      'sync-owned',
    ] as const)
    const maxRemovals = numberOption('sync', values['max-removals'], 'max-removals')
    const maxRemovalPercent = numberOption(
      'sync',
      values['max-removal-percent'],
      'max-removal-percent',
    )

    const claimsOptions: GroupsClaimOptions = {
      ...(values['claim-path'] === undefined ? {} : { path: values['claim-path'] }),
      ...(sources === undefined ? {} : { sources }),
    }
    const policy: SyncPolicy = {
      ...(absent === undefined ? {} : { absent }),
      ...(removalMode === undefined ? {} : { removalMode }),
      massRemovalGuard: {
        ...(maxRemovals === undefined ? {} : { maxRemovals }),
        ...(maxRemovalPercent === undefined ? {} : { maxRemovalPercent }),
      },
    }
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
      const deps = {
        store,
        verification,
        ...(preset === undefined ? {} : { preset }),
        claimsOptions,
        policy: () => policy,
        ...(resolver === undefined ? {} : { resolver }),
      }
      if (values['dry-run'] === true) {
        const plan = orThrow(await planOnLogin(input, deps)())
        ctx.out(
          values.json === true ? toJson(plan) : renderSyncPlan(orgId, userId, plan).join('\n'),
        )
        return 0
      }
      const result = orThrow(await syncOnLogin(input, deps)())
      ctx.out(
        values.json === true ? toJson(result) : renderSyncResult(orgId, userId, result).join('\n'),
      )
      return 0
    })
  },
}
