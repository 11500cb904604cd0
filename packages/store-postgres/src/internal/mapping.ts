import { StoreError, type IdKind, type StoreLimits } from '@groupsync/core'
import type { SqlQueryable } from '../sql-client.js'
import { checkTables, type ColumnValue, type TablesDescription } from '../tables.js'
import { text } from './rows.js'

// A description of groups and memberships tables, resolved against the database into the pieces
// of SQL the statements are built from. The store's own default tables are described the same
// way, so one set of statements serves groupsync's tables and an application's.

/** A column an insert sets besides the ones the store knows. */
export interface ExtraColumn {
  readonly column: string
  /** The SQL of its value, or a function whose value goes as a parameter. */
  readonly value: { readonly sql: string } | { readonly fn: () => unknown; readonly type: string }
}

/** One table as the statements use it: every identifier quoted. */
interface MappedTable {
  /** The table, for INSERT, UPDATE and DELETE. */
  readonly table: string
  /** The table as a row source: itself, or the rows that meet its `where`. */
  readonly rows: string
  readonly where: string | null
  readonly created: string | null
  readonly extra: readonly ExtraColumn[]
}

export interface Mapping {
  /** groupsync's own schema, quoted. */
  readonly q: string
  readonly layout: 'default' | 'mapped'
  readonly limits: StoreLimits
  readonly groups: MappedTable & {
    readonly id: string
    readonly org: string
    readonly name: string
  }
  readonly members: MappedTable & {
    readonly group: string
    readonly user: string
    readonly org: string | null
    /** The source column and its two values as SQL literals; null: groupsync's own table. */
    readonly source: {
      readonly column: string
      readonly sync: string
      readonly manual: string
    } | null
  }
}

/** A quoted identifier; a qualified name quoted part by part. */
export const ident = (name: string): string =>
  name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.')

/** A SQL string literal of any text, whatever `standard_conforming_strings` says. */
export const literal = (value: string): string =>
  `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

const KIND_TYPES: Readonly<Record<IdKind, string>> = {
  text: 'text',
  uuid: 'uuid',
  integer: 'integer',
  bigint: 'bigint',
}

/** A parameter `$n` (sent as text) as a value of the kind's column type, or an array of them. */
export const asKind = (kind: IdKind, param: string, array = false): string => {
  const type = KIND_TYPES[kind]
  return kind === 'text'
    ? `${param}::text${array ? '[]' : ''}`
    : `${param}::text${array ? '[]' : ''}::${type}${array ? '[]' : ''}`
}

const rowsOf = (table: string, where: string | null): string =>
  where === null ? table : `(SELECT * FROM ${table} WHERE (${where}))`

/**
 * The longest name a table without a tighter limit keeps: 4 KiB holds any name of the 1,024
 * characters a claim entry may have by default (rule C7), and bounds what a fold costs.
 */
const NAME_BYTES = 4_096

/** The limits and layout of groupsync's own tables: text ids, names up to 4 KiB. */
export const defaultMapping = (q: string): Mapping => ({
  q,
  layout: 'default',
  limits: { maxNameBytes: NAME_BYTES, ids: { org: 'text', user: 'text', group: 'text' } },
  groups: {
    table: `${q}.org_groups`,
    rows: `${q}.org_groups`,
    where: null,
    created: '"created_at"',
    extra: [],
    id: '"id"',
    org: '"org_id"',
    name: '"name"',
  },
  members: {
    table: `${q}.memberships`,
    rows: `${q}.memberships`,
    where: null,
    created: '"created_at"',
    extra: [],
    group: '"group_id"',
    user: '"user_id"',
    org: '"org_id"',
    source: { column: '"source"', sync: `'sync'`, manual: `'manual'` },
  },
})

/** A btree index entry holds about 2,700 bytes; a name in one keeps well under it. */
const BTREE_NAME_BYTES = 2_000

interface ColumnInfo {
  readonly type: string
  readonly base: string
  readonly length: number | null
  readonly btree: boolean
}

/** Every column of a table: its type, varchar length, and whether a btree index holds it. */
const COLUMNS = `SELECT json_object_agg(a.attname, json_build_array(
    format_type(a.atttypid, a.atttypmod), t.typname,
    CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 END,
    EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
      WHERE i.indrelid = a.attrelid AND am.amname = 'btree' AND a.attnum = ANY(i.indkey))
  ))::text AS columns
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`

const KINDS: Readonly<Record<string, IdKind>> = {
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  uuid: 'uuid',
  int4: 'integer',
  int8: 'bigint',
}

const columnsOf = async (
  db: SqlQueryable,
  table: string,
  path: string,
): Promise<ReadonlyMap<string, ColumnInfo>> => {
  const row = (await db.query(COLUMNS, [ident(table)])).rows[0]
  if (row?.columns === null || row?.columns === undefined) {
    throw new StoreError(
      'STORE_INVALID_INPUT',
      `tables${path}: the database has no table ${ident(table)} (on the search path); check the name and the database.`,
      { path: `/tables${path}`, value: table },
    )
  }
  const parsed = JSON.parse(text(row.columns)) as Record<
    string,
    [string, string, number | null, boolean]
  >
  return new Map(
    Object.entries(parsed).map(([name, [type, base, length, btree]]) => [
      name,
      { type, base, length, btree },
    ]),
  )
}

/**
 * Resolves a description against the database: checks it, finds each named column, the kind of
 * each id column and the longest name the table keeps.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` naming the description's JSON Pointer
 */
export const resolveMapping = async (
  db: SqlQueryable,
  q: string,
  description: unknown,
): Promise<Mapping> => {
  const tables: TablesDescription = checkTables(description)
  const { groups: g, memberships: m } = tables
  const gColumns = await columnsOf(db, g.table, '/groups/table')
  const mColumns = await columnsOf(db, m.table, '/memberships/table')
  const column = (columns: ReadonlyMap<string, ColumnInfo>, name: string, path: string) => {
    const info = columns.get(name)
    if (info === undefined) {
      throw new StoreError(
        'STORE_INVALID_INPUT',
        `tables${path}: the table has no column ${ident(name)}; the columns are ${[...columns.keys()].join(', ')}.`,
        { path: `/tables${path}`, value: name },
      )
    }
    return info
  }
  const kind = (columns: ReadonlyMap<string, ColumnInfo>, name: string, path: string): IdKind => {
    const info = column(columns, name, path)
    const k = KINDS[info.base]
    if (k === undefined) {
      throw new StoreError(
        'STORE_INVALID_INPUT',
        `tables${path}: column ${ident(name)} is ${info.type}; ids must be text, varchar, uuid, integer or bigint.`,
        { path: `/tables${path}`, value: info.type },
      )
    }
    return k
  }
  /**
   * The columns an insert sets besides the store's own: those of `values`, and the creation
   * time, which the store writes itself as the transaction's time — the time its audit log
   * records for the same change, so that the log replays to what the table holds.
   */
  const extra = (
    columns: ReadonlyMap<string, ColumnInfo>,
    given: Readonly<Record<string, ColumnValue>> | undefined,
    created: string | undefined,
    path: string,
  ): ExtraColumn[] => {
    if (created !== undefined && given !== undefined && created in given) {
      throw new StoreError(
        'STORE_INVALID_INPUT',
        `tables${path}/${created}: the store writes the creation time itself (the transaction's time, as its audit log records it); leave it out of values.`,
        { path: `/tables${path}/${created}` },
      )
    }
    return [
      ...Object.entries(given ?? {}).map(([name, value]) => ({
        column: ident(name),
        value:
          typeof value === 'function'
            ? { fn: value, type: column(columns, name, `${path}/${name}`).type }
            : { sql: value },
      })),
      ...(created === undefined ? [] : [{ column: ident(created), value: { sql: 'now()' } }]),
    ]
  }
  const ids = {
    org: kind(gColumns, g.org, '/groups/org'),
    user: kind(mColumns, m.user, '/memberships/user'),
    group: kind(gColumns, g.id, '/groups/id'),
  }
  kind(mColumns, m.group, '/memberships/group')
  if (m.org !== undefined) kind(mColumns, m.org, '/memberships/org')
  const name = column(gColumns, g.name, '/groups/name')
  const time = (columns: ReadonlyMap<string, ColumnInfo>, name: string, path: string): void => {
    const info = column(columns, name, path)
    if (!['timestamptz', 'timestamp', 'date'].includes(info.base)) {
      throw new StoreError(
        'STORE_INVALID_INPUT',
        `tables${path}: column ${ident(name)} is ${info.type}; a creation time must be a timestamp or a date.`,
        { path: `/tables${path}`, value: info.type },
      )
    }
  }
  if (g.createdAt !== undefined) time(gColumns, g.createdAt, '/groups/createdAt')
  if (m.createdAt !== undefined) time(mColumns, m.createdAt, '/memberships/createdAt')
  if (m.source !== undefined) column(mColumns, m.source.column, '/memberships/source/column')
  const maxNameBytes = Math.min(
    g.maxNameBytes ?? Number.POSITIVE_INFINITY,
    name.length ?? Number.POSITIVE_INFINITY,
    name.btree ? BTREE_NAME_BYTES : NAME_BYTES,
  )
  return {
    q,
    layout: 'mapped',
    limits: { maxNameBytes, ids },
    groups: {
      table: ident(g.table),
      rows: rowsOf(ident(g.table), g.where ?? null),
      where: g.where ?? null,
      created: g.createdAt === undefined ? null : ident(g.createdAt),
      extra: extra(gColumns, g.values, g.createdAt, '/groups/values'),
      id: ident(g.id),
      org: ident(g.org),
      name: ident(g.name),
    },
    members: {
      table: ident(m.table),
      rows: rowsOf(ident(m.table), m.where ?? null),
      where: m.where ?? null,
      created: m.createdAt === undefined ? null : ident(m.createdAt),
      extra: extra(mColumns, m.values, m.createdAt, '/memberships/values'),
      group: ident(m.group),
      user: ident(m.user),
      org: m.org === undefined ? null : ident(m.org),
      source:
        m.source === undefined
          ? null
          : {
              column: ident(m.source.column),
              sync: literal(m.source.sync),
              manual: literal(m.source.manual),
            },
    },
  }
}
