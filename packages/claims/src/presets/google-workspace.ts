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
  // reading it as empty would remove every membership at every login. Ask the directory, and
  // deny when no directory resolver is configured.
  policy: { absent: 'resolve' },
  requires: [],
  resolver: {
    kind: 'directory-api',
    allowedOrigins: ['https://cloudidentity.googleapis.com', 'https://admin.googleapis.com'],
    note: 'Configure createGoogleDirectoryGroupsResolver: it asks the Cloud Identity API (groups.memberships.searchTransitiveGroups) or the Admin SDK Directory API (groups.list?userKey=) for the groups of the login’s verified email, with a token your service account obtains.',
  },
  atProvider: [
    'Google Cloud console: an OAuth client (Web application) for the login.',
    'For the groups: enable the Cloud Identity API (or Admin SDK) and give a service account read access to group memberships (domain-wide delegation or the Groups Reader role).',
    'Request the email scope at login, so that the ID token carries email, email_verified and hd.',
  ],
  references: [
    {
      title: 'Cloud Identity API: groups.memberships.searchTransitiveGroups',
      url: 'https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships/searchTransitiveGroups',
      facts:
        'a member’s direct and nested groups by a CEL query on member_key_id and labels, paged by nextPageToken; Enterprise and Cloud Identity Premium accounts only (403 otherwise)',
    },
    {
      title: 'Admin SDK Directory API: groups.list',
      url: 'https://developers.google.com/admin-sdk/directory/reference/rest/v1/groups/list',
      facts: 'with userKey, the groups the user is a direct member of, paged by nextPageToken',
    },
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
