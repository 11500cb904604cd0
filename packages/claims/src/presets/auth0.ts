import { definePreset } from './provider-preset.js'

/**
 * Auth0: no built-in groups claim. A post-login Action sets a custom claim, which should be
 * namespaced (`https://your-domain/groups`) — `groups` itself is a claim name Auth0 restricts.
 */
export const auth0Preset = definePreset({
  name: 'auth0',
  provider: 'Auth0',
  // The claim name is the tenant's choice, so `path` must be given, e.g. as a JSON Pointer:
  // '/https:~1~1example.com~1groups'.
  claimsOptions: { sources: 'id_token' },
  policy: { absent: 'empty' },
  requires: ['path'],
  atProvider: [
    'Actions → Library → Create Action (Login / Post Login): api.idToken.setCustomClaim("https://example.com/groups", groups) with the user’s groups (for example from event.authorization.roles or app_metadata).',
    'Add the Action to the Login flow, and set the preset’s path to the same claim name as a JSON Pointer (/https:~1~1example.com~1groups).',
  ],
  references: [
    {
      title: 'Create Custom Claims',
      url: 'https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims',
      facts:
        'custom claims should use a collision-resistant namespaced name; groups is among the restricted claim names',
    },
    {
      title: 'Migrate Custom Claims',
      url: 'https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/custom-claims-migration',
      facts:
        'an Action adds claims with api.idToken.setCustomClaim; namespaced claims look like https://myDomain.com/myClaim',
    },
  ],
})
