import { parseArgs } from 'node:util'
import { extractGroupsClaim } from '@groupsync/claims'
import { computeMembershipDiff, type MembershipSource, type OrgGroup } from '@groupsync/core'
import { explainMembershipDiff } from '@groupsync/sync'
import { CliError } from '../internal/cli-error.js'
import { oneOf, parseCommand, required, type Command } from '../internal/command.js'
import { readJsonFile } from '../internal/read-json.js'
import { renderTable } from '../internal/table.js'

const HELP = `Usage: groupsync plan --claims FILE --org-groups FILE --current FILE [options]

Shows what a login would change, from JSON files, without any store: the pure diff of
computeMembershipDiff with the reason for each add and remove.

Files:
  --claims FILE        the claim: a JSON array of group names, or an object of ID token
                       claims (the groups are read at --claim-path)
  --org-groups FILE    the organisation's groups: [{ "id": "g1", "name": "dev" }, …]
  --current FILE       the user's memberships now: ["g1", …], or
                       [{ "groupId": "g1", "source": "manual" }, …] for --removal-mode sync-owned

Options:
  --match MODE         exact (default) or case-insensitive
  --claim-path PATH    where the groups are in a claims object (default: groups)
  --removal-mode MODE  authoritative (default) or sync-owned
  --json               print the plan as JSON
  -h, --help           show this help

Exit codes: 0 planned, 2 usage error, 3 a file is unreadable or not the expected JSON.`

const what = {
  claims: 'the claim (--claims)',
  groups: 'the org groups (--org-groups)',
  current: 'the current memberships (--current)',
}

function invalid(path: string, message: string): CliError {
  return new CliError('CLI_INPUT_INVALID', `${message}; fix the file.`, { path })
}

function readClaimGroups(
  value: unknown,
  path: string,
  claimPath: string | undefined,
): {
  readonly groups: readonly string[]
  readonly absent: boolean
} {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) {
      throw invalid(path, `${what.claims} must be an array of strings or a claims object`)
    }
    return { groups: value, absent: false }
  }
  if (value === null || typeof value !== 'object') {
    throw invalid(path, `${what.claims} must be an array of strings or a claims object`)
  }
  const read = extractGroupsClaim(
    { idTokenClaims: value as Record<string, unknown> },
    claimPath === undefined ? { sources: 'id_token' } : { sources: 'id_token', path: claimPath },
  )
  if (read._tag === 'Left') {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `${what.claims} cannot be read: ${read.left.code}: ${read.left.message}`,
      { path, cause: read.left },
    )
  }
  const state = read.right
  if (state.state === 'present') return { groups: state.groups, absent: false }
  if (state.state === 'absent') return { groups: [], absent: true }
  throw invalid(
    path,
    `${what.claims} is ${state.state === 'overage' ? 'an overage (the provider left the groups out)' : `over the limits (${state.reason})`}, which a sync would deny`,
  )
}

function readGroups(value: unknown, path: string): OrgGroup[] {
  const ok =
    Array.isArray(value) &&
    value.every(
      (g: unknown) =>
        g !== null &&
        typeof g === 'object' &&
        typeof (g as OrgGroup).id === 'string' &&
        typeof (g as OrgGroup).name === 'string',
    )
  if (!ok) throw invalid(path, `${what.groups} must be an array of { "id", "name" } strings`)
  return value as OrgGroup[]
}

function readCurrent(value: unknown, path: string): Map<string, MembershipSource> {
  const error = invalid(
    path,
    `${what.current} must be an array of group ids, or of { "groupId", "source": "sync" | "manual" }`,
  )
  if (!Array.isArray(value)) throw error
  const sources = new Map<string, MembershipSource>()
  for (const entry of value as unknown[]) {
    if (typeof entry === 'string') {
      sources.set(entry, 'sync')
      continue
    }
    const m = entry as { groupId?: unknown; source?: unknown } | null
    if (m === null || typeof m !== 'object' || typeof m.groupId !== 'string') throw error
    if (m.source !== 'sync' && m.source !== 'manual') throw error
    sources.set(m.groupId, m.source)
  }
  return sources
}

/** `groupsync plan`: the pure diff from JSON files, as a table or JSON. */
export const planCommand: Command = {
  name: 'plan',
  help: HELP,
  run: async (args, ctx) => {
    const { values } = parseCommand('plan', () =>
      parseArgs({
        args: [...args],
        options: {
          claims: { type: 'string' },
          'org-groups': { type: 'string' },
          current: { type: 'string' },
          match: { type: 'string' },
          'claim-path': { type: 'string' },
          'removal-mode': { type: 'string' },
          json: { type: 'boolean' },
        },
        strict: true,
      }),
    )
    const claimsPath = required('plan', values.claims, 'claims')
    const groupsPath = required('plan', values['org-groups'], 'org-groups')
    const currentPath = required('plan', values.current, 'current')
    const match = oneOf('plan', values.match, 'match', ['exact', 'case-insensitive'] as const)
    const removalMode = oneOf('plan', values['removal-mode'], 'removal-mode', [
      'authoritative',
      'sync-owned',
    ] as const)

    const claim = readClaimGroups(
      await readJsonFile(claimsPath, ctx.cwd, what.claims),
      claimsPath,
      values['claim-path'],
    )
    const groups = readGroups(await readJsonFile(groupsPath, ctx.cwd, what.groups), groupsPath)
    const sources = readCurrent(await readJsonFile(currentPath, ctx.cwd, what.current), currentPath)

    const diff = computeMembershipDiff(claim.groups, groups, [...sources.keys()], {
      match: match ?? 'exact',
    })
    const explained = explainMembershipDiff(diff, {
      claimGroups: claim.groups,
      match: match ?? 'exact',
      removalMode: removalMode ?? 'authoritative',
      membershipSources: sources,
      claimAbsent: claim.absent,
    })

    if (values.json === true) {
      ctx.out(
        JSON.stringify(
          {
            toAdd: diff.toAdd,
            toRemove: explained.toRemove,
            keptManual: explained.keptManual,
            unchanged: diff.unchanged,
            unmatchedClaims: diff.unmatchedClaims,
            caseOnlyMatches: diff.caseOnlyMatches,
            steps: explained.steps.map((s) => ({
              action: s.action,
              groupId: s.group.id,
              groupName: s.group.name,
              reason: s.reason,
            })),
            notes: explained.notes,
          },
          null,
          2,
        ),
      )
      return 0
    }
    const kept =
      explained.keptManual.length === 0 ? '' : `, ${explained.keptManual.length} kept (manual)`
    ctx.out(
      `Plan: ${diff.toAdd.length} to add, ${explained.toRemove.length} to remove${kept}, ${diff.unchanged.length} unchanged; ${diff.unmatchedClaims.length} claim entries match no group.`,
      '',
    )
    if (explained.steps.length === 0)
      ctx.out('Nothing to change: the user is in no org group and the claim names none.')
    else {
      ctx.out(
        ...renderTable(
          ['action', 'group', 'id', 'why'],
          explained.steps.map((s) => [s.action, s.group.name, s.group.id, s.reason]),
        ),
      )
    }
    if (explained.notes.length > 0) ctx.out('', 'Notes:', ...explained.notes.map((n) => `  - ${n}`))
    return 0
  },
}
