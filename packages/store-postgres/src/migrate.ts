import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { StoreError } from '@groupsync/core'
import { applicationDdl } from './internal/application-ddl.js'
import { mapPgError } from './internal/map-pg-error.js'
import { jsonRows } from './internal/rows.js'
import { defaultMapping, resolveMapping } from './internal/mapping.js'
import { DEFAULT_SCHEMA, quoteSchema } from './internal/schema-name.js'
import { foldedHash, sliceFoldFunctionSql } from './internal/slice-fold.js'
import type { SqlClient, SqlTransaction } from './sql-client.js'
import type { TablesDescription } from './tables.js'

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema of groupsync's own tables, created if need be; default `groupsync`. */
  readonly schema?: string
  /**
   * The application's own groups and memberships tables (as the store is given them): the schema
   * then holds only groupsync's own tables, and the application's are read, never changed,
   * unless asked below.
   */
  readonly tables?: TablesDescription
  /**
   * Also create, on the application's tables, the indexes that keep a login's cost flat: the
   * groups' folded names (rule 11) and the memberships by user. They lock the tables' writes
   * while they are built; on a large live table build them yourself first with CREATE INDEX
   * CONCURRENTLY, as the README shows (migrate then finds them there). Default false.
   */
  readonly applicationIndexes?: boolean
  /**
   * Enforce the manual-change lock in the database: a trigger on the memberships table refuses
   * an insert, delete or move of a membership while its organisation's mapping is on, unless the
   * store makes it; for applications whose own code writes memberships directly. Default false.
   */
  readonly enforceLock?: boolean
  /**
   * Create a new schema of groupsync's default tables hash-partitioned by `org_id` into this many
   * partitions each: the shape a distributed PostgreSQL needs (docs/distributed.md). Only for a
   * schema that does not exist yet.
   */
  readonly partitions?: number
}

/** What {@link migrate} did. */
export interface MigrationResult {
  readonly schema: string
  /** File names of the migrations applied by this call, in order; empty if already up to date. */
  readonly applied: readonly string[]
}

// The .sql files ship in the package's `migrations` folder, a sibling of both `src` and `dist`,
// so this resolves the same from the sources (tests) and from the built package.
const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url))
const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/
/** The partitioned shape of versions 1 to 6, for a new schema (MigrateOptions.partitions). */
const PARTITIONED = 'partitioned/0006_by_org.sql'

/** The migration files the package ships, in the order they apply. */
export const listMigrations = async (): Promise<readonly string[]> =>
  (await readdir(MIGRATIONS_DIR)).filter((f) => MIGRATION_FILE.test(f)).sort()

/**
 * A migration script as the layout runs it: the default-tables sections dropped for a store over
 * the application's tables, and its markers as steps of their own.
 */
const stepsOf = (script: string, layout: 'default' | 'mapped'): string[] => {
  const kept =
    layout === 'default'
      ? script
      : script.replace(/^-- groupsync:default-tables$[\s\S]*?^-- groupsync:end$/gm, '')
  return kept.split(/^(-- groupsync:slice-fold)$/m)
}

const layoutMismatch = (schema: string, layout: string): StoreError =>
  new StoreError(
    'STORE_INVALID_INPUT',
    layout === 'default'
      ? `Schema ${schema} holds groupsync's own groups and memberships tables; migrate it without tables, or give another schema.`
      : `Schema ${schema} holds groupsync's tables for an application's own groups and memberships; migrate it with its tables description.`,
    { path: '/tables' },
  )

const apply = async (
  tx: SqlTransaction,
  schema: string,
  q: string,
  options: MigrateOptions,
): Promise<string[]> => {
  // One migrator at a time per schema, across processes: the second waits here, then finds the
  // work done. The lock ends with the transaction.
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(json_build_array('groupsync.migrate', $1::text)::text, 0))`,
    [schema],
  )
  await tx.execScript(
    `CREATE SCHEMA IF NOT EXISTS ${q};
     CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
       name text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     );`,
  )
  const { rows } = await tx.query(
    `SELECT (SELECT json_agg(name) FROM ${q}.schema_migrations)::text AS done,
      to_regclass($1) IS NOT NULL AS has_groups`,
    [`${q}.org_groups`],
  )
  const done = new Set(jsonRows(rows[0]?.done).map(String))
  const layout = options.tables === undefined ? 'default' : 'mapped'
  // A schema migrated before keeps its layout: groupsync's groups table, or none.
  if (done.size > 0 && (rows[0]?.has_groups === true) !== (layout === 'default')) {
    throw layoutMismatch(schema, layout === 'default' ? 'mapped' : 'default')
  }
  const run = async (script: string): Promise<void> => {
    // The files name no schema: SET LOCAL points them at this one until the transaction ends.
    await tx.execScript(`SET LOCAL search_path TO ${q}`)
    for (const step of stepsOf(script, layout)) {
      if (step !== '-- groupsync:slice-fold') await tx.execScript(step)
      else {
        await tx.execScript(sliceFoldFunctionSql(q))
        if (layout === 'default') {
          await tx.execScript(
            `CREATE INDEX org_groups_by_slice ON ${q}.org_groups (${foldedHash(q, 'name')}, org_id)`,
          )
        }
      }
    }
  }
  const applied: string[] = []
  const record = async (name: string): Promise<void> => {
    await tx.query(`INSERT INTO ${q}.schema_migrations (name) VALUES ($1)`, [name])
    applied.push(name)
  }
  if (options.partitions !== undefined) {
    const n = options.partitions
    if (!Number.isSafeInteger(n) || n < 1 || n > 1024 || done.size > 0 || layout !== 'default') {
      throw new StoreError(
        'STORE_INVALID_INPUT',
        `partitions must be a whole number from 1 to 1024, for a new schema of groupsync's default tables; ${schema} ${done.size > 0 ? 'exists already' : 'is for own tables'}.`,
        { path: '/partitions', value: n },
      )
    }
    await run(await readFile(`${MIGRATIONS_DIR}${PARTITIONED}`, 'utf8'))
    const { rows: parents } = await tx.query(
      `SELECT json_agg(c.relname)::text AS t FROM pg_partitioned_table AS p
       JOIN pg_class AS c ON c.oid = p.partrelid JOIN pg_namespace AS ns ON ns.oid = c.relnamespace
       WHERE ns.nspname = $1`,
      [schema],
    )
    for (const table of jsonRows(parents[0]?.t).map(String)) {
      for (let i = 0; i < n; i++) {
        await tx.execScript(
          `CREATE TABLE ${q}."${table}_p${i}" PARTITION OF ${q}."${table}" FOR VALUES WITH (MODULUS ${n}, REMAINDER ${i})`,
        )
      }
    }
    // The partitioned script stands for the versions up to its own number.
    const upTo = PARTITIONED.slice('partitioned/'.length, 'partitioned/'.length + 4)
    for (const name of await listMigrations()) if (name.slice(0, 4) <= upTo) await record(name)
  }
  for (const name of await listMigrations()) {
    if (done.has(name) || applied.includes(name)) continue
    await run(await readFile(`${MIGRATIONS_DIR}${name}`, 'utf8'))
    await record(name)
  }
  await tx.execScript('RESET search_path')
  const mapping =
    options.tables === undefined ? defaultMapping(q) : await resolveMapping(tx, q, options.tables)
  for (const ddl of applicationDdl(mapping, options)) await tx.execScript(ddl)
  return applied
}

/**
 * Creates groupsync's schema and applies the migrations it lacks, in file-name order, in one
 * transaction, recording each in `<schema>.schema_migrations`; with `tables`, only groupsync's
 * own tables (settings, last syncs, removals, sources, audit), and on the application's tables
 * only the indexes and the trigger asked for. Safe to run again (it applies nothing) and from
 * several processes at once (an advisory lock makes them take turns).
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` for a bad schema name or tables description,
 * `STORE_UNAVAILABLE` if the database fails
 * @example
 * ```ts
 * const { applied } = await migrate(fromPgPool(pool), { schema: 'groupsync' })
 * await migrate(fromPgPool(pool), { tables, applicationIndexes: true })
 * ```
 */
export const migrate = async (
  client: SqlClient,
  options: MigrateOptions = {},
): Promise<MigrationResult> => {
  const schema = options.schema ?? DEFAULT_SCHEMA
  const q = quoteSchema(schema)
  let tx: SqlTransaction
  try {
    tx = await client.begin()
  } catch (error) {
    throw mapPgError(error, 'migrate')
  }
  let applied: string[]
  try {
    applied = await apply(tx, schema, q, options)
  } catch (error) {
    await tx.rollback()
    throw mapPgError(error, 'migrate')
  }
  try {
    await tx.commit()
  } catch (error) {
    throw mapPgError(error, 'migrate')
  }
  return { schema, applied }
}
