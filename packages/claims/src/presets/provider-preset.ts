import * as t from 'io-ts'
import type { GroupsClaimOptions } from '../claims-options.js'

/** The names of the built-in provider presets. */
export const PROVIDER_PRESET_NAMES = [
  'entra-id',
  'okta',
  'keycloak',
  'auth0',
  'cognito',
  'zitadel',
  'gitlab',
  'google-workspace',
  'authentik',
  'lemonldap-ng',
] as const

/** The name of a built-in provider preset. */
export type ProviderPresetName = (typeof PROVIDER_PRESET_NAMES)[number]

/**
 * The io-ts codec of {@link ProviderPresetName}: what a configured preset name is decoded with.
 * Both come from {@link PROVIDER_PRESET_NAMES}, the one list of the names.
 */
export const ProviderPresetNameCodec: t.KeyofC<Record<ProviderPresetName, null>> = t.keyof(
  Object.fromEntries(PROVIDER_PRESET_NAMES.map((name) => [name, null])) as Record<
    ProviderPresetName,
    null
  >,
  `one of ${PROVIDER_PRESET_NAMES.join(', ')}`,
)

/** A documentation page a preset's facts come from. */
export interface PresetReference {
  readonly title: string
  readonly url: string
  /** What the page establishes, in our words. */
  readonly facts: string
}

/**
 * Where a preset's groups come from when the token cannot carry them all (or at all): the hosts
 * a resolver for this provider calls, and how.
 */
export interface PresetResolver {
  /**
   * `distributed-claims`: the token's `_claim_sources` endpoint (an overage);
   * `directory-api`: the provider sends no groups claim, the application asks a directory API.
   */
  readonly kind: 'distributed-claims' | 'directory-api'
  /**
   * The origins (`https://host`) the provider's resolver calls: the allow-list to configure (the
   * HTTP distributed-claims resolver's `allowedOrigins`), or the directory resolver's own.
   */
  readonly allowedOrigins: readonly string[]
  readonly note: string
}

/**
 * What groupsync knows about one identity provider: the claims options and policy defaults
 * that suit it, what must be configured at the provider, and where each fact comes from.
 * Every value is a default: the org's policy or the service's options override it field by
 * field.
 */
export interface ProviderPreset {
  readonly name: ProviderPresetName
  /** The provider's name, for people. */
  readonly provider: string
  /** Where and how the provider sends the groups (Part 2 options). */
  readonly claimsOptions: GroupsClaimOptions
  /** Policy defaults that suit the provider's habits (Part 3). */
  readonly policy: {
    readonly absent?: 'empty' | 'keep' | 'deny' | 'resolve'
    readonly overage?: 'resolve' | 'deny'
  }
  /**
   * Claims options the preset cannot know and the caller must set (for example Auth0's
   * namespaced claim name, which is the tenant's own choice).
   */
  readonly requires: readonly (keyof GroupsClaimOptions)[]
  /** How the groups are fetched when the token does not carry them, if they can be. */
  readonly resolver?: PresetResolver
  /** What to configure at the provider so that it sends what the preset reads. */
  readonly atProvider: readonly string[]
  /** The provider's documentation each fact above was checked against. */
  readonly references: readonly PresetReference[]
}

/** Freezes a preset and everything in it, so a shared preset cannot be changed by a caller. */
export function definePreset(preset: ProviderPreset): ProviderPreset {
  const freeze = (value: unknown): void => {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value)
      for (const inner of Object.values(value)) freeze(inner)
    }
  }
  freeze(preset)
  return preset
}
