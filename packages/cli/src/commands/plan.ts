import type { MembershipSource, OrgSettings } from '@groupsync/core'
import { planOnLogin, type LoginSyncInput, type SyncPolicy } from '@groupsync/sync'
import { usage } from '../internal/cli-error.js'
import { keysOf, oneOf, parseCommand, required, type Command } from '../internal/command.js'
import {
  ClaimsFileCodec,
  CurrentMembershipsFileCodec,
  MatchModeCodec,
  OrgGroupsFileCodec,
  SettingsFileCodec,
  type ClaimsFile,
  type CurrentMembershipsFile,
} from '../internal/input-codecs.js'
import { readJsonFile } from '../internal/json-input.js'
import { orThrow, toJson } from '../internal/outcome.js'
import { planStore } from '../internal/plan-store.js'
import { POLICY_HELP, POLICY_OPTIONS, readPolicyOptions } from '../internal/policy-options.js'
import { planJson, renderPlan } from '../internal/render-plan.js'
import { EXIT_CODES } from '../internal/exit-codes.js'

const HELP = `Usage: groupsync plan --claims FILE --org-groups FILE --current FILE [options]

Shows what a login would change, from JSON files, without a store: it runs the sync's own dry run
(planOnLogin, as \`groupsync sync --dry-run\` does) on the files, so it decides exactly as a login
would — the claim's limits and empty entries, the absent-claim policy, the removal mode, the
mass-removal guard — and gives the reason for each change. The files hold no earlier sync, so no
token is stale here.

Files:
  --claims FILE        the claim: a JSON array of group names, or an object of ID token
                       claims (the groups are read at --claim-path, or where the policy says)
  --org-groups FILE    the organisation's groups: [{ "id": "g1", "name": "dev" }, …]
                       (the output of \`groupsync groups list --json\` will do)
  --current FILE       the user's memberships now: ["g1", …] (made by the sync), or
                       [{ "groupId": "g1", "source": "manual" }, …]
  --settings FILE      the org's settings: { "manageGroupMemberships", "matchMode" }
                       (default: mapping on, exact matching)

Options:
  --match MODE         exact or case-insensitive (over the settings' matchMode)
  --json               print the plan as JSON
  -h, --help           show this help

${POLICY_HELP}`

/** The organisation and user a plan runs as; the files describe one user of one organisation. */
export const PLAN_LOGIN = { orgId: 'plan', userId: 'user' } as const

/** What a plan assumes of the org when no settings say otherwise: mapping on, exact matching. */
const PLAN_SETTINGS: OrgSettings = { manageGroupMemberships: true, matchMode: 'exact' }

const isClaimList = (claims: ClaimsFile): claims is readonly string[] => Array.isArray(claims)

/**
 * The login the claims file stands for. An array is the claim itself: it is handed to the sync as
 * the `groups` of an ID token and read there, whatever path the policy names, with the policy's
 * other claims options (limits, delimiter, value mapping) applied as a login's would be.
 */
function claimsLogin(
  claims: ClaimsFile,
  claimPath: string | undefined,
  policy: SyncPolicy,
): { readonly input: LoginSyncInput; readonly policy: SyncPolicy } {
  if (!isClaimList(claims)) return { input: { ...PLAN_LOGIN, claims }, policy }
  if (claimPath !== undefined) {
    throw usage(
      '--claim-path reads a claims object; the --claims file holds an array, which is the claim itself.',
      'plan',
    )
  }
  return {
    input: { ...PLAN_LOGIN, claims: { groups: claims } },
    policy: {
      ...policy,
      claimsOptions: { ...policy.claimsOptions, path: 'groups', sources: 'id_token' },
    },
  }
}

/** The memberships file by group id: a bare id is a membership the sync made. */
const membershipSources = (current: CurrentMembershipsFile): Map<string, MembershipSource> =>
  new Map(
    current.map((entry) =>
      typeof entry === 'string' ? [entry, 'sync'] : [entry.groupId, entry.source],
    ),
  )

/** `groupsync plan`: the sync's dry run on a user's state read from JSON files. */
export const planCommand: Command = {
  name: 'plan',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseCommand('plan', args, {
      claims: { type: 'string' },
      'org-groups': { type: 'string' },
      current: { type: 'string' },
      settings: { type: 'string' },
      match: { type: 'string' },
      json: { type: 'boolean' },
      ...POLICY_OPTIONS,
    })
    const claimsPath = required('plan', values.claims, 'claims')
    const groupsPath = required('plan', values['org-groups'], 'org-groups')
    const currentPath = required('plan', values.current, 'current')
    const match = oneOf('plan', values.match, 'match', keysOf(MatchModeCodec))
    const orgPolicy = await readPolicyOptions('plan', values, ctx.cwd)

    const claims = await readJsonFile(ClaimsFileCodec, claimsPath, ctx.cwd, {
      label: 'the claim (--claims)',
      option: 'claims',
    })
    const groups = await readJsonFile(OrgGroupsFileCodec, groupsPath, ctx.cwd, {
      label: 'the org groups (--org-groups)',
      option: 'org-groups',
    })
    const current = await readJsonFile(CurrentMembershipsFileCodec, currentPath, ctx.cwd, {
      label: 'the current memberships (--current)',
      option: 'current',
    })
    const settings = {
      ...PLAN_SETTINGS,
      ...(values.settings === undefined
        ? {}
        : await readJsonFile(SettingsFileCodec, values.settings, ctx.cwd, {
            label: 'the settings (--settings)',
            option: 'settings',
          })),
      ...(match === undefined ? {} : { matchMode: match }),
    }

    const login = claimsLogin(claims, values['claim-path'], orgPolicy)
    const store = planStore({
      ...PLAN_LOGIN,
      settings,
      groups,
      memberships: membershipSources(current),
    })
    const plan = orThrow(await planOnLogin(login.input, { store, policy: () => login.policy })())
    ctx.out(values.json === true ? toJson(planJson(plan)) : renderPlan(plan).join('\n'))
    return EXIT_CODES.ok
  },
}
