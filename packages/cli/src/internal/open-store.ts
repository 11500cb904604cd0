import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { MembershipStore } from '@groupsync/core'
import {
  createPostgresMembershipStore,
  fromPgPool,
  fromPGlite,
  migrate,
  type MigrationResult,
} from '@groupsync/store-postgres'
import type { CommandContext } from './command.js'

/** The store options every store command takes. */
export const STORE_OPTIONS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  schema: { type: 'string' },
} as const

/** The store part of a command's `--help`. */
export const STORE_HELP = `Store (default: embedded PGlite in ./.groupsync/data, created and migrated on first use):
  --database-url URL   a Postgres server instead (or set GROUPSYNC_DATABASE_URL); run
                       \`groupsync migrate\` on it once first
  --data-dir DIR       the embedded PGlite data directory (default .groupsync/data)
  --schema NAME        the schema of groupsync's tables (default groupsync)`

/** The parsed store options. */
export interface StoreValues {
  readonly 'database-url'?: string | undefined
  readonly 'data-dir'?: string | undefined
  readonly schema?: string | undefined
}

/** The embedded store's directory when none is given, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.groupsync/data'

/** Where the store the options name is: a Postgres server, or an embedded PGlite directory. */
type StoreLocation =
  | { readonly kind: 'server'; readonly url: string }
  | { readonly kind: 'embedded'; readonly dataDir: string }

function storeLocation(values: StoreValues, ctx: CommandContext): StoreLocation {
  const url = values['database-url'] ?? ctx.env['GROUPSYNC_DATABASE_URL']
  if (url !== undefined && url !== '') return { kind: 'server', url }
  return { kind: 'embedded', dataDir: resolve(ctx.cwd, values['data-dir'] ?? DEFAULT_DATA_DIR) }
}

const schemaOf = (values: StoreValues): { schema?: string } =>
  values.schema === undefined ? {} : { schema: values.schema }

/** A node-postgres pool; the driver is loaded only by commands that use a server. */
async function openPool(url: string, max: number) {
  const { default: pg } = await import('pg')
  return new pg.Pool({ connectionString: url, max })
}

/**
 * Opens the store the options name, runs `f` with it, and closes it (and the pool or database it
 * opened) whatever happens.
 */
export async function withStore<A>(
  values: StoreValues,
  ctx: CommandContext,
  f: (store: MembershipStore) => Promise<A>,
): Promise<A> {
  const location = storeLocation(values, ctx)
  if (location.kind === 'server') {
    const pool = await openPool(location.url, 2)
    try {
      const store = await createPostgresMembershipStore({ pool, ...schemaOf(values) })
      try {
        return await f(store)
      } finally {
        await store.close()
      }
    } finally {
      await pool.end()
    }
  }
  await mkdir(location.dataDir, { recursive: true })
  const store = await createPostgresMembershipStore({
    dataDir: location.dataDir,
    ...schemaOf(values),
  })
  try {
    return await f(store)
  } finally {
    await store.close()
  }
}

/** Applies the store's migrations where the options point; says where, and what it applied. */
export async function migrateStore(
  values: StoreValues,
  ctx: CommandContext,
): Promise<MigrationResult & { readonly where: string }> {
  const location = storeLocation(values, ctx)
  if (location.kind === 'server') {
    const pool = await openPool(location.url, 1)
    try {
      const result = await migrate(fromPgPool(pool), schemaOf(values))
      return { ...result, where: redact(location.url) }
    } finally {
      await pool.end()
    }
  }
  await mkdir(location.dataDir, { recursive: true })
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await PGlite.create(location.dataDir)
  try {
    const result = await migrate(fromPGlite(db), schemaOf(values))
    return { ...result, where: `embedded PGlite in ${location.dataDir}` }
  } finally {
    await db.close()
  }
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
