import { compareCodeUnits } from './compute-membership-diff.js'
import type { AuditEventInput, MembershipSource } from './ports/membership-store.port.js'

/** The group a `group.*` audit event is about. */
export interface AuditedGroup {
  readonly orgId: string
  readonly id: string
  readonly name: string
}

const withActor = (actor: string | undefined) => (actor === undefined ? {} : { actor })

// Every store writes a group change's events through these, so that the log of each store reads
// the same and a replay of it rebuilds the same groups and memberships.

/**
 * The event a store appends when it creates a group.
 *
 * @example
 * ```ts
 * groupCreatedEvent({ orgId: 'acme', id: 'g1', name: 'Admins' }, 'alice')
 * // { type: 'group.created', orgId: 'acme', groupId: 'g1', groupName: 'Admins', actor: 'alice' }
 * ```
 */
export const groupCreatedEvent = (group: AuditedGroup, actor?: string): AuditEventInput => ({
  type: 'group.created',
  orgId: group.orgId,
  groupId: group.id,
  groupName: group.name,
  ...withActor(actor),
})

/** The event a store appends when it renames a group: the new name, and the old in `detail`. */
export const groupRenamedEvent = (
  group: AuditedGroup,
  previousName: string,
  actor?: string,
): AuditEventInput => ({
  type: 'group.renamed',
  orgId: group.orgId,
  groupId: group.id,
  groupName: group.name,
  ...withActor(actor),
  detail: { previousName },
})

/**
 * The events a store appends when it deletes a group: a `membership.removed` for each member it
 * takes away, ordered by user id (UTF-16 code units), then `group.deleted`.
 */
export const groupDeletedEvents = (
  group: AuditedGroup,
  members: readonly { readonly userId: string; readonly source: MembershipSource }[],
  actor?: string,
): AuditEventInput[] => [
  ...[...members]
    .sort((a, b) => compareCodeUnits(a.userId, b.userId))
    .map((m): AuditEventInput => ({
      type: 'membership.removed',
      orgId: group.orgId,
      userId: m.userId,
      groupId: group.id,
      groupName: group.name,
      source: m.source,
      ...withActor(actor),
    })),
  {
    type: 'group.deleted',
    orgId: group.orgId,
    groupId: group.id,
    groupName: group.name,
    ...withActor(actor),
  },
]
