import { definePreset } from './provider-preset.js'

/**
 * Zitadel: project roles in `urn:zitadel:iam:org:project:roles`, an object keyed by role, each
 * role's value an object of the granting organisations' ids and domains (Zitadel's reference
 * documentation shows the object inside an array; `object-keys` reads both).
 */
export const zitadelPreset = definePreset({
  name: 'zitadel',
  provider: 'Zitadel',
  claimsOptions: {
    path: 'urn:zitadel:iam:org:project:roles',
    sources: 'id_token_then_userinfo',
    shape: 'object-keys',
  },
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'Project → General: Assert Roles on Authentication on (or request the scope urn:zitadel:iam:org:project:role:{rolekey}).',
    'Application → Token Settings: User roles inside ID Token on to read them from the ID token; otherwise they are in userinfo.',
    'Authorizations: give users their roles; a role key is matched as the org group name.',
  ],
  references: [
    {
      title: 'Claims in ZITADEL',
      url: 'https://zitadel.com/docs/apis/openidoauth/claims',
      facts:
        'urn:zitadel:iam:org:project:roles is asserted in userinfo when requested, and in the ID token when requested or configured; the reserved-claims table shows its value as an array around an object keyed by role key, each role an object of organisation id to primary domain',
    },
    {
      title:
        'zitadel/vue-auth issue 102 and stonith404/pingvin-share issue 795 (decoded Zitadel tokens)',
      url: 'https://github.com/zitadel/vue-auth/issues/102',
      facts:
        'real tokens carry the roles as the object itself, not inside an array; the shape reads both',
    },
    {
      title: 'ZITADEL Roles and Role Assignments',
      url: 'https://zitadel.com/docs/guides/manage/console/roles',
      facts: 'the role key is what appears in the token',
    },
  ],
})
