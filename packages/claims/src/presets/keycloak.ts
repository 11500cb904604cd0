import { definePreset } from './provider-preset.js'

/**
 * Keycloak: the Group Membership mapper sends `groups`, as full paths (`/parent/child`) while
 * its "Full group path" switch is on; realm roles travel in `realm_access.roles`.
 */
export const keycloakPreset = definePreset({
  name: 'keycloak',
  provider: 'Keycloak',
  // parent/child keeps two groups named "dev" under different parents apart; set
  // keycloakPaths: 'leaf' if the org's groups are named by the last segment only.
  claimsOptions: {
    path: 'groups',
    sources: 'id_token_then_userinfo',
    keycloakPaths: 'strip-leading-slash',
  },
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'Clients → (your client) → Client scopes → dedicated scope → Add mapper → By configuration → Group Membership: Token Claim Name groups, Add to ID token and Add to userinfo on.',
    'Turn Full group path on (the preset strips the leading slash), or off and set keycloakPaths: off.',
    'For realm roles instead of groups, override path with realm_access.roles (and keycloakPaths: off).',
  ],
  references: [
    {
      title: 'Keycloak Javadoc: GroupMembershipMapper (useFullPath)',
      url: 'https://www.keycloak.org/docs-api/latest/javadocs/org/keycloak/protocol/oidc/mappers/GroupMembershipMapper.html',
      facts:
        'the mapper adds the group memberships to the ID token, access token, userinfo and introspection, with or without the full path (useFullPath)',
    },
    {
      title: 'Keycloak Javadoc: UserRealmRoleMappingMapper',
      url: 'https://www.keycloak.org/docs-api/latest/javadocs/org/keycloak/protocol/oidc/mappers/UserRealmRoleMappingMapper.html',
      facts:
        'realm roles are mapped into an ID or access token claim (realm_access.roles by default)',
    },
    {
      title: 'Terraform/Pulumi keycloak GroupMembershipProtocolMapper',
      url: 'https://www.pulumi.com/registry/packages/keycloak/api-docs/openid/groupmembershipprotocolmapper',
      facts:
        'a group membership mapper maps the user’s groups to a claim, named groups in its example',
    },
  ],
})
