import { definePreset } from './provider-preset.js'

/**
 * Okta: a `groups` claim defined on the authorization server (or the app) with a group filter;
 * only groups that pass the filter are sent, and with none passing the claim is left out.
 */
export const oktaPreset = definePreset({
  name: 'okta',
  provider: 'Okta',
  claimsOptions: { path: 'groups', sources: 'id_token_then_userinfo' },
  // Okta omits the claim when no group passes the filter: absent means "no groups".
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'Security → API → Authorization Servers → (your server) → Claims → Add Claim: name groups, include in ID Token (Always), value type Groups, a filter (Starts with / Equals / Matches regex) that selects only this application’s groups.',
    'With the org authorization server: Applications → (your app) → Sign On → Groups claim filter.',
    'Request the scope the claim is attached to (for example groups) at login.',
  ],
  references: [
    {
      title: 'Customize tokens returned from Okta with a groups claim',
      url: 'https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/',
      facts:
        'a groups claim is added to ID tokens (org authorization server) or ID and access tokens (custom authorization server), with a group filter or allowlist',
    },
    {
      title:
        'Okta.PowerShell 1.0.0, Model/OAuth2ClaimGroupFilterType.ps1 (generated from the Okta Management API)',
      url: 'https://www.powershellgallery.com/packages/Okta.PowerShell/1.0.0/Content/Model%5COAuth2ClaimGroupFilterType.ps1',
      facts:
        'the group filter types of an authorization server claim: CONTAINS, EQUALS, REGEX, STARTS_WITH',
    },
  ],
})
