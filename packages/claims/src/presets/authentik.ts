import { definePreset } from './provider-preset.js'

/**
 * authentik: the default `profile` scope mapping sends `groups`, an array of the user's group
 * names, in userinfo and (with "Include claims in id_token", the default) the ID token.
 */
export const authentikPreset = definePreset({
  name: 'authentik',
  provider: 'authentik',
  claimsOptions: { path: 'groups', sources: 'id_token_then_userinfo' },
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'Applications → Providers → (OAuth2/OpenID provider): keep the default profile scope mapping selected (it emits groups), and Include claims in id_token on.',
    'Request the profile scope at login.',
  ],
  references: [
    {
      title:
        'authentik blueprint System - OAuth2 Provider - Scopes (blueprints/system/providers-oauth2.yaml, seen at a mirror)',
      url: 'https://github.com/goauthentik/authentik/blob/main/blueprints/system/providers-oauth2.yaml',
      facts: 'the default profile scope mapping returns groups as a list of the user’s group names',
    },
    {
      title: 'Pulumi authentik PropertyMappingProviderScope',
      url: 'https://www.pulumi.com/registry/packages/authentik/api-docs/propertymappingproviderscope',
      facts: 'scope mappings are expressions returning the claims of a scope',
    },
  ],
})
