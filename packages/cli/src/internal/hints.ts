/**
 * What to do about an error, by code, where the message alone does not say it for a CLI user.
 * Messages already say what to do; these add the CLI's own way to do it.
 */
const HINTS: Readonly<Record<string, string>> = {
  CLI_USAGE: 'fix the command line; every command has --help.',
  STORE_UNAVAILABLE:
    'check --database-url (or GROUPSYNC_DATABASE_URL) and that the server is up, or that the --data-dir is not in use by another process; run `groupsync migrate` on a new database.',
  GROUP_NOT_FOUND: 'list the groups with `groupsync groups list --org ORG`.',
  GROUP_NAME_TAKEN: 'pick another name; `groupsync groups list --org ORG` shows the names in use.',
  MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED:
    'change the group at the identity provider, or turn mapping off first with `groupsync mapping off --org ORG`.',
  ID_TOKEN_INVALID:
    'check --issuer, --client-id and --algorithm against the provider, and that the token has not expired.',
  MASS_REMOVAL_GUARD_TRIPPED:
    'check the user at the provider; if the removal is intended, run again with a higher --max-removals / --max-removal-percent.',
  GROUPS_CLAIM_OVERAGE_UNRESOLVED:
    'pass the access token with --access-token so the claim source can be fetched, or limit the groups the provider sends.',
}

/** The CLI's hint for an error code, if it has one. */
export const hintFor = (code: string): string | undefined => HINTS[code]
