import {
  decodeWith,
  formatJsonPointer,
  GroupsClaimOptionsCodec,
  PROVIDER_PRESETS,
  ProviderPresetNameCodec,
  strictObject,
  type DecodeFailure,
  type GroupsClaimOptions,
  type ProviderPresetName,
} from '@groupsync/claims'
import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { SyncError } from './errors.js'
import { guarded, shown } from './internal/codecs.js'

/** The io-ts codec of {@link AbsentClaimPolicy}: what a configuration is decoded with. */
export const AbsentClaimPolicyCodec = t.keyof(
  { empty: null, keep: null, deny: null, resolve: null },
  'empty, keep, deny or resolve',
)

/**
 * What a login does when its ID token (and userinfo) carry no groups claim at all:
 * `empty` removes the user from every org group, `keep` changes nothing, `deny` refuses the sync,
 * `resolve` asks the configured resolver (a directory such as Google's) and denies without one.
 */
export type AbsentClaimPolicy = t.TypeOf<typeof AbsentClaimPolicyCodec>

/** The io-ts codec of {@link OverageClaimPolicy}: what a configuration is decoded with. */
export const OverageClaimPolicyCodec = t.keyof({ resolve: null, deny: null }, 'resolve or deny')

/**
 * What a login does when the provider left the groups out because there are too many (an
 * overage): `resolve` fetches them through the configured distributed-claims resolver and denies
 * when there is none; `deny` always refuses.
 */
export type OverageClaimPolicy = t.TypeOf<typeof OverageClaimPolicyCodec>

/** The io-ts codec of {@link RemovalMode}: what a configuration is decoded with. */
export const RemovalModeCodec = t.keyof(
  { authoritative: null, 'sync-owned': null },
  'authoritative or sync-owned',
)

/**
 * Which memberships a sync may remove: `authoritative` removes every org group the claim does not
 * name; `sync-owned` removes only memberships the sync itself created, so manual ones stay.
 */
export type RemovalMode = t.TypeOf<typeof RemovalModeCodec>

/** The io-ts codec of {@link StaleLoginPolicy}: what a configuration is decoded with. */
export const StaleLoginPolicyCodec = t.keyof({ skip: null, deny: null }, 'skip or deny')

/**
 * What a login does when its token is older than the token of the user's last applied sync (a
 * replayed, still valid, older token would otherwise grant the old groups back): `skip` changes
 * nothing and reports `stale`; `deny` refuses it with `STALE_LOGIN_DENIED` and a `sync.denied`
 * event.
 */
export type StaleLoginPolicy = t.TypeOf<typeof StaleLoginPolicyCodec>

/** The io-ts codec of {@link MassRemovalGuard}: what a configuration is decoded with. */
export const MassRemovalGuardCodec = strictObject(
  t.readonly(
    t.partial({
      maxRemovals: guarded(
        'a whole number ≥ 0',
        (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
      ),
      maxRemovalPercent: guarded(
        'a number from 0 to 100',
        (u): u is number => typeof u === 'number' && u >= 0 && u <= 100,
      ),
    }),
  ),
  'an object with maxRemovals, maxRemovalPercent or neither',
)

/**
 * Refuses a sync that would remove more than `maxRemovals` memberships (a whole number ≥ 0), or
 * more than `maxRemovalPercent` percent (0 to 100) of the user's memberships in the org. Either
 * limit may be left out; unknown fields are refused.
 */
export type MassRemovalGuard = t.TypeOf<typeof MassRemovalGuardCodec>

/** The io-ts codec of {@link SyncPolicy}: what a configuration is decoded with. */
export const SyncPolicyCodec = strictObject(
  t.readonly(
    // In the order the fields are checked: the first invalid one is the one reported.
    t.partial({
      preset: ProviderPresetNameCodec,
      absent: AbsentClaimPolicyCodec,
      overage: OverageClaimPolicyCodec,
      removalMode: RemovalModeCodec,
      staleLogin: StaleLoginPolicyCodec,
      massRemovalGuard: MassRemovalGuardCodec,
      claimsOptions: GroupsClaimOptionsCodec,
    }),
  ),
  'SyncPolicy',
)

/**
 * One organisation's login-sync policy, every field optional ({@link DEFAULT_SYNC_POLICY} fills
 * the gaps) and no other field allowed: a misspelt one would otherwise silently leave its
 * default in place. (Whether mapping is on, and the match mode, are the org's stored settings.)
 *
 * - `preset`: the org's identity provider, by preset name (`PROVIDER_PRESETS`): its claims
 *   options and policy defaults, which the other fields here override. It replaces the service's
 *   preset and claims options, which describe the service's default provider.
 * - `claimsOptions`: where and how this org's provider sends the groups; merged over
 *   `deps.claimsOptions`. Decoded with the claims package's `GroupsClaimOptionsCodec`, so a bad
 *   option is `SYNC_POLICY_INVALID` at `/policy/claimsOptions/<option>`; the syntax of its `path` and of
 *   its globs is checked when a claim is read (`CLAIM_PATH_INVALID`, `CLAIMS_INPUT_INVALID`).
 *
 * @example
 * ```ts
 * const policy = (orgId: string): SyncPolicy =>
 *   orgId === 'acme' ? { removalMode: 'sync-owned', massRemovalGuard: { maxRemovals: 20 } } : {}
 * ```
 */
export type SyncPolicy = t.TypeOf<typeof SyncPolicyCodec>

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

// A policy's errors are at JSON Pointers under `/policy`, and the service's preset at `/preset`:
// the members of the sync's dependencies they come from (the org's policy is `deps.policy`'s).
const invalidPolicy = (failure: DecodeFailure): SyncError => {
  const path = formatJsonPointer(['policy', ...failure.path])
  const field = failure.path.join('.')
  if (failure.kind === 'unknown-key') {
    return new SyncError(
      'SYNC_POLICY_INVALID',
      `The sync policy has an unknown field ${shown(field)}; the fields there are ${failure.known.join(', ')}.`,
      { path },
    )
  }
  if (field === '') {
    return new SyncError(
      'SYNC_POLICY_INVALID',
      `The sync policy is ${shown(failure.value)}; it must be an object of the fields in docs/rules.md Part 3.`,
      { path, value: failure.value },
    )
  }
  return new SyncError(
    'SYNC_POLICY_INVALID',
    `The sync policy's ${field} is ${shown(failure.value)}; it must be ${failure.expected}.`,
    { path, value: failure.value },
  )
}

const decodePolicy = decodeWith(SyncPolicyCodec, invalidPolicy)

const decodeServicePreset = decodeWith(
  ProviderPresetNameCodec,
  (failure) =>
    new SyncError(
      'SYNC_POLICY_INVALID',
      `The sync service's preset is ${shown(failure.value)}; it must be ${ProviderPresetNameCodec.name}.`,
      { path: '/preset', value: failure.value },
    ),
)

/** Each value from the policy, else the preset, else the default. */
const fillPolicy = (
  policy: SyncPolicy,
  base: GroupsClaimOptions,
  preset: (typeof PROVIDER_PRESETS)[ProviderPresetName] | undefined,
): ResolvedSyncPolicy => {
  // The service's claims options describe the service's provider: an org's own preset replaces
  // them.
  const claimsBase =
    policy.preset !== undefined ? preset?.claimsOptions : { ...preset?.claimsOptions, ...base }
  return {
    absent: policy.absent ?? preset?.policy.absent ?? DEFAULT_SYNC_POLICY.absent,
    overage: policy.overage ?? preset?.policy.overage ?? DEFAULT_SYNC_POLICY.overage,
    removalMode: policy.removalMode ?? DEFAULT_SYNC_POLICY.removalMode,
    massRemovalGuard: policy.massRemovalGuard ?? DEFAULT_SYNC_POLICY.massRemovalGuard,
    staleLogin: policy.staleLogin ?? DEFAULT_SYNC_POLICY.staleLogin,
    claimsOptions: { ...claimsBase, ...policy.claimsOptions },
    ...(preset === undefined ? {} : { preset: preset.name }),
  }
}

/** A coded error when the preset needs a claims option only the organisation knows. */
const presetRequirements =
  (preset: (typeof PROVIDER_PRESETS)[ProviderPresetName] | undefined) =>
  (resolved: ResolvedSyncPolicy): Either<SyncError, ResolvedSyncPolicy> => {
    const missing = preset?.requires.find((option) => resolved.claimsOptions[option] === undefined)
    if (preset === undefined || missing === undefined) return E.right(resolved)
    return E.left(
      new SyncError(
        'SYNC_POLICY_INVALID',
        `The ${preset.provider} preset needs claimsOptions.${missing}, which only you know (see the preset's atProvider notes); set it in the org's policy or the service's claimsOptions.`,
        { path: formatJsonPointer(['policy', 'claimsOptions', missing]) },
      ),
    )
  }

/**
 * Decodes a policy (its {@link SyncPolicyCodec}), fills it with the defaults and checks it, so
 * that a typo in a policy store is a coded error (`SYNC_POLICY_INVALID`, with the field's path)
 * rather than a silently different behaviour. Paths are JSON Pointers as in the sync's
 * dependencies: `/policy/massRemovalGuard/maxRemovals` for a policy field, `/preset` for the
 * service's preset.
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
): Either<SyncError, ResolvedSyncPolicy> {
  return pipe(
    servicePreset === undefined
      ? E.right<SyncError, ProviderPresetName | undefined>(undefined)
      : decodeServicePreset(servicePreset),
    E.chain((preset) => resolvePolicy(policy, base, preset)),
  )
}

/**
 * {@link resolveSyncPolicy} for the sync, whose dependencies (the base claims options and the
 * service's preset) were decoded at the call: only the policy is decoded here.
 */
export function resolvePolicy(
  policy: unknown,
  base: GroupsClaimOptions,
  servicePreset: ProviderPresetName | undefined,
): Either<SyncError, ResolvedSyncPolicy> {
  return pipe(
    decodePolicy(policy),
    E.map((given) => {
      const name = given.preset ?? servicePreset
      return { given, preset: name === undefined ? undefined : PROVIDER_PRESETS[name] }
    }),
    E.chain(({ given, preset }) => presetRequirements(preset)(fillPolicy(given, base, preset))),
  )
}
