import type { StoredGroup } from '@groupsync/core'
import type { SyncResult } from '@groupsync/sync'
import { list, renderTable } from './table.js'

const names = (groups: readonly StoredGroup[]): string[] => groups.map((g) => g.name)

/** The names of the groups a user is in after a sync, from the names before and the result. */
export function groupsAfter(before: readonly string[], result: SyncResult): string[] {
  if (result.status !== 'synced') return [...before]
  const removed = new Set(names(result.removed))
  return [...before.filter((n) => !removed.has(n)), ...names(result.added)].sort()
}

/** One row of the before/after table: user, before, after, added, removed, not matched. */
export function beforeAfterRow(
  userId: string,
  before: readonly string[],
  result: SyncResult,
): string[] {
  const synced = result.status === 'synced' ? result : undefined
  return [
    userId,
    list([...before].sort()),
    list(groupsAfter(before, result)),
    list(synced === undefined ? [] : names(synced.added)),
    list(synced === undefined ? [] : names(synced.removed)),
    list(synced?.unmatchedClaims ?? []),
  ]
}

/** The header of {@link beforeAfterRow}. */
export const BEFORE_AFTER_HEADER = ['user', 'before', 'after', 'added', 'removed', 'not matched']

/** A sync result in words and a table, for `groupsync sync`. */
export function renderSyncResult(orgId: string, userId: string, result: SyncResult): string[] {
  switch (result.status) {
    case 'disabled':
      return [
        result.cause === 'never-configured'
          ? `${orgId} has never been configured (no settings are stored: is the org id right?): nothing changed. Configure it with \`groupsync mapping on --org ${orgId}\`.`
          : `Mapping is off for ${orgId}: nothing changed. Turn it on with \`groupsync mapping on --org ${orgId}\`.`,
      ]
    case 'kept':
      return [
        `The login carries no groups claim and the policy keeps memberships: nothing changed.`,
      ]
    case 'stale':
      return [
        result.cause === 'issued-before-removal'
          ? `The login's token (issued ${result.tokenIssuedAt.toISOString()}) is from before ${userId} was removed from ${orgId} (${result.removedAt.toISOString()}): nothing changed.`
          : `The login's token (issued ${result.tokenIssuedAt.toISOString()}) is older than the one behind ${userId}'s last sync (${result.lastTokenIssuedAt.toISOString()}): nothing changed.`,
      ]
    case 'synced': {
      const lines = [
        `Synced ${userId} in ${orgId}: claim ${result.claim.state}${result.claim.source === null ? '' : ` from ${result.claim.source}`}, removal ${result.removalMode}.`,
        '',
        ...renderTable(
          ['group', 'change'],
          [
            ...result.added.map((g) => [g.name, 'added']),
            ...result.removed.map((g) => [g.name, 'removed']),
            ...result.keptManual.map((g) => [g.name, 'kept (manual)']),
            ...result.diff.unchanged.map((g) => [g.name, 'stays']),
          ],
        ),
      ]
      // The sync's own words for what matched nothing (unmatched entries, near misses, hints).
      if (result.notes.length > 0) lines.push('', 'Notes:', ...result.notes.map((n) => `  - ${n}`))
      return lines
    }
  }
}
