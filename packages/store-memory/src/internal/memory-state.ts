import {
  MAX_STORE_TIME,
  MIN_STORE_TIME,
  StoreError,
  storeTimeout,
  type AdapterCall,
  type OrgSettings,
} from '@groupsync/core'
import { AuditLog } from './audit-log.js'
import { OrgGroups } from './org-groups.js'
import { OrgMemberships } from './org-memberships.js'
import { UnitLocks } from './unit-locks.js'

/**
 * The points inside a write where a memory store calls its test-only fault hook: between the
 * steps of a login's unit of work, and just before a manual change, a user removal, a settings
 * change or a group change is published.
 */
export type MemoryStoreFaultPoint =
  | 'sync:after-remove'
  | 'sync:after-add'
  | 'sync:after-audit'
  | 'sync:after-last-sync'
  | 'add-member:before-commit'
  | 'remove-member:before-commit'
  | 'remove-user:before-commit'
  | 'settings:before-commit'
  | 'group:before-commit'

/** Everything the memory store keeps about one organisation. */
export interface OrgState {
  /** As the store's wrapper handed them over (its own copy); null until first stored. */
  settings: OrgSettings | null
  readonly groups: OrgGroups
  readonly memberships: OrgMemberships
  /** userId → last sync time (epoch ms). */
  readonly lastSync: Map<string, number>
  /** userId → issue time of the token behind the last applied sync (epoch ms). */
  readonly lastTokenIssued: Map<string, number>
  /** userId → time of the user's last removal from the organisation (epoch ms). */
  readonly removedAt: Map<string, number>
  readonly audit: AuditLog
}

/** The organisations of one memory store. Reads never create one; writes do, on first use. */
export class MemoryOrgs {
  readonly #orgs = new Map<string, OrgState>()

  find(orgId: string): OrgState | undefined {
    return this.#orgs.get(orgId)
  }

  open(orgId: string): OrgState {
    let state = this.#orgs.get(orgId)
    if (state === undefined) {
      state = {
        settings: null,
        groups: new OrgGroups(),
        memberships: new OrgMemberships(),
        lastSync: new Map(),
        lastTokenIssued: new Map(),
        removedAt: new Map(),
        audit: new AuditLog(),
      }
      this.#orgs.set(orgId, state)
    }
    return state
  }

  clear(): void {
    this.#orgs.clear()
  }
}

/** What the parts of the memory adapter share. */
export interface MemoryStoreContext {
  readonly orgs: MemoryOrgs
  readonly locks: UnitLocks
  /** The store's clock, in epoch milliseconds. */
  readonly time: () => number
  /** The test-only fault hook, or a no-op. */
  readonly fault: (point: MemoryStoreFaultPoint) => void | Promise<void>
}

/**
 * The clock as a number a store can keep: the store's own option, so checked here (a caller's
 * times are checked by the wrapper before they reach the adapter).
 */
const clock = (now: () => Date) => (): number => {
  const t = now().getTime()
  if (!(t >= MIN_STORE_TIME && t <= MAX_STORE_TIME)) {
    throw new StoreError(
      'STORE_INVALID_INPUT',
      'now(): the memory store’s clock must give a time between the years 1 and 9999.',
      { path: 'now()' },
    )
  }
  return t
}

export const memoryStoreContext = (
  now: () => Date,
  fault: ((point: MemoryStoreFaultPoint) => void | Promise<void>) | undefined,
): MemoryStoreContext => ({
  orgs: new MemoryOrgs(),
  locks: new UnitLocks(),
  time: clock(now),
  fault: fault ?? (() => undefined),
})

/**
 * Runs a read: reads take no lock, since every write publishes in one synchronous step, so a
 * read sees each write whole or not at all. A signal that has already aborted ends it first.
 */
export const read = async <A>(action: string, call: AdapterCall, fn: () => A): Promise<A> => {
  await Promise.resolve()
  if (call.signal?.aborted === true) throw storeTimeout(action, call.signal.reason)
  return fn()
}
