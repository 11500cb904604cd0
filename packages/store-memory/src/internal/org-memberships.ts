import type { Membership, MembershipSource } from '@groupsync/core'

/** A membership as the memory store keeps it, under its user and group ids. */
export interface MemberRecord {
  readonly source: MembershipSource
  readonly createdAt: number
}

const NO_MEMBERSHIPS: ReadonlyMap<string, MemberRecord> = new Map()

/** A membership record as the ports show it: a new object each time. */
export const membership = (
  orgId: string,
  groupId: string,
  userId: string,
  record: MemberRecord,
): Membership => ({
  orgId,
  groupId,
  userId,
  source: record.source,
  createdAt: new Date(record.createdAt),
})

/**
 * An organisation's memberships, by user and by group. A user's memberships are never edited in
 * place: a unit of work builds the new map off to the side and {@link OrgMemberships.replaceUser}
 * publishes it in one synchronous step, so nobody sees half a unit of work. The by-group index
 * keeps a group's listing and deletion in proportion to its members, not to the organisation.
 */
export class OrgMemberships {
  /** userId → groupId → membership; a user with none has no entry. */
  readonly #byUser = new Map<string, ReadonlyMap<string, MemberRecord>>()
  /** groupId → userId → membership; a group with no members has no entry. */
  readonly #byGroup = new Map<string, Map<string, MemberRecord>>()

  /** The user's memberships by group id. Read-only: copy it to build a change. */
  ofUser(userId: string): ReadonlyMap<string, MemberRecord> {
    return this.#byUser.get(userId) ?? NO_MEMBERSHIPS
  }

  /** The group's memberships by user id. */
  ofGroup(groupId: string): ReadonlyMap<string, MemberRecord> {
    return this.#byGroup.get(groupId) ?? NO_MEMBERSHIPS
  }

  /**
   * Makes `next` the user's memberships, in time proportional to the user's memberships before
   * and after. The map is kept as it is given: the caller must not change it afterwards.
   */
  replaceUser(userId: string, next: ReadonlyMap<string, MemberRecord>): void {
    const before = this.ofUser(userId)
    for (const groupId of before.keys()) {
      if (!next.has(groupId)) this.#unlink(groupId, userId)
    }
    for (const [groupId, record] of next) {
      if (before.get(groupId) === record) continue
      const members = this.#byGroup.get(groupId)
      if (members === undefined) this.#byGroup.set(groupId, new Map([[userId, record]]))
      else members.set(userId, record)
    }
    if (next.size === 0) this.#byUser.delete(userId)
    else this.#byUser.set(userId, next)
  }

  /** Removes every membership of a group (the group is being deleted). */
  deleteGroup(groupId: string): void {
    const members = this.#byGroup.get(groupId)
    if (members === undefined) return
    this.#byGroup.delete(groupId)
    for (const userId of members.keys()) {
      const rest = new Map(this.ofUser(userId))
      rest.delete(groupId)
      if (rest.size === 0) this.#byUser.delete(userId)
      else this.#byUser.set(userId, rest)
    }
  }

  #unlink(groupId: string, userId: string): void {
    const members = this.#byGroup.get(groupId)
    members?.delete(userId)
    if (members?.size === 0) this.#byGroup.delete(groupId)
  }
}
