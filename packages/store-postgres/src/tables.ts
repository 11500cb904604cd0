import { StoreError } from '@groupsync/core'

/**
 * A value an insert gives a column the application requires: a SQL expression (`"now()"`,
 * `"gen_random_uuid()::text"`), or, from code, a function whose result is sent as a parameter
 * for each row (`() => randomUUID()`).
 */
export type ColumnValue = string | (() => string | number | boolean | null)

/** The application's groups table, as the store reads and writes it. */
export interface GroupsTable {
  /** The table: `name` or `schema.name`, each part exactly as spelt in the database. */
  readonly table: string
  /** The id column (text, varchar, uuid or an integer type); ids come back as strings. */
  readonly id: string
  /** The organisation column (text, varchar, uuid or an integer type). */
  readonly org: string
  /** The name column: the claim's entries are matched against it (rules 1 and 11). */
  readonly name: string
  /** The creation time column, if the table keeps one (a group's `createdAt` is null if not). */
  readonly createdAt?: string
  /** A SQL condition over this table's columns a row must meet to count (`deleted_at IS NULL`). */
  readonly where?: string
  /** Columns an insert must set that the store does not know, and their values. */
  readonly values?: Readonly<Record<string, ColumnValue>>
  /** A limit on names below what the table allows, in UTF-8 bytes. */
  readonly maxNameBytes?: number
}

/** The application's memberships table, as the store reads and writes it. */
export interface MembershipsTable {
  readonly table: string
  /** The column naming the group: the groups table's id. */
  readonly group: string
  /** The user id column (text, varchar, uuid or an integer type). */
  readonly user: string
  /** The organisation column, if the memberships table has one of its own. */
  readonly org?: string
  /** The creation time column, if the table keeps one. */
  readonly createdAt?: string
  /**
   * Where the table says who added a membership: the column, and its values for the sync and for
   * a change by hand (any other value reads as by hand). Without it, the store keeps which
   * memberships the sync added in its own table.
   */
  readonly source?: { readonly column: string; readonly sync: string; readonly manual: string }
  readonly where?: string
  readonly values?: Readonly<Record<string, ColumnValue>>
}

/**
 * The application's own groups and memberships tables, for a store that works on them in place:
 * no column added, no key to maintain. Plain JSON (SQL expressions as `values`), so a CLI reads it
 * from a file; `where` and `values` are SQL the store runs as it is, so they must come from the
 * application's configuration, never from a user.
 *
 * @example
 * ```ts
 * const tables: TablesDescription = {
 *   groups: { table: 'teams', id: 'id', org: 'org_id', name: 'display_name' },
 *   memberships: { table: 'team_members', group: 'team_id', user: 'user_id',
 *     source: { column: 'added_by', sync: 'groupsync', manual: 'admin' } },
 * }
 * ```
 */
export interface TablesDescription {
  readonly groups: GroupsTable
  readonly memberships: MembershipsTable
}

const fail = (path: string, message: string): never => {
  throw new StoreError('STORE_INVALID_INPUT', `tables${path}: ${message}`, {
    path: `/tables${path}`,
  })
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** A name of something in the database: non-empty, no NUL, within Postgres' 63 bytes a part. */
const identifier = (v: unknown, path: string, qualified = false): string => {
  if (typeof v !== 'string' || v === '' || v.includes('\u0000')) {
    return fail(path, 'must be the name of a table or column, as spelt in the database')
  }
  const parts = qualified ? v.split('.') : [v]
  if (parts.length > 2 || parts.some((p) => p === '' || new TextEncoder().encode(p).length > 63)) {
    return fail(path, `must be ${qualified ? '"name" or "schema.name", each' : ''} 1-63 bytes`)
  }
  return v
}

const sql = (v: unknown, path: string): string =>
  typeof v === 'string' && v.trim() !== '' && !v.includes('\u0000')
    ? v
    : fail(path, 'must be a SQL expression')

/** Checks one object's members against what it may hold, in order, then the rest is unknown. */
const members = (
  v: unknown,
  path: string,
  known: Readonly<Record<string, 'required' | 'optional'>>,
): Record<string, unknown> => {
  if (!isObject(v)) return fail(path, `must be an object with ${Object.keys(known).join(', ')}`)
  for (const key of Object.keys(v)) {
    if (!(key in known)) {
      fail(`${path}/${key}`, `is not a member; the members are ${Object.keys(known).join(', ')}`)
    }
  }
  for (const [key, need] of Object.entries(known)) {
    if (need === 'required' && v[key] === undefined) fail(`${path}/${key}`, 'is required')
  }
  return v
}

const values = (v: unknown, path: string): void => {
  if (v === undefined) return
  if (!isObject(v)) fail(path, 'must map column names to SQL expressions or functions')
  for (const [column, value] of Object.entries(v as object)) {
    identifier(column, `${path}/${column}`)
    if (typeof value !== 'function') sql(value, `${path}/${column}`)
  }
}

/**
 * Checks a description of the application's tables: every member known, names non-empty, values
 * of the right kind. What the database says of them (do they exist, of which types) is checked
 * when the store starts.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` with the JSON Pointer of what is wrong
 */
export const checkTables = (v: unknown): TablesDescription => {
  const t = members(v, '', { groups: 'required', memberships: 'required' })
  const g = members(t.groups, '/groups', {
    table: 'required',
    id: 'required',
    org: 'required',
    name: 'required',
    createdAt: 'optional',
    where: 'optional',
    values: 'optional',
    maxNameBytes: 'optional',
  })
  identifier(g.table, '/groups/table', true)
  for (const key of ['id', 'org', 'name', 'createdAt'] as const) {
    if (key === 'createdAt' && g[key] === undefined) continue
    identifier(g[key], `/groups/${key}`)
  }
  if (g.where !== undefined) sql(g.where, '/groups/where')
  values(g.values, '/groups/values')
  const max = g.maxNameBytes
  if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) >= 1)) {
    fail('/groups/maxNameBytes', 'must be a whole number of bytes, at least 1')
  }
  const m = members(t.memberships, '/memberships', {
    table: 'required',
    group: 'required',
    user: 'required',
    org: 'optional',
    createdAt: 'optional',
    source: 'optional',
    where: 'optional',
    values: 'optional',
  })
  identifier(m.table, '/memberships/table', true)
  for (const key of ['group', 'user', 'org', 'createdAt'] as const) {
    if ((key === 'org' || key === 'createdAt') && m[key] === undefined) continue
    identifier(m[key], `/memberships/${key}`)
  }
  if (m.source !== undefined) {
    const s = members(m.source, '/memberships/source', {
      column: 'required',
      sync: 'required',
      manual: 'required',
    })
    identifier(s.column, '/memberships/source/column')
    for (const key of ['sync', 'manual'] as const) {
      const value = s[key]
      if (typeof value !== 'string' || value.includes('\u0000')) {
        fail(`/memberships/source/${key}`, 'must be the text the column holds')
      }
    }
    if (s.sync === s.manual) fail('/memberships/source/manual', 'must differ from sync')
  }
  if (m.where !== undefined) sql(m.where, '/memberships/where')
  values(m.values, '/memberships/values')
  return v as TablesDescription
}
