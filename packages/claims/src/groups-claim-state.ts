import type { ClaimSource } from './claims-error.js'

/**
 * What a login says about the user's groups, for the sync service to apply its policy to.
 *
 * - `present`: the groups (empty strings dropped and counted) and the source they came from; with a
 *   `valueMapping`, `groups` are the mapped names and `sent` the entries as the provider sent them.
 * - `absent`: no source carries the claim.
 * - `overage`: the provider left the groups out because there are too many and points to where
 *   they are instead (`_claim_names` → `_claim_sources`, OIDC Core 5.6.2, as Microsoft Entra
 *   does); a {@link DistributedClaimsResolver} can fetch them.
 * - `over-limit`: more entries than `maxGroups` (`count`), or an entry longer than
 *   `maxNameLength` (`index` says which, `length` how long) or holding a NUL character (`index`).
 */
export type GroupsClaimState =
  | {
      readonly state: 'present'
      readonly groups: readonly string[]
      readonly source: ClaimSource
      readonly droppedEmpty: number
      /** With a `valueMapping` only: the entries before it, as the provider sent them. */
      readonly sent?: readonly string[]
    }
  | { readonly state: 'absent' }
  | {
      readonly state: 'overage'
      readonly source: ClaimSource
      readonly claimSourceName: string
      readonly endpoint?: string
      readonly accessToken?: string
    }
  | {
      readonly state: 'over-limit'
      readonly source: ClaimSource
      readonly reason: 'too-many' | 'name-too-long' | 'nul-character'
      readonly count: number
      readonly index?: number
      /** For `name-too-long`: the entry's length in UTF-16 code units. */
      readonly length?: number
    }
