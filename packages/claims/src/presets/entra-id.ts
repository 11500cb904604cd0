import { MICROSOFT_GRAPH_ORIGINS } from '../distributed-claims.js'
import { definePreset } from './provider-preset.js'

/**
 * Microsoft Entra ID: `groups` in the ID token holds group object ids (GUIDs) by default — names
 * only for cloud groups emitted by display name or for synced groups by sAMAccountName — and is
 * left out for a user with too many groups, with an overage marker instead.
 */
export const entraIdPreset = definePreset({
  name: 'entra-id',
  provider: 'Microsoft Entra ID',
  claimsOptions: { path: 'groups', sources: 'id_token' },
  // An overage means "too many groups to send", never "none": fetch them or refuse.
  policy: { absent: 'empty', overage: 'resolve' },
  requires: [],
  resolver: {
    kind: 'distributed-claims',
    allowedOrigins: MICROSOFT_GRAPH_ORIGINS,
    note: 'The overage marker (_claim_names/_claim_sources, or hasgroups in the implicit flow) means too many groups for the token: configure createMicrosoftGraphGroupsResolver, which asks Graph for them by the token’s oid. Map the GUIDs to your org group names with valueMapping.aliases.',
  },
  atProvider: [
    'App registration → Token configuration → Add groups claim (Security groups, or Groups assigned to the application to stay under the limit), for the ID token.',
    'Keep the default Group ID format and map GUIDs to names with valueMapping.aliases, or choose sAMAccountName / cloud-only display names where available.',
    'For overage resolution, give the resolver’s app Microsoft Graph read access to the user’s group memberships (an application permission for other users’ memberships: Microsoft lists User.Read.All as the least privileged, GroupMember.Read.All among the others), and request the profile scope so that the ID token carries oid.',
  ],
  references: [
    {
      title: 'List a user’s memberships (direct and transitive)',
      url: 'https://learn.microsoft.com/graph/api/user-list-transitivememberof',
      facts:
        'GET /users/{id}/transitiveMemberOf, cast to microsoft.graph.group, $select supported; pages of 100 by default, @odata.nextLink to the next',
    },
    {
      title: 'Configure group claims for applications by using Microsoft Entra ID',
      url: 'https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-group-claims',
      facts:
        'groups are object ids by default (sAMAccountName/SID for synced groups, display names for cloud-only groups); at most 200 groups in a JWT, beyond which the claim is left out',
    },
    {
      title: 'SAML token claims reference (groups, groups:src1 overage indicator)',
      url: 'https://learn.microsoft.com/entra/identity-platform/reference-saml-tokens',
      facts:
        'over the limit an overage claim points at a Graph endpoint for the user’s group list (user: getMemberObjects)',
    },
    {
      title:
        'How to get the signed-in user group list when a group overage claim is displayed in access tokens',
      url: 'https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/get-signed-in-users-groups-in-access-token',
      facts:
        'the overage is resolved through Microsoft Graph; the groups claim of a client app is configured for the ID token',
    },
    {
      title: 'MongoDB SERVER-105483 quoting Microsoft’s groups claim documentation',
      url: 'https://jira.mongodb.org/browse/SERVER-105483',
      facts:
        'in the implicit flow the overage is signalled by hasgroups instead of the groups claim',
    },
  ],
})
