import { definePreset } from './provider-preset.js'

/**
 * GitLab as an OpenID Provider: `groups` (full paths, direct and inherited memberships) in the
 * userinfo response only; `groups_direct` (direct memberships) in the ID token.
 */
export const gitlabPreset = definePreset({
  name: 'gitlab',
  provider: 'GitLab',
  // groups is not in the ID token: fetch userinfo. For the ID token alone, override
  // path: 'groups_direct', sources: 'id_token' (direct memberships only).
  claimsOptions: { path: 'groups', sources: 'userinfo' },
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'User/Group/Admin settings → Applications: an application with the openid scope (and profile/email as needed).',
    'Fetch the userinfo endpoint after the code exchange: the groups claim is only there.',
    'Name the org groups by GitLab full path (parent/child).',
  ],
  references: [
    {
      title: 'GitLab as OpenID Connect identity provider',
      url: 'https://docs.gitlab.com/integration/openid_connect_provider/',
      facts:
        'groups: paths of the groups the user is a member of directly or through an ancestor; groups_direct: paths of direct memberships; only sub, sub_legacy, email, email_verified and groups_direct are in the ID token, the rest in userinfo',
    },
  ],
})
