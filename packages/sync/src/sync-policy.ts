import type { GroupsClaimOptions } from '@groupsync/claims'
import { left, right, type Result } from '@groupsync/core'
import { SyncServiceError } from './errors.js'

/**
 * What a login does when its ID token (and userinfo) carry no groups claim at all:
 * `empty` removes the user from every org group, `keep` changes nothing, `deny` refuses the sync.
 */
export type AbsentClaimPolicy = 'empty' | 'keep' | 'deny'

/**
 * What a login does when the provider left the groups out because there are too many (an
 * overage): `resolve` fetches them through the configured distributed-claims resolver and denies
 * when there is none; `deny` always refuses.
 */
export type OverageClaimPolicy = 'resolve' | 'deny'

/**
 * Which memberships a sync may remove: `authoritative` removes every org group the claim does not
 * name; `sync-owned` removes only memberships the sync itself created, so manual ones stay.
 */
export type RemovalMode = 'authoritative' | 'sync-owned'

/**
 * Refuses a sync that would remove more than `maxRemovals` memberships, or more than
 * `maxRemovalPercent` percent of the user's memberships in the org. Either limit may be left out.
 */
export interface MassRemovalGuard {
  readonly maxRemovals?: number
  readonly maxRemovalPercent?: number
}

/**
 * One organisation's login-sync policy. Every field is optional; {@link DEFAULT_SYNC_POLICY}
 * fills the gaps. (Whether mapping is on, and the match mode, are the org's stored settings.)
 *
 * @example
 * ```ts
 * const policy = (orgId: string): SyncPolicy =>
 *   orgId === 'acme' ? { removalMode: 'sync-owned', massRemovalGuard: { maxRemovals: 20 } } : {}
 * ```
 */
export interface SyncPolicy {
  readonly absent?: AbsentClaimPolicy
  readonly overage?: OverageClaimPolicy
  readonly removalMode?: RemovalMode
  readonly massRemovalGuard?: MassRemovalGuard
  /** Where and how this org's provider sends the groups; merged over `deps.claimsOptions`. */
  readonly claimsOptions?: GroupsClaimOptions
}

/** A policy with every choice made. */
export interface ResolvedSyncPolicy {
  readonly absent: AbsentClaimPolicy
  readonly overage: OverageClaimPolicy
  readonly removalMode: RemovalMode
  readonly massRemovalGuard: MassRemovalGuard
  readonly claimsOptions: GroupsClaimOptions
}

/**
 * The defaults, each argued in `docs/rules.md` Part 3: a missing claim grants nothing, an overage
 * is resolved or refused (never read as empty), removal is authoritative, and no mass-removal
 * guard.
 */
export const DEFAULT_SYNC_POLICY: ResolvedSyncPolicy = {
  absent: 'empty',
  overage: 'resolve',
  removalMode: 'authoritative',
  massRemovalGuard: {},
  claimsOptions: {},
}

const ABSENT = new Set<unknown>(['empty', 'keep', 'deny'])
const OVERAGE = new Set<unknown>(['resolve', 'deny'])
const REMOVAL = new Set<unknown>(['authoritative', 'sync-owned'])

/**
 * Fills a partial policy with the defaults and checks it, so that a typo in a policy store is a
 * coded error (`SYNC_POLICY_INVALID`) rather than a silently different behaviour.
 *
 * @example
 * ```ts
 * resolveSyncPolicy({ removalMode: 'sync-owned' }) // Right({ absent: 'empty', …, removalMode: 'sync-owned' })
 * ```
 */
export function resolveSyncPolicy(
  policy: SyncPolicy = {},
  base: GroupsClaimOptions = {},
): Result<SyncServiceError, ResolvedSyncPolicy> {
  // A misspelt key would otherwise be ignored and its default applied without a word.
  const policyKeys = unknownKey(policy, POLICY_KEYS, '')
  if (policyKeys !== undefined) return policyKeys
  const guardKeys = unknownKey(policy.massRemovalGuard, GUARD_KEYS, 'massRemovalGuard')
  if (guardKeys !== undefined) return guardKeys
  const resolved: ResolvedSyncPolicy = {
    absent: policy.absent ?? DEFAULT_SYNC_POLICY.absent,
    overage: policy.overage ?? DEFAULT_SYNC_POLICY.overage,
    removalMode: policy.removalMode ?? DEFAULT_SYNC_POLICY.removalMode,
    massRemovalGuard: policy.massRemovalGuard ?? DEFAULT_SYNC_POLICY.massRemovalGuard,
    claimsOptions: { ...base, ...policy.claimsOptions },
  }
  if (!ABSENT.has(resolved.absent)) return invalid('absent', resolved.absent)
  if (!OVERAGE.has(resolved.overage)) return invalid('overage', resolved.overage)
  if (!REMOVAL.has(resolved.removalMode)) return invalid('removalMode', resolved.removalMode)
  const { maxRemovals, maxRemovalPercent } = resolved.massRemovalGuard
  if (maxRemovals !== undefined && !(Number.isSafeInteger(maxRemovals) && maxRemovals >= 0)) {
    return invalid('massRemovalGuard.maxRemovals', maxRemovals)
  }
  if (
    maxRemovalPercent !== undefined &&
    !(Number.isFinite(maxRemovalPercent) && maxRemovalPercent >= 0 && maxRemovalPercent <= 100)
  ) {
    return invalid('massRemovalGuard.maxRemovalPercent', maxRemovalPercent)
  }
  return right(resolved)
}

const POLICY_KEYS = new Set([
  'absent',
  'overage',
  'removalMode',
  'massRemovalGuard',
  'claimsOptions',
])
const GUARD_KEYS = new Set(['maxRemovals', 'maxRemovalPercent'])

/** A coded error when `value` (if given) is not an object or has a key outside `allowed`. */
function unknownKey(
  value: unknown,
  allowed: ReadonlySet<string>,
  at: string,
): Result<SyncServiceError, never> | undefined {
  if (value === undefined && at !== '') return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(at === '' ? 'policy' : at, Array.isArray(value) ? 'an array' : value)
  }
  const key = Object.keys(value).find((k) => !allowed.has(k))
  if (key === undefined) return undefined
  return left(
    new SyncServiceError(
      'SYNC_POLICY_INVALID',
      `The sync policy has an unknown field ${JSON.stringify(at === '' ? key : `${at}.${key}`)}; the fields are ${[...allowed].join(', ')} (see docs/rules.md Part 3).`,
      { path: at === '' ? key : `${at}.${key}` },
    ),
  )
}

function invalid(path: string, value: unknown): Result<SyncServiceError, never> {
  return left(
    new SyncServiceError(
      'SYNC_POLICY_INVALID',
      `The sync policy's ${path} is ${typeof value === 'string' ? JSON.stringify(value) : String(value)}, which is not allowed; fix the org's policy (see docs/rules.md Part 3 for the allowed values).`,
      { path, value },
    ),
  )
}
