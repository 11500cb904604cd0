import { strictObject } from '@groupsync/claims'
import * as t from 'io-ts'

// The input of a `sync` request (docs/rules.md, "Sync vector format"; docs/vectors/sync-schema.json)
// as io-ts codecs, with the types derived from them. The runner sends each vector's input as it
// is in the file; the TypeScript port decodes it before it seeds a store with it. Every object is
// strict (a misspelt member is refused, not ignored) and every time is written as the vectors
// write it, so an input the schema refuses is refused here too.

const isIsoTime = (u: unknown): u is string =>
  typeof u === 'string' &&
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(u) &&
  !Number.isNaN(Date.parse(u)) &&
  new Date(u).toISOString() === u

/** An instant as `Date.prototype.toISOString` writes it, the only spelling the vectors use. */
const IsoTime = new t.Type<string, string>(
  'an ISO 8601 UTC time with milliseconds',
  isIsoTime,
  (u, c) => (isIsoTime(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

const matchMode = t.keyof({ exact: null, 'case-insensitive': null })
const source = t.keyof({ sync: null, manual: null })

/** A strict object of required members `props` and optional members `opts`. */
const object = <P extends t.Props, O extends t.Props>(name: string, props: P, opts: O) =>
  strictObject(t.intersection([t.type(props), t.partial(opts)]), name)

const SettingsCodec = object('Settings', { manageGroupMemberships: t.boolean, matchMode }, {})

/** The organisation's state before a case, as a sync vector writes it. */
const SyncStateCodec = object(
  'State',
  {
    groups: t.readonlyArray(object('Group', { id: t.string, name: t.string }, {})),
  },
  {
    // Absent: the organisation never stored settings (rule S1).
    settings: SettingsCodec,
    memberships: t.readonlyArray(
      object('Membership', { userId: t.string, groupId: t.string, source }, {}),
    ),
    lastSync: t.readonlyArray(
      object(
        'LastSync',
        { userId: t.string, syncedAt: IsoTime, tokenIssuedAt: t.union([IsoTime, t.null]) },
        {},
      ),
    ),
    removals: t.readonlyArray(object('Removal', { userId: t.string, removedAt: IsoTime }, {})),
  },
)
export type SyncState = t.TypeOf<typeof SyncStateCodec>

/** A login case's input. */
const SyncLoginInputCodec = object(
  'LoginInput',
  {
    state: SyncStateCodec,
    now: IsoTime,
    login: object(
      'Login',
      { userId: t.string, claims: t.unknown },
      { userinfo: t.unknown, accessToken: t.string },
    ),
  },
  {
    policy: t.unknown,
    resolver: t.union([
      object('ResolverAnswer', { answer: t.UnknownRecord }, {}),
      object(
        'ResolverFailure',
        { error: object('ResolverError', { code: t.string }, { value: t.string }) },
        {},
      ),
    ]),
  },
)
export type SyncLoginInput = t.TypeOf<typeof SyncLoginInputCodec>

const actor = { actor: t.string }
/** An operation of the admin service, as a sync vector writes it. */
const SyncAdminOperationCodec = t.union([
  object(
    'ManualChange',
    {
      operation: t.keyof({ addMember: null, removeMember: null }),
      groupId: t.string,
      userId: t.string,
    },
    actor,
  ),
  object('RemoveUser', { operation: t.literal('removeUser'), userId: t.string }, actor),
  object(
    'SetMapping',
    { operation: t.literal('setManageGroupMemberships'), enabled: t.boolean },
    actor,
  ),
  object('SetMatchMode', { operation: t.literal('setMatchMode'), matchMode }, actor),
  object('ListStale', { operation: t.literal('listStaleMembers'), olderThan: IsoTime }, {}),
])
export type SyncAdminOperation = t.TypeOf<typeof SyncAdminOperationCodec>

/** An admin case's input. */
const SyncAdminInputCodec = object(
  'AdminInput',
  { state: SyncStateCodec, now: IsoTime, admin: SyncAdminOperationCodec },
  {},
)
export type SyncAdminInput = t.TypeOf<typeof SyncAdminInputCodec>

/** A freshness case's input (rule S11). */
const SyncFreshnessInputCodec = object(
  'FreshnessInput',
  {
    freshness: object(
      'Freshness',
      { lastSyncedAt: t.union([IsoTime, t.null]), now: IsoTime, limits: t.unknown },
      {},
    ),
  },
  {},
)
export type SyncFreshnessInput = t.TypeOf<typeof SyncFreshnessInputCodec>

/** The input of a `sync` request: the vector's input, one of the three kinds. */
export const SyncInputCodec = t.union([
  SyncFreshnessInputCodec,
  SyncLoginInputCodec,
  SyncAdminInputCodec,
])
export type SyncInput = t.TypeOf<typeof SyncInputCodec>
