import { right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { DistributedClaimsResolver } from './distributed-claims.js'
import {
  directoryOptionsCodec,
  directoryResolver,
  notIdentified,
} from './internal/directory-lookup.js'
import { isJsonObject } from './internal/json.js'
import { guarded } from './io-ts-report.js'

const GoogleResolverOptionsCodec = directoryOptionsCodec(
  {
    domains: guarded(
      'a non-empty list of Workspace domains (the hd claim)',
      (u): u is readonly string[] =>
        Array.isArray(u) && u.length > 0 && u.every((d) => typeof d === 'string' && d !== ''),
    ),
  },
  {
    api: t.keyof({ 'cloud-identity': null, 'admin-sdk': null }, 'cloud-identity or admin-sdk'),
    groupValue: t.keyof({ email: null, name: null }, 'email or name'),
  },
)

/**
 * Options of {@link createGoogleDirectoryGroupsResolver}; no other field is allowed.
 *
 * - `accessToken` (required): `(claims) => token`, given the login's verified claims: a Google
 *   token (a service account's) with the scope of `api`; sent to `origin` only.
 * - `domains` (required): the Workspace domains whose users are looked up; a login whose `hd` is
 *   not one of them is refused before any request.
 * - `api`: `cloud-identity` (default: `searchTransitiveGroups`, nested groups included; Google
 *   offers it to Enterprise and Cloud Identity Premium accounts) or `admin-sdk` (`groups.list`
 *   with `userKey`: direct memberships only). `groupValue`: `email` (default) or `name`.
 * - `origin` (default the API's), `timeoutMs`, `maxBytes`, `maxPages`, `fetch`: as for
 *   `createMicrosoftGraphGroupsResolver`.
 */
export type GoogleDirectoryGroupsResolverOptions = t.TypeOf<typeof GoogleResolverOptionsCodec>

type Group = Readonly<Record<string, unknown>>

/** Each API's first page for a user and its page's fields, from Google's reference pages. */
const APIS = {
  // https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships/searchTransitiveGroups
  'cloud-identity': {
    origin: 'https://cloudidentity.googleapis.com',
    path: '/v1/groups/-/memberships:searchTransitiveGroups',
    // A CEL string literal: a quote or backslash in the address must not end it.
    query: (email: string): [string, string] => [
      'query',
      `member_key_id == '${email.replace(/['\\]/g, '\\$&')}' && 'cloudidentity.googleapis.com/groups.discussion_forum' in labels`,
    ],
    list: 'memberships',
    email: (g: Group): unknown => (isJsonObject(g['groupKey']) ? g['groupKey']['id'] : undefined),
    name: (g: Group): unknown => g['displayName'],
  },
  // https://developers.google.com/admin-sdk/directory/reference/rest/v1/groups/list
  'admin-sdk': {
    origin: 'https://admin.googleapis.com',
    path: '/admin/directory/v1/groups',
    query: (email: string): [string, string] => ['userKey', email],
    list: 'groups',
    email: (g: Group): unknown => g['email'],
    name: (g: Group): unknown => g['name'],
  },
} as const

/**
 * A {@link DistributedClaimsResolver} that asks Google's directory for the groups of a login
 * (Google sends no groups claim) by its verified `email` — `email_verified` true, `hd` one of
 * `domains` — through the Cloud Identity API or the Admin SDK, following `nextPageToken` to a
 * bound (rule C15). Throttling (429, or 503 with Retry-After) is retried within the deadline;
 * any other failure is `DISTRIBUTED_CLAIMS_FAILED`, never a shorter list. The
 * `google-workspace` preset's policy, `absent: 'resolve'`, asks it at every login.
 *
 * @throws {@link ClaimsError} `CLAIMS_INPUT_INVALID` at the JSON Pointer of a bad option
 * (`/accessToken` or `/domains` when missing)
 * @example
 * ```ts
 * const resolver = createGoogleDirectoryGroupsResolver({
 *   domains: ['example.com'],
 *   accessToken: async () => (await auth.getAccessToken()).token ?? '',
 * })
 * await syncOnLoginAsync(login, { store, verification, preset: 'google-workspace', resolver })
 * ```
 */
export function createGoogleDirectoryGroupsResolver(
  options: GoogleDirectoryGroupsResolverOptions,
): DistributedClaimsResolver {
  const name = 'Google directory groups resolver'
  return directoryResolver(GoogleResolverOptionsCodec, name, options, (o, claims) => {
    const { hd, email } = claims
    const domains = o.domains.map((domain) => domain.toLowerCase())
    if (typeof hd !== 'string' || !domains.includes(hd.toLowerCase())) {
      return notIdentified(
        "The login's hd claim is not one of the resolver's domains, so its groups were not looked up; add the Workspace domain to domains if it is yours.",
      )
    }
    if (typeof email !== 'string' || email === '' || claims['email_verified'] !== true) {
      return notIdentified(
        "The login's verified claims hold no verified email to look the user up by; request the email scope at login.",
      )
    }
    const api = APIS[o.api ?? 'cloud-identity']
    const first = new URL(api.path, o.origin ?? api.origin)
    first.searchParams.set(...api.query(email))
    const valueOf = api[o.groupValue ?? 'email']
    return right({
      first,
      // Google leaves an empty list, and the last page's nextPageToken, out of the JSON.
      readPage: (body) => {
        const list = isJsonObject(body) ? (body[api.list] ?? []) : undefined
        const token = isJsonObject(body) ? (body['nextPageToken'] ?? '') : undefined
        if (!Array.isArray(list) || typeof token !== 'string') return undefined
        const groups: string[] = []
        for (const group of list as unknown[]) {
          const value = isJsonObject(group) ? valueOf(group) : undefined
          if (typeof value !== 'string') return undefined
          groups.push(value)
        }
        const next = new URL(first)
        next.searchParams.set('pageToken', token)
        return { groups, next: token === '' ? undefined : next }
      },
    })
  })
}
