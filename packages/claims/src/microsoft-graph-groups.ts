import { right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { DistributedClaimsResolver } from './distributed-claims.js'
import { Flag } from './internal/codecs.js'
import {
  directoryOptionsCodec,
  directoryResolver,
  notIdentified,
} from './internal/directory-lookup.js'
import { isJsonObject } from './internal/json.js'

const GraphResolverOptionsCodec = directoryOptionsCodec(
  {},
  {
    groupValue: t.keyof({ id: null, displayName: null }, 'id or displayName'),
    securityGroupsOnly: Flag,
  },
)

/**
 * Options of {@link createMicrosoftGraphGroupsResolver}; no other field is allowed.
 *
 * - `accessToken` (required): `(claims) => token`, given the login's verified claims: a Microsoft
 *   Graph token that may read other users' memberships (an application permission such as
 *   `User.Read.All` or `GroupMember.Read.All`, or a delegated token); sent to `origin` only.
 * - `groupValue`: `id` (default: object ids, as Entra's `groups` claim holds them) or
 *   `displayName`; `securityGroupsOnly`: only groups whose `securityEnabled` is true.
 * - `origin`: default `https://graph.microsoft.com` (a national cloud's otherwise; `http:` only on
 *   loopback, for tests); `timeoutMs`: the whole lookup, every page and wait (default 10,000);
 *   `maxBytes`: one page (default 1 MiB); `maxPages` (default 100); `fetch` (default global).
 */
export type MicrosoftGraphGroupsResolverOptions = t.TypeOf<typeof GraphResolverOptionsCodec>

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A {@link DistributedClaimsResolver} that asks Microsoft Graph for the user's transitive groups
 * — `GET /v1.0/users/{oid}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName,securityEnabled`
 * by the verified token's `oid`, never `/me` nor the URL the token names — following
 * `@odata.nextLink` on the same origin only (rule C15). Throttling (429, or 503 with
 * Retry-After) is retried within the deadline; any other failure is `DISTRIBUTED_CLAIMS_FAILED`,
 * never a shorter list.
 *
 * @throws {@link ClaimsError} `CLAIMS_INPUT_INVALID` at the JSON Pointer of a bad option
 * (`/accessToken` when it is missing)
 * @example
 * ```ts
 * const resolver = createMicrosoftGraphGroupsResolver({
 *   accessToken: async () => (await credential.getToken('https://graph.microsoft.com/.default')).token,
 * })
 * await syncOnLoginAsync(login, { store, verification, preset: 'entra-id', resolver })
 * ```
 */
export function createMicrosoftGraphGroupsResolver(
  options: MicrosoftGraphGroupsResolverOptions,
): DistributedClaimsResolver {
  return directoryResolver(GraphResolverOptionsCodec, 'Graph groups resolver', options, (o, c) => {
    const { oid } = c
    if (typeof oid !== 'string' || !GUID.test(oid)) {
      return notIdentified(
        "The login's verified claims hold no Entra object id (oid) to ask Graph about; request the profile scope at login.",
      )
    }
    const value = o.groupValue ?? 'id'
    return right({
      first: new URL(
        `/v1.0/users/${oid}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName,securityEnabled`,
        o.origin ?? 'https://graph.microsoft.com',
      ),
      // https://learn.microsoft.com/graph/paging: `value`, and `@odata.nextLink` while there is more.
      readPage: (body, url) => {
        const list = isJsonObject(body) ? body['value'] : undefined
        const next = isJsonObject(body) ? (body['@odata.nextLink'] ?? '') : undefined
        if (!Array.isArray(list) || typeof next !== 'string') return undefined
        const groups: string[] = []
        for (const group of list as unknown[]) {
          if (!isJsonObject(group) || typeof group[value] !== 'string') return undefined
          if (o.securityGroupsOnly !== true || group['securityEnabled'] === true) {
            groups.push(group[value])
          }
        }
        if (next !== '' && !URL.canParse(next, url.href)) return undefined
        return { groups, next: next === '' ? undefined : new URL(next, url) }
      },
    })
  })
}
