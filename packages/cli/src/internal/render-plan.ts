import type { OrgGroup } from '@groupsync/core'
import type { LoginSyncError, PlannedChanges, SyncPlan } from '@groupsync/sync'
import { renderTable } from './table.js'

// Renders the sync's dry run (`planOnLogin`'s SyncPlan) for `groupsync plan` and
// `groupsync sync --dry-run`. Nothing here decides: every step, reason and note is the sync's.

const groupJson = (g: OrgGroup) => ({ id: g.id, name: g.name })

const errorJson = (error: LoginSyncError) => ({
  code: error.code,
  message: error.message,
  ...(error.path === undefined ? {} : { path: error.path }),
})

/** The changes of a plan as JSON: groups as `{ id, name }`, steps flat. */
const changesJson = (changes: PlannedChanges) => ({
  claim: changes.claim,
  removalMode: changes.removalMode,
  toAdd: changes.toAdd.map(groupJson),
  toRemove: changes.toRemove.map(groupJson),
  keptManual: changes.keptManual.map(groupJson),
  unchanged: changes.diff.unchanged.map(groupJson),
  unmatchedClaims: changes.diff.unmatchedClaims,
  caseOnlyMatches: changes.diff.caseOnlyMatches.map((m) => ({
    claim: m.claim,
    group: groupJson(m.group),
  })),
  steps: changes.steps.map((s) => ({
    action: s.action,
    groupId: s.group.id,
    groupName: s.group.name,
    reason: s.reason,
  })),
  notes: changes.notes,
})

/** The JSON shape of a plan's changes, as `--json` prints them. */
export type PlannedChangesJson = ReturnType<typeof changesJson>

/**
 * A dry run as the `--json` of `plan` and `sync --dry-run` print it: its `status`; for `planned`
 * the changes at the top level; for `denied` the `error` and, when the sync had computed them, the
 * changes it refused under `refused`; for the others the `reason` (and the claim, and the times of
 * a stale token).
 */
export function planJson(plan: SyncPlan): Readonly<Record<string, unknown>> {
  switch (plan.status) {
    case 'planned':
      return { status: plan.status, ...changesJson(plan) }
    case 'denied':
      return {
        status: plan.status,
        error: errorJson(plan.error),
        ...(plan.planned === undefined ? {} : { refused: changesJson(plan.planned) }),
      }
    case 'disabled':
    case 'kept':
    case 'stale':
      return plan
  }
}

/** The steps as a table; `withIds` adds the group ids (the plan's files name groups by id). */
function stepsTable(steps: PlannedChanges['steps'], withIds: boolean): string[] {
  if (steps.length === 0) return ['(no group changes)']
  return withIds
    ? renderTable(
        ['action', 'group', 'id', 'why'],
        steps.map((s) => [s.action, s.group.name, s.group.id, s.reason]),
      )
    : renderTable(
        ['action', 'group', 'why'],
        steps.map((s) => [s.action, s.group.name, s.reason]),
      )
}

/** One line counting a plan's changes, for `groupsync plan`. */
function changeCounts(changes: PlannedChanges): string {
  const kept = changes.keptManual.length === 0 ? '' : `, ${changes.keptManual.length} kept (manual)`
  return `${changes.toAdd.length} to add, ${changes.toRemove.length} to remove${kept}, ${changes.diff.unchanged.length} unchanged; ${changes.diff.unmatchedClaims.length} claim entries match no group.`
}

/** A dry run in words and a table, for `groupsync plan`. */
export function renderPlan(plan: SyncPlan): string[] {
  switch (plan.status) {
    case 'disabled':
    case 'kept':
    case 'stale':
      return [`Nothing would change: ${plan.reason}.`]
    case 'denied':
      return [
        `The sync would be denied: ${plan.error.code}: ${plan.error.message}`,
        ...(plan.planned === undefined
          ? []
          : [
              '',
              `It would have done: ${changeCounts(plan.planned)}`,
              '',
              ...stepsTable(plan.planned.steps, true),
            ]),
      ]
    case 'planned':
      return [
        `Plan: ${changeCounts(plan)}`,
        '',
        ...(plan.steps.length === 0
          ? ['Nothing to change: the user is in no org group and the claim names none.']
          : stepsTable(plan.steps, true)),
        ...(plan.notes.length === 0 ? [] : ['', 'Notes:', ...plan.notes.map((n) => `  - ${n}`)]),
      ]
  }
}

/** A dry run in words and a table, for `groupsync sync --dry-run`. */
export function renderSyncPlan(orgId: string, userId: string, plan: SyncPlan): string[] {
  switch (plan.status) {
    case 'disabled':
    case 'kept':
    case 'stale':
      return [`Dry run for ${userId} in ${orgId}: nothing would change; ${plan.reason}.`]
    case 'denied':
      return [
        `Dry run for ${userId} in ${orgId}: the sync would be denied (${plan.error.code}): ${plan.error.message}`,
        ...(plan.planned === undefined
          ? []
          : ['', 'It would have done:', ...stepsTable(plan.planned.steps, false)]),
      ]
    case 'planned':
      return [
        `Dry run for ${userId} in ${orgId} (nothing written):`,
        '',
        ...stepsTable(plan.steps, false),
        ...(plan.notes.length === 0 ? [] : ['', ...plan.notes.map((n) => `- ${n}`)]),
      ]
  }
}
