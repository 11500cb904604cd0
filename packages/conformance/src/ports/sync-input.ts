import * as t from 'io-ts'

// The input of a `sync` request (docs/rules.md, "Sync vector format"; docs/vectors/sync-schema.json)
// as io-ts codecs, with the types derived from them. The runner sends each vector's input as it
// is in the file; the TypeScript port decodes it before it seeds a store with it.

const matchMode = t.keyof({ exact: null, 'case-insensitive': null })
const source = t.keyof({ sync: null, manual: null })
const optional = <P extends t.Props, O extends t.Props>(props: P, opts: O) =>
  t.intersection([t.type(props), t.partial(opts)])

/** The organisation's state before a case, as a sync vector writes it. */
const SyncStateCodec = optional(
  {
    settings: t.type({ manageGroupMemberships: t.boolean, matchMode }),
    groups: t.readonlyArray(t.type({ id: t.string, name: t.string })),
  },
  {
    memberships: t.readonlyArray(t.type({ userId: t.string, groupId: t.string, source })),
    lastSync: t.readonlyArray(
      t.type({ userId: t.string, syncedAt: t.string, tokenIssuedAt: t.union([t.string, t.null]) }),
    ),
    removals: t.readonlyArray(t.type({ userId: t.string, removedAt: t.string })),
  },
)
export type SyncState = t.TypeOf<typeof SyncStateCodec>

/** A login case's input. */
const SyncLoginInputCodec = optional(
  {
    state: SyncStateCodec,
    now: t.string,
    login: optional(
      { userId: t.string, claims: t.unknown },
      { userinfo: t.unknown, accessToken: t.string },
    ),
  },
  {
    policy: t.unknown,
    resolver: t.union([
      t.type({ answer: t.UnknownRecord }),
      t.type({ error: optional({ code: t.string }, { value: t.string }) }),
    ]),
  },
)
export type SyncLoginInput = t.TypeOf<typeof SyncLoginInputCodec>

const actor = { actor: t.string }
/** An operation of the admin service, as a sync vector writes it. */
const SyncAdminOperationCodec = t.union([
  optional(
    {
      operation: t.keyof({ addMember: null, removeMember: null }),
      groupId: t.string,
      userId: t.string,
    },
    actor,
  ),
  optional({ operation: t.literal('removeUser'), userId: t.string }, actor),
  optional({ operation: t.literal('setManageGroupMemberships'), enabled: t.boolean }, actor),
  optional({ operation: t.literal('setMatchMode'), matchMode }, actor),
  t.type({ operation: t.literal('listStaleMembers'), olderThan: t.string }),
])
export type SyncAdminOperation = t.TypeOf<typeof SyncAdminOperationCodec>

/** An admin case's input. */
const SyncAdminInputCodec = t.type({
  state: SyncStateCodec,
  now: t.string,
  admin: SyncAdminOperationCodec,
})
export type SyncAdminInput = t.TypeOf<typeof SyncAdminInputCodec>

/** A freshness case's input (rule S11). */
const SyncFreshnessInputCodec = t.type({
  freshness: t.type({
    lastSyncedAt: t.union([t.string, t.null]),
    now: t.string,
    limits: t.unknown,
  }),
})
export type SyncFreshnessInput = t.TypeOf<typeof SyncFreshnessInputCodec>

/** The input of a `sync` request: the vector's input, one of the three kinds. */
export const SyncInputCodec = t.union([
  SyncFreshnessInputCodec,
  SyncLoginInputCodec,
  SyncAdminInputCodec,
])
export type SyncInput = t.TypeOf<typeof SyncInputCodec>
