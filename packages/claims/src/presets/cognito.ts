import { definePreset } from './provider-preset.js'

/** Amazon Cognito user pools: `cognito:groups` in the ID (and access) token, an array of names. */
export const cognitoPreset = definePreset({
  name: 'cognito',
  provider: 'Amazon Cognito',
  claimsOptions: { path: 'cognito:groups', sources: 'id_token' },
  // A user in no group gets no cognito:groups claim.
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'User pool → Groups: create the groups and add users (AdminAddUserToGroup).',
    'Nothing else: the ID token carries cognito:groups for a user in at least one group.',
  ],
  references: [
    {
      title: 'Understanding the identity (ID) token - Amazon Cognito',
      url: 'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html',
      facts: 'the ID token payload carries cognito:groups, an array of the user’s group names',
    },
    {
      title: 'aws cognito-idp admin-add-user-to-group',
      url: 'https://docs.aws.amazon.com/cli/latest/reference/cognito-idp/admin-add-user-to-group.html',
      facts: 'a user in a group gets a cognito:groups claim in the access and identity tokens',
    },
  ],
})
