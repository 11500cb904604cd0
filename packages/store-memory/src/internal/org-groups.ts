import {
  compareGroups,
  indexOrgGroups,
  type OrgGroupIndex,
  type StoredGroup,
} from '@groupsync/core'

/** A group as the memory store keeps it. */
export interface GroupRecord {
  readonly name: string
  readonly createdAt: number
}

/** What every sync of one version of an organisation's groups reads. */
export interface GroupsView {
  /** The groups ordered by name, then id; frozen, shared by the snapshots of this version. */
  readonly groups: readonly StoredGroup[]
  /** Their index, for the diff: rule 8 checked and the lookups built once per version. */
  readonly index: OrgGroupIndex<StoredGroup>
  /** Their ids, for checking a sync's changes. */
  readonly ids: ReadonlySet<string>
}

const view = (groups: readonly StoredGroup[]): GroupsView => {
  const index = indexOrgGroups(groups)
  return { groups: index.groups, index, ids: new Set(index.groups.map((g) => g.id)) }
}

/** The view of an organisation with no groups. */
export const EMPTY_GROUPS_VIEW: GroupsView = view([])

/**
 * An organisation's groups by id, which keeps the {@link GroupsView} of its current version until
 * the next change: a login then costs time in proportion to its claim and memberships, not to
 * the organisation, where building the sorted groups, their ids and the diff's lookups at every
 * login cost as much as everything else together. Every `set`, `delete` and `clear` drops the
 * view, so no path that changes the groups can leave a stale one behind.
 */
export class OrgGroups extends Map<string, GroupRecord> {
  #view: GroupsView | undefined

  override set(id: string, record: GroupRecord): this {
    this.#view = undefined
    return super.set(id, record)
  }

  override delete(id: string): boolean {
    this.#view = undefined
    return super.delete(id)
  }

  override clear(): void {
    this.#view = undefined
    super.clear()
  }

  /** The view of the groups as they are now, built on the first call after a change. */
  view(orgId: string): GroupsView {
    this.#view ??= view(
      Array.from(this, ([id, g]) =>
        Object.freeze({ orgId, id, name: g.name, createdAt: new Date(g.createdAt) }),
      ).sort(compareGroups),
    )
    return this.#view
  }
}
