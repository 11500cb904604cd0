import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { ClaimsError } from '../claims-error.js'
import { quoted } from '../internal/json.js'
import { decodeWith } from '../io-ts-report.js'
import { auth0Preset } from './auth0.js'
import { authentikPreset } from './authentik.js'
import { cognitoPreset } from './cognito.js'
import { entraIdPreset } from './entra-id.js'
import { gitlabPreset } from './gitlab.js'
import { googleWorkspacePreset } from './google-workspace.js'
import { keycloakPreset } from './keycloak.js'
import { lemonldapNgPreset } from './lemonldap-ng.js'
import { oktaPreset } from './okta.js'
import {
  PROVIDER_PRESET_NAMES,
  ProviderPresetNameCodec,
  type ProviderPreset,
  type ProviderPresetName,
} from './provider-preset.js'
import { zitadelPreset } from './zitadel.js'

/**
 * The built-in provider presets by name: read them to see exactly what a preset sets.
 *
 * @example
 * ```ts
 * PROVIDER_PRESETS.zitadel.claimsOptions
 * // { path: 'urn:zitadel:iam:org:project:roles', sources: 'id_token_then_userinfo', shape: 'object-keys' }
 * ```
 */
export const PROVIDER_PRESETS: Readonly<Record<ProviderPresetName, ProviderPreset>> = Object.freeze(
  {
    'entra-id': entraIdPreset,
    okta: oktaPreset,
    keycloak: keycloakPreset,
    auth0: auth0Preset,
    cognito: cognitoPreset,
    zitadel: zitadelPreset,
    gitlab: gitlabPreset,
    'google-workspace': googleWorkspacePreset,
    authentik: authentikPreset,
    'lemonldap-ng': lemonldapNgPreset,
  },
)

/** True when `name` is the name of a built-in preset. */
export const isProviderPresetName = (name: unknown): name is ProviderPresetName =>
  ProviderPresetNameCodec.is(name)

const decodePresetName = decodeWith(
  ProviderPresetNameCodec,
  (failure) =>
    new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      `${typeof failure.value === 'string' ? quoted(failure.value) : 'That'} is not a provider preset; the presets are ${PROVIDER_PRESET_NAMES.join(', ')}.`,
      {
        path: '/preset',
        value: typeof failure.value === 'string' ? failure.value : typeof failure.value,
      },
    ),
)

/**
 * The preset of that name, or `CLAIMS_INPUT_INVALID` (path `/preset`) for a name that is not one:
 * a misspelt preset must not silently fall back to the defaults.
 *
 * @example
 * ```ts
 * providerPreset('okta') // right(oktaPreset)
 * providerPreset('octa') // left(ClaimsError CLAIMS_INPUT_INVALID, path '/preset')
 * ```
 */
export function providerPreset(name: unknown): Either<ClaimsError, ProviderPreset> {
  return pipe(
    decodePresetName(name),
    E.map((known) => PROVIDER_PRESETS[known]),
  )
}

export { PROVIDER_PRESET_NAMES, ProviderPresetNameCodec }
export type {
  PresetReference,
  PresetResolver,
  ProviderPreset,
  ProviderPresetName,
} from './provider-preset.js'
