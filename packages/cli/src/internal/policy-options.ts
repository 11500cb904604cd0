import { PROVIDER_PRESET_NAMES, type GroupsClaimOptions } from '@groupsync/claims'
import { SyncPolicyCodec, type MassRemovalGuard, type SyncPolicy } from '@groupsync/sync'
import { keysOf, numberOption, oneOf } from './command.js'
import { ClaimSourcesCodec, RemovalModeCodec } from './input-codecs.js'
import { readJsonFile } from './json-input.js'

/** The claim and policy options `sync` and `plan` share, for `parseArgs`. */
export const POLICY_OPTIONS = {
  policy: { type: 'string' },
  preset: { type: 'string' },
  'claim-path': { type: 'string' },
  'claim-sources': { type: 'string' },
  absent: { type: 'string' },
  'removal-mode': { type: 'string' },
  'max-removals': { type: 'string' },
  'max-removal-percent': { type: 'string' },
} as const

/** The claim and policy part of `sync` and `plan`'s `--help`. */
export const POLICY_HELP = `Claim and policy (the org's SyncPolicy; the options override the file's fields):
  --policy FILE               the org's policy as JSON: { "preset", "absent", "overage",
                              "removalMode", "staleLogin", "massRemovalGuard", "claimsOptions" }
  --preset NAME               the identity provider's preset: its claim options and policy
                              defaults (entra-id, okta, keycloak, auth0, cognito, zitadel, gitlab,
                              google-workspace, authentik, lemonldap-ng); the options below
                              override it
  --claim-path PATH           where the groups are (default groups): name, dotted path, JSON Pointer
  --claim-sources SOURCES     id_token, userinfo or id_token_then_userinfo (default)
  --absent POLICY             a missing claim: empty (default), keep or deny
  --removal-mode MODE         authoritative (default) or sync-owned
  --max-removals N            refuse a sync removing more than N memberships
  --max-removal-percent P     refuse a sync removing more than P% of the memberships`

/** The parsed claim and policy options. */
export type PolicyValues = { readonly [K in keyof typeof POLICY_OPTIONS]?: string | undefined }

const given = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/**
 * The org's policy from `--policy FILE` (decoded with the sync's `SyncPolicyCodec`) with the
 * options over it, field by field (the guard's limits and the claims options each merged). The
 * CLI only assembles it: the sync resolves it against the preset and the defaults, and decides.
 */
export async function readPolicyOptions(
  command: string,
  values: PolicyValues,
  cwd: string,
): Promise<SyncPolicy> {
  const preset = oneOf(command, values.preset, 'preset', PROVIDER_PRESET_NAMES)
  const sources = oneOf(
    command,
    values['claim-sources'],
    'claim-sources',
    keysOf(ClaimSourcesCodec),
  )
  const absent = oneOf(command, values.absent, 'absent', ['empty', 'keep', 'deny'] as const)
  const removalMode = oneOf(
    command,
    values['removal-mode'],
    'removal-mode',
    keysOf(RemovalModeCodec),
  )
  const maxRemovals = numberOption(command, values['max-removals'], 'max-removals')
  const maxRemovalPercent = numberOption(
    command,
    values['max-removal-percent'],
    'max-removal-percent',
  )
  const file: SyncPolicy =
    values.policy === undefined
      ? {}
      : await readJsonFile(SyncPolicyCodec, values.policy, cwd, {
          label: 'the policy (--policy)',
          option: 'policy',
        })

  const claimsOptions: GroupsClaimOptions = {
    ...file.claimsOptions,
    ...given('path', values['claim-path']),
    ...given('sources', sources),
  }
  const guard: MassRemovalGuard = {
    ...file.massRemovalGuard,
    ...given('maxRemovals', maxRemovals),
    ...given('maxRemovalPercent', maxRemovalPercent),
  }
  return {
    ...file,
    ...given('preset', preset),
    ...given('absent', absent),
    ...given('removalMode', removalMode),
    ...(Object.keys(guard).length === 0 ? {} : { massRemovalGuard: guard }),
    ...(Object.keys(claimsOptions).length === 0 ? {} : { claimsOptions }),
  }
}
