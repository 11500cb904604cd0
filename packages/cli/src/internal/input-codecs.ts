import { strictObject, type GroupsClaimOptions } from '@groupsync/claims'
import type { MatchMode } from '@groupsync/core'
import type { SyncPolicy } from '@groupsync/sync'
import * as t from 'io-ts'

// The codecs of every JSON input the CLI reads, and the types it reads them as (derived, never
// declared twice). Objects the CLI defines refuse unknown fields, so a misspelt field is an error
// at its place rather than a silently different plan. The org's policy has its codec in the sync
// package (`SyncPolicyCodec`), which decides what a policy is.

/** `plan --claims`: the claim itself, or the claims of an ID token to read it from. */
export const ClaimsFileCodec = t.union(
  [t.readonlyArray(t.string), t.UnknownRecord],
  'an array of group names or an object of ID token claims',
)

/** What `plan --claims` holds. */
export type ClaimsFile = t.TypeOf<typeof ClaimsFileCodec>

/**
 * One org group of `plan --org-groups`. `orgId` and `createdAt` are taken and ignored, so that the
 * output of `groupsync groups list --json` can be used as it is.
 */
const OrgGroupCodec = strictObject(
  t.intersection([
    t.type({ id: t.string, name: t.string }),
    t.partial({ orgId: t.string, createdAt: t.union([t.string, t.null]) }),
  ]),
  'a group { "id", "name" }',
)

/** `plan --org-groups`: the organisation's groups. */
export const OrgGroupsFileCodec = t.readonlyArray(OrgGroupCodec, 'an array of groups')

/** What `plan --org-groups` holds. */
export type OrgGroupsFile = t.TypeOf<typeof OrgGroupsFileCodec>

const MembershipSourceCodec = t.keyof({ sync: null, manual: null }, '"sync" or "manual"')

/**
 * `plan --current`: the user's memberships, as group ids (made by the sync) or with their source.
 */
export const CurrentMembershipsFileCodec = t.readonlyArray(
  t.union(
    [t.string, strictObject(t.type({ groupId: t.string, source: MembershipSourceCodec }))],
    'a group id or { "groupId", "source": "sync" | "manual" }',
  ),
  'an array of memberships',
)

/** What `plan --current` holds. */
export type CurrentMembershipsFile = t.TypeOf<typeof CurrentMembershipsFileCodec>

/** How claim entries match group names: `--match`, `--match-mode` and `plan --settings`. */
export const MatchModeCodec = t.keyof(
  { exact: null, 'case-insensitive': null } satisfies Record<MatchMode, null>,
  '"exact" or "case-insensitive"',
)

/** Where the claim is read from: `--claim-sources` (every value of the claims options', no other). */
export const ClaimSourcesCodec = t.keyof(
  { id_token: null, userinfo: null, id_token_then_userinfo: null } satisfies Record<
    NonNullable<GroupsClaimOptions['sources']>,
    null
  >,
  '"id_token", "userinfo" or "id_token_then_userinfo"',
)

/** What a sync may remove: `--removal-mode` (every value of the policy's, no other). */
export const RemovalModeCodec = t.keyof(
  { authoritative: null, 'sync-owned': null } satisfies Record<
    NonNullable<SyncPolicy['removalMode']>,
    null
  >,
  '"authoritative" or "sync-owned"',
)

/** `plan --settings`: the org's stored settings; what it leaves out keeps the plan's default. */
export const SettingsFileCodec = strictObject(
  t.partial({ manageGroupMemberships: t.boolean, matchMode: MatchModeCodec }),
  'an object with manageGroupMemberships, matchMode or neither',
)

/** What `plan --settings` holds. */
export type SettingsFile = t.TypeOf<typeof SettingsFileCodec>

/**
 * `--tables`: a description of the application's own tables, decoded here only as a JSON object;
 * the store decodes the rest and refuses it by JSON Pointer.
 */
export const TablesFileCodec = t.record(
  t.string,
  t.unknown,
  'an object { "groups", "memberships" }',
)

/** `sync --userinfo-file` as JSON: the userinfo response, whose claims the sync reads. */
export const UserinfoCodec = t.record(t.string, t.unknown, 'a JSON object')

/**
 * The issuer's discovery document (OpenID Connect Discovery 1.0): only its `jwks_uri` is read,
 * so its many other fields are left alone.
 */
export const DiscoveryDocumentCodec = t.type(
  { jwks_uri: t.string },
  'a discovery document with a jwks_uri',
)
