/**
 * What the login sync's OpenTelemetry spans may carry beyond counts and codes. Group names and
 * user ids are personal or business data, so they are left out unless the app opts in; tokens and
 * claims are never recorded.
 *
 * The sync reports through `@groupsync/sync`'s tracer and meter from the global
 * `@opentelemetry/api` (an optional peer dependency): with no SDK registered, or without the
 * package installed at all, it records nothing and costs next to nothing.
 *
 * @example
 * ```ts
 * await syncOnLoginAsync(input, { store, telemetry: { recordGroupNames: true } })
 * ```
 */
export interface SyncTelemetryOptions {
  /** Adds the names of the groups added and removed to the login sync's span. Default false. */
  readonly recordGroupNames?: boolean
  /** Adds the user id to the login sync's span as `enduser.id`. Default false. */
  readonly recordUserId?: boolean
}

/** The names of the spans, metrics and attributes the sync reports, for dashboards and alerts. */
export const SYNC_TELEMETRY = {
  /** The instrumentation scope: the tracer's and meter's name. */
  scope: '@groupsync/sync',
  spans: {
    /** One per `syncOnLogin` call. */
    loginSync: 'groupsync.login_sync',
    /** One per store unit of work (`withLoginSync`) of a login sync, a child of its span. */
    unitOfWork: 'groupsync.store.unit_of_work',
  },
  metrics: {
    /** Histogram, seconds: the whole login sync, by outcome and claim state. */
    duration: 'groupsync.login_sync.duration',
    /** Counter: memberships added and removed, by `groupsync.change.kind`. */
    changes: 'groupsync.login_sync.changes',
    /** Counter: denials by the org's policy, by `groupsync.denial.code`. */
    denials: 'groupsync.login_sync.denials',
    /** Histogram, seconds: from asking the store for the unit of work to holding the snapshot. */
    lockWait: 'groupsync.store.lock_wait',
  },
  attributes: {
    orgId: 'groupsync.org.id',
    outcome: 'groupsync.outcome',
    claimState: 'groupsync.claim.state',
    claimEntries: 'groupsync.claim.entries',
    unmatched: 'groupsync.claim.unmatched',
    added: 'groupsync.changes.added',
    removed: 'groupsync.changes.removed',
    errorCode: 'groupsync.error.code',
    changeKind: 'groupsync.change.kind',
    denialCode: 'groupsync.denial.code',
    lockWaitMs: 'groupsync.store.lock_wait_ms',
    attempts: 'groupsync.store.decide_calls',
    addedNames: 'groupsync.groups.added',
    removedNames: 'groupsync.groups.removed',
    userId: 'enduser.id',
  },
} as const
