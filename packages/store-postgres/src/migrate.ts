import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { BACKFILLS, splitAtBackfills } from './internal/backfills.js'
import { mapPgError } from './internal/map-pg-error.js'
import { DEFAULT_SCHEMA, quoteSchema } from './internal/schema-name.js'
import type { SqlClient, SqlTransaction } from './sql-client.js'

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema to create and migrate; default `groupsync`. */
  readonly schema?: string
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

/** The migration files the package ships, in the order they apply. */
export const listMigrations = async (): Promise<readonly string[]> =>
  (await readdir(MIGRATIONS_DIR)).filter((f) => MIGRATION_FILE.test(f)).sort()

/** The backfill a migration names; an unknown name is a broken package, not a bad database. */
const backfill = (name: string, file: string) => {
  const step = Object.hasOwn(BACKFILLS, name) ? BACKFILLS[name] : undefined
  if (step === undefined) throw new Error(`migration ${file} names an unknown backfill ${name}`)
  return step
}

const apply = async (tx: SqlTransaction, schema: string, q: string): Promise<string[]> => {
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
  const done = new Set(
    (await tx.query(`SELECT name FROM ${q}.schema_migrations`)).rows.map((r) => String(r.name)),
  )
  const applied: string[] = []
  for (const name of await listMigrations()) {
    if (done.has(name)) continue
    const script = await readFile(`${MIGRATIONS_DIR}${name}`, 'utf8')
    // The files name no schema: SET LOCAL points them at this one until the transaction ends.
    await tx.execScript(`SET LOCAL search_path TO ${q}`)
    for (const part of splitAtBackfills(script)) {
      if ('sql' in part) await tx.execScript(part.sql)
      else await backfill(part.backfill, name)(tx, q)
    }
    await tx.query(`INSERT INTO ${q}.schema_migrations (name) VALUES ($1)`, [name])
    applied.push(name)
  }
  return applied
}

/**
 * Creates the schema and applies the migrations it lacks, in file-name order, in one transaction,
 * recording each in `<schema>.schema_migrations`. A step that SQL cannot do right (the slice keys
 * of 0004, lower-cased by JavaScript, not by the database's locale) runs from JavaScript inside
 * that transaction, where its file says. Safe to run again (it applies nothing) and from
 * several processes at once (an advisory lock makes them take turns).
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` for a bad schema name, `STORE_UNAVAILABLE` if
 * the database fails
 * @example
 * ```ts
 * const { applied } = await migrate(fromPgPool(pool), { schema: 'groupsync' })
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
    applied = await apply(tx, schema, q)
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
