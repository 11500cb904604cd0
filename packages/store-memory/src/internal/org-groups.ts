import { sliceKey, type StoredGroup } from '@groupsync/core'

/** A group as the memory store keeps it: its name and creation time (epoch milliseconds). */
export interface GroupRecord {
  readonly name: string
  readonly createdAt: number
}

const NO_IDS: ReadonlySet<string> = new Set()

/** A group record as the ports show it: a new object each time. */
export const storedGroup = (orgId: string, id: string, record: GroupRecord): StoredGroup => ({
  orgId,
  id,
  name: record.name,
  createdAt: new Date(record.createdAt),
})

/**
 * An organisation's groups by id, with the index a login reads them through: for each slice key
 * (`sliceKey(name)`, rule 11), the ids of the groups that have it. A login finds the groups of its
 * claim in time proportional to the claim, whatever the size of the organisation, and a name
 * check looks at the groups of one key only. Only `set` and `delete` change the groups, and each
 * updates the index with them, so no path can leave the index behind. The maps are private:
 * what reads a group goes through these methods, and only {@link OrgGroups.entries} walks them
 * all (listings do; a login never does).
 */
export class OrgGroups {
  readonly #byId = new Map<string, GroupRecord>()
  readonly #byKey = new Map<string, Set<string>>()

  /** How many groups the organisation has. */
  get size(): number {
    return this.#byId.size
  }

  get(id: string): GroupRecord | undefined {
    return this.#byId.get(id)
  }

  /** The ids of the groups whose slice key is `key` (empty when none). */
  idsWithKey(key: string): ReadonlySet<string> {
    return this.#byKey.get(key) ?? NO_IDS
  }

  /**
   * The id of the group named exactly `name`, if any. Equal names have equal slice keys, so only
   * the groups of that key are compared.
   */
  idNamed(name: string): string | undefined {
    for (const id of this.idsWithKey(sliceKey(name))) {
      if (this.#byId.get(id)?.name === name) return id
    }
    return undefined
  }

  /** Every group, in no particular order: for listings, never for a login. */
  entries(): IterableIterator<[string, GroupRecord]> {
    return this.#byId.entries()
  }

  /** Adds a group, or replaces one (a rename), moving it to its new name's key. */
  set(id: string, record: GroupRecord): void {
    const before = this.#byId.get(id)
    if (before !== undefined) this.#unindex(id, before.name)
    this.#byId.set(id, record)
    const key = sliceKey(record.name)
    const ids = this.#byKey.get(key)
    if (ids === undefined) this.#byKey.set(key, new Set([id]))
    else ids.add(id)
  }

  /** Removes a group from the groups and from the index; false when there was none. */
  delete(id: string): boolean {
    const before = this.#byId.get(id)
    if (before === undefined) return false
    this.#unindex(id, before.name)
    return this.#byId.delete(id)
  }

  #unindex(id: string, name: string): void {
    const key = sliceKey(name)
    const ids = this.#byKey.get(key)
    ids?.delete(id)
    // An emptied key is dropped, so the index never outgrows the groups.
    if (ids?.size === 0) this.#byKey.delete(key)
  }
}
