import {
  isProviderPresetName,
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  type GroupsClaimOptions,
  type ProviderPreset,
  type ProviderPresetName,
} from '@groupsync/claims'
import { left, right, type Either } from 'fp-ts/lib/Either.js'
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
 * What a login does when its token is older than the token of the user's last applied sync (a
 * replayed, still valid, older token would otherwise grant the old groups back): `skip` changes
 * nothing and reports `stale`; `deny` refuses it with `STALE_LOGIN_DENIED` and a `sync.denied`
 * event.
 */
export type StaleLoginPolicy = 'skip' | 'deny'

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
  /**
   * The org's identity provider, by preset name (`PROVIDER_PRESETS`): its claims options and
   * policy defaults, which the other fields here override. It replaces the service's preset and
   * claims options, which describe the service's default provider.
   */
  readonly preset?: ProviderPresetName
  readonly absent?: AbsentClaimPolicy
  readonly overage?: OverageClaimPolicy
  readonly removalMode?: RemovalMode
  readonly massRemovalGuard?: MassRemovalGuard
  readonly staleLogin?: StaleLoginPolicy
  /** Where and how this org's provider sends the groups; merged over `deps.claimsOptions`. */
  readonly claimsOptions?: GroupsClaimOptions
}

/** A policy with every choice made. */
export interface ResolvedSyncPolicy {
  readonly absent: AbsentClaimPolicy
  readonly overage: OverageClaimPolicy
  readonly removalMode: RemovalMode
  readonly massRemovalGuard: MassRemovalGuard
  readonly staleLogin: StaleLoginPolicy
  readonly claimsOptions: GroupsClaimOptions
  /** The provider preset the values came from, when there is one (the org's or the service's). */
  readonly preset?: ProviderPresetName
}

/**
 * The defaults, each argued in `docs/rules.md` Part 3: a missing claim grants nothing, an overage
 * is resolved or refused (never read as empty), removal is authoritative, no mass-removal
 * guard, and a login with an older token than the last applied one is skipped.
 */
export const DEFAULT_SYNC_POLICY: ResolvedSyncPolicy = {
  absent: 'empty',
  overage: 'resolve',
  removalMode: 'authoritative',
  massRemovalGuard: {},
  staleLogin: 'skip',
  claimsOptions: {},
}

const ABSENT = new Set<unknown>(['empty', 'keep', 'deny'])
const OVERAGE = new Set<unknown>(['resolve', 'deny'])
const REMOVAL = new Set<unknown>(['authoritative', 'sync-owned'])
const STALE = new Set<unknown>(['skip', 'deny'])

/**
 * Fills a partial policy with the defaults and checks it, so that a typo in a policy store is a
 * coded error (`SYNC_POLICY_INVALID`) rather than a silently different behaviour.
 *
 * Each value comes from the first of: the policy's own field; the preset (the policy's, else the
 * service's `servicePreset`); the default. Claims options are merged field by field: the
 * policy's `claimsOptions` over the service's `base` over the service's preset — or, when the
 * policy names its own preset, the policy's `claimsOptions` over that preset alone.
 *
 * @example
 * ```ts
 * resolveSyncPolicy({ removalMode: 'sync-owned' }) // Right({ absent: 'empty', …, removalMode: 'sync-owned' })
 * resolveSyncPolicy({ preset: 'lemonldap-ng' })
 * // Right({ …, preset: 'lemonldap-ng', claimsOptions: { path: 'groups', sources: 'id_token_then_userinfo', delimiter: '; ' } })
 * ```
 */
export function resolveSyncPolicy(
  policy: SyncPolicy = {},
  base: GroupsClaimOptions = {},
  servicePreset?: ProviderPresetName,
): Either<SyncServiceError, ResolvedSyncPolicy> {
  // A misspelt key would otherwise be ignored and its default applied without a word.
  const policyKeys = unknownKey(policy, POLICY_KEYS, '')
  if (policyKeys !== undefined) return policyKeys
  const guardKeys = unknownKey(policy.massRemovalGuard, GUARD_KEYS, 'massRemovalGuard')
  if (guardKeys !== undefined) return guardKeys
  const chosen = choosePreset(policy, servicePreset)
  if (chosen !== undefined && !('name' in chosen)) return chosen
  const claimsBase =
    policy.preset !== undefined ? chosen?.claimsOptions : { ...chosen?.claimsOptions, ...base }
  const resolved: ResolvedSyncPolicy = {
    absent: policy.absent ?? chosen?.policy.absent ?? DEFAULT_SYNC_POLICY.absent,
    overage: policy.overage ?? chosen?.policy.overage ?? DEFAULT_SYNC_POLICY.overage,
    removalMode: policy.removalMode ?? DEFAULT_SYNC_POLICY.removalMode,
    massRemovalGuard: policy.massRemovalGuard ?? DEFAULT_SYNC_POLICY.massRemovalGuard,
    staleLogin: policy.staleLogin ?? DEFAULT_SYNC_POLICY.staleLogin,
    claimsOptions: { ...claimsBase, ...policy.claimsOptions },
    ...(chosen === undefined ? {} : { preset: chosen.name }),
  }
  const missing = chosen?.requires.find((option) => resolved.claimsOptions[option] === undefined)
  if (chosen !== undefined && missing !== undefined) {
    return left(
      new SyncServiceError(
        'SYNC_POLICY_INVALID',
        `The ${chosen.provider} preset needs claimsOptions.${missing}, which only you know (see the preset's atProvider notes); set it in the org's policy or the service's claimsOptions.`,
        { path: `claimsOptions.${missing}` },
      ),
    )
  }
  if (!ABSENT.has(resolved.absent)) return invalid('absent', resolved.absent)
  if (!OVERAGE.has(resolved.overage)) return invalid('overage', resolved.overage)
  if (!REMOVAL.has(resolved.removalMode)) return invalid('removalMode', resolved.removalMode)
  if (!STALE.has(resolved.staleLogin)) return invalid('staleLogin', resolved.staleLogin)
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

/** The preset named by the policy, else by the service; a coded error for an unknown name. */
function choosePreset(
  policy: SyncPolicy,
  servicePreset: unknown,
): ProviderPreset | Either<SyncServiceError, never> | undefined {
  const name: unknown = policy.preset !== undefined ? policy.preset : servicePreset
  if (name === undefined) return undefined
  if (isProviderPresetName(name)) return PROVIDER_PRESETS[name]
  return left(
    new SyncServiceError(
      'SYNC_POLICY_INVALID',
      `${policy.preset !== undefined ? "The sync policy's" : "The sync service's"} preset ${typeof name === 'string' ? JSON.stringify(name) : `(a ${typeof name})`} is not a provider preset; the presets are ${PROVIDER_PRESET_NAMES.join(', ')}.`,
      { path: 'preset', value: name },
    ),
  )
}

const POLICY_KEYS = new Set([
  'preset',
  'absent',
  'overage',
  'removalMode',
  'massRemovalGuard',
  'staleLogin',
  'claimsOptions',
])
const GUARD_KEYS = new Set(['maxRemovals', 'maxRemovalPercent'])

/** A coded error when `value` (if given) is not an object or has a key outside `allowed`. */
function unknownKey(
  value: unknown,
  allowed: ReadonlySet<string>,
  at: string,
): Either<SyncServiceError, never> | undefined {
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

function invalid(path: string, value: unknown): Either<SyncServiceError, never> {
  return left(
    new SyncServiceError(
      'SYNC_POLICY_INVALID',
      `The sync policy's ${path} is ${typeof value === 'string' ? JSON.stringify(value) : String(value)}, which is not allowed; fix the org's policy (see docs/rules.md Part 3 for the allowed values).`,
      { path, value },
    ),
  )
}
