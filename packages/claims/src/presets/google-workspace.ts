import { definePreset } from './provider-preset.js'

/**
 * Google (Workspace): the ID token and userinfo carry no groups claim at all (`hd` names the
 * Workspace domain). Groups can only come from a directory API call the application makes.
 */
export const googleWorkspacePreset = definePreset({
  name: 'google-workspace',
  provider: 'Google Workspace',
  claimsOptions: { path: 'groups', sources: 'id_token_then_userinfo' },
  // Google never sends the claim, so an absent claim says nothing about the user's groups:
  // reading it as empty would remove every membership at every login. Deny until the
  // application supplies the groups it fetched.
  policy: { absent: 'deny' },
  requires: [],
  resolver: {
    kind: 'directory-api',
    allowedOrigins: ['https://cloudidentity.googleapis.com', 'https://admin.googleapis.com'],
    note: 'Fetch the user’s groups with the Cloud Identity API (groups.memberships.searchTransitiveGroups) or the Admin SDK Directory API (groups.list?userKey=) using your own service credentials, then pass them as the groups member of the claims you hand to the sync.',
  },
  atProvider: [
    'Google Cloud console: an OAuth client (Web application) for the login.',
    'For the groups: enable the Cloud Identity API (or Admin SDK) and give a service account read access to group memberships (domain-wide delegation or the Groups Reader role).',
  ],
  references: [
    {
      title: 'Google OpenID Connect API Reference',
      url: 'https://developers.google.com/identity/openid-connect/reference',
      facts: 'the claims Google’s ID token and userinfo carry (sub, email, hd, …): no groups claim',
    },
    {
      title: 'headscale issue 1861: OIDC groups with Google Workspace',
      url: 'https://github.com/juanfont/headscale/issues/1861',
      facts:
        'groups must be fetched from the Admin Directory or Cloud Identity API, not from the token',
    },
  ],
})
