import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import { StoreError, type MembershipStore } from '@groupsync/core'
import {
  createPostgresMembershipStore,
  fromPgPool,
  fromPGlite,
  migrate,
  type MigrationResult,
  type PGliteLike,
  type PgPoolLike,
  type SqlClient,
  type TablesDescription,
} from '@groupsync/store-postgres'
import { CliError } from './cli-error.js'
import { parseCommand, type CommandContext, type ParsedCommand } from './command.js'
import { TablesFileCodec } from './input-codecs.js'
import { readJsonFile } from './json-input.js'

/** The store options every store command takes. */
export const STORE_OPTIONS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  schema: { type: 'string' },
  tables: { type: 'string' },
} as const

/** Parses a store command's arguments: its own options, `--json`, and the store's. */
export const parseStoreCommand = <const O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: O,
  allowPositionals = false,
): ParsedCommand<O & { readonly json: { readonly type: 'boolean' } } & typeof STORE_OPTIONS> =>
  parseCommand(
    command,
    args,
    { ...options, json: { type: 'boolean' }, ...STORE_OPTIONS } as const,
    allowPositionals,
  )

/** The store part of a command's `--help`. */
export const STORE_HELP = `Store (default: embedded PGlite in ./.groupsync/data, created and migrated on first use):
  --database-url URL   a Postgres server instead (or set GROUPSYNC_DATABASE_URL); run
                       \`groupsync migrate\` on it once first, with the same --tables
  --data-dir DIR       the embedded PGlite data directory (default .groupsync/data)
  --schema NAME        the schema of groupsync's tables (default groupsync)
  --tables FILE        the application's own groups and memberships tables, described in JSON
                       (see the README); groupsync then keeps only its own tables in --schema`

/** The parsed store options. */
export interface StoreValues {
  readonly 'database-url'?: string | undefined
  readonly 'data-dir'?: string | undefined
  readonly schema?: string | undefined
  readonly tables?: string | undefined
}

/** The schema of groupsync's tables when none is given (the store's default). */
const DEFAULT_SCHEMA = 'groupsync'

/** The embedded store's directory when none is given, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.groupsync/data'

/** The database the options name, open: its client, how the store takes it, and where it is. */
interface Database {
  readonly client: SqlClient
  readonly source: { readonly pool: PgPoolLike } | { readonly pglite: PGliteLike }
  readonly where: string
  /** A server is migrated as a deployment step; the embedded store migrates itself on open. */
  readonly server: boolean
}

/** Opens the server or embedded database the options name, runs `f`, and closes it. */
async function withDatabase<A>(
  values: StoreValues,
  ctx: CommandContext,
  f: (db: Database) => Promise<A>,
): Promise<A> {
  const url = values['database-url'] ?? ctx.env['GROUPSYNC_DATABASE_URL']
  if (url !== undefined && url !== '') {
    // The driver is loaded only by commands that use a server.
    const { default: pg } = await import('pg')
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    try {
      return await f({
        client: fromPgPool(pool),
        source: { pool },
        where: redact(url),
        server: true,
      })
    } finally {
      await pool.end()
    }
  }
  const dataDir = resolve(ctx.cwd, values['data-dir'] ?? DEFAULT_DATA_DIR)
  await mkdir(dataDir, { recursive: true })
  const { PGlite } = await import('@electric-sql/pglite')
  const pglite = await PGlite.create(dataDir)
  try {
    return await f({
      client: fromPGlite(pglite),
      source: { pglite },
      where: `embedded PGlite in ${dataDir}`,
      server: false,
    })
  } finally {
    await pglite.close()
  }
}

/** The `--tables` file, read and decoded as a JSON object; the store checks the rest. */
async function readTables(
  values: StoreValues,
  ctx: CommandContext,
): Promise<{ readonly file: string; readonly tables: TablesDescription } | undefined> {
  const file = values.tables
  if (file === undefined) return undefined
  const json = await readJsonFile(TablesFileCodec, file, ctx.cwd, {
    label: 'the tables description (--tables)',
    option: 'tables',
  })
  // The store decodes the description itself and refuses it by JSON Pointer (see `inTablesFile`).
  return { file, tables: json as unknown as TablesDescription }
}

/** The store's refusal of a tables description, pointed into the file: `tables.json#/groups/nmae`. */
async function inTablesFile<A>(file: string | undefined, call: () => Promise<A>): Promise<A> {
  try {
    return await call()
  } catch (error) {
    const refused = error instanceof StoreError && error.code === 'STORE_INVALID_INPUT'
    const at = refused ? (error.path ?? '') : ''
    if (file === undefined || !at.startsWith('/tables/')) throw error
    const pointer = at.slice('/tables'.length)
    const message = (error as StoreError).message.replace(`tables${pointer}: `, '')
    throw new CliError('CLI_INPUT_INVALID', `${file}#${pointer}: ${message}`, {
      path: at,
      value: (error as StoreError).value,
      cause: error,
    })
  }
}

/** What a schema holds: groupsync's migrations, and its own groups table or none. */
interface Layout {
  readonly migrated: boolean
  readonly defaultTables: boolean
}

/** Reads the schema's {@link Layout} in one catalog query; any failure is `STORE_UNAVAILABLE`. */
async function readLayout(db: Database, schema: string): Promise<Layout> {
  try {
    const { rows } = await db.client.query(
      `SELECT to_regclass(format('%I.schema_migrations', $1::text)) IS NOT NULL AS migrated,
        to_regclass(format('%I.org_groups', $1::text)) IS NOT NULL AS default_tables`,
      [schema],
    )
    return {
      migrated: rows[0]?.['migrated'] === true,
      defaultTables: rows[0]?.['default_tables'] === true,
    }
  } catch (error) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `Cannot read schema ${schema} in ${db.where}: ${(error as Error).message}.`,
      { cause: error },
    )
  }
}

/**
 * Refuses a schema that does not hold what the command was told to use, so that a command never
 * reads tables that are not there (and reports them as empty) or puts groupsync's tables beside
 * the wrong ones: no groupsync tables (unless `missingAllowed`: migrate, and the embedded store,
 * which migrates itself), tables for an application's own without `--tables`, or groupsync's own
 * groups with `--tables`. Each is `CLI_STORE_NOT_READY`, saying what to run.
 */
function checkLayout(
  layout: Layout,
  at: { readonly schema: string; readonly where: string; readonly file: string | undefined },
  missingAllowed: boolean,
): void {
  const { schema, where, file } = at
  const refuse = (message: string): never => {
    throw new CliError('CLI_STORE_NOT_READY', `Schema ${schema} in ${where} ${message}`, {
      path: '/schema',
      value: schema,
    })
  }
  if (!layout.migrated) {
    if (missingAllowed) return
    refuse(
      file === undefined
        ? 'has no groupsync tables (nothing was created). Run `groupsync migrate` first (with --tables FILE if the groups live in your own tables).'
        : `has no groupsync tables (nothing was created). Run \`groupsync migrate --tables ${file}\` first.`,
    )
  }
  if (layout.defaultTables && file !== undefined) {
    refuse(
      `holds groupsync's own groups and memberships, not the tables ${file} describes; drop --tables, or give another --schema for them.`,
    )
  }
  if (!layout.defaultTables && file === undefined) {
    refuse(
      "is set up for an application's own groups and memberships tables; pass their description with --tables FILE.",
    )
  }
}

/**
 * Opens the store the options name, checking its schema (see {@link checkLayout}), runs `f` with
 * it, and closes it (and the pool or database it opened) whatever happens.
 */
export async function withStore<A>(
  values: StoreValues,
  ctx: CommandContext,
  f: (store: MembershipStore) => Promise<A>,
): Promise<A> {
  const given = await readTables(values, ctx)
  const schema = values.schema ?? DEFAULT_SCHEMA
  return withDatabase(values, ctx, async (db) => {
    const layout = await readLayout(db, schema)
    const at = { schema, where: db.where, file: given?.file }
    // The embedded store migrates as it opens, so its schema is checked before; a server store
    // reads nothing as it opens, so it checks the schema's name and the tables file first.
    if (!db.server) checkLayout(layout, at, true)
    const store = await inTablesFile(given?.file, () =>
      createPostgresMembershipStore({
        ...db.source,
        schema,
        ...(given === undefined ? {} : { tables: given.tables }),
      }),
    )
    try {
      if (db.server) checkLayout(layout, at, false)
      return await f(store)
    } finally {
      await store.close()
    }
  })
}

/** What `groupsync migrate` may also do to the application's tables. */
export interface MigrateValues extends StoreValues {
  readonly 'app-indexes'?: boolean | undefined
  readonly 'enforce-lock'?: boolean | undefined
}

/** Applies the store's migrations where the options point; says where, and what it applied. */
export async function migrateStore(
  values: MigrateValues,
  ctx: CommandContext,
): Promise<MigrationResult & { readonly where: string }> {
  const given = await readTables(values, ctx)
  const schema = values.schema ?? DEFAULT_SCHEMA
  return withDatabase(values, ctx, async (db) => {
    checkLayout(await readLayout(db, schema), { schema, where: db.where, file: given?.file }, true)
    const result = await inTablesFile(given?.file, () =>
      migrate(db.client, {
        schema,
        ...(given === undefined ? {} : { tables: given.tables }),
        ...(values['app-indexes'] === true ? { applicationIndexes: true } : {}),
        ...(values['enforce-lock'] === true ? { enforceLock: true } : {}),
      }),
    )
    return { ...result, where: db.where }
  })
}

/** A connection string without its password, for printing. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.href
  } catch {
    return 'the server at --database-url'
  }
}
