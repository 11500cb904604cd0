import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import type { MembershipStore } from '@groupsync/core'
import { fromPGlite, fromPgPool, migrate, type SqlClient } from '@groupsync/store-postgres'
import { createPostgresMembershipStore } from '@groupsync/store-postgres/testing'
import pg from 'pg'
import { APP_SCHEMA, TEAMS_TABLES } from '../src/index.js'

// The test harness, not adopter code: the application's database on PGlite or on the server,
// with groupsync installed over it as the README says.

const url = process.env.DATABASE_URL
if (url === undefined && process.env.CI !== undefined) {
  // CI always has a server (.ci/run starts it): running without one there would hide failures.
  throw new Error('DATABASE_URL is not set in CI: the example’s server tests cannot run.')
}

/** The application's database with its tables, before groupsync is installed. */
export interface AppDatabase {
  /** The application's own connection: its SQL runs here. */
  readonly client: SqlClient
  /** groupsync's schema for this database (random, so runs sharing a server never meet). */
  readonly schema: string
  /** Installs groupsync: its own tables, and the application indexes (README, step 2). */
  readonly install: () => Promise<void>
  /** The store over the application's tables; `testOnlyFaultHook` for the contract suite. */
  readonly store: (options?: {
    readonly client?: SqlClient
    readonly testOnlyFaultHook?: (point: string) => void | Promise<void>
  }) => Promise<MembershipStore>
  readonly close: () => Promise<void>
}

/** A backend the tests run on: a name for the test titles, and how to open a database there. */
export interface Backend {
  readonly label: string
  /** Whether different users' units of work run at once (false for PGlite's one connection). */
  readonly parallelUsers: boolean
  /** Opens a new database with the application's tables and `extraSql` after them. */
  readonly open: (extraSql?: string) => Promise<AppDatabase>
}

const randomName = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`

const database = (
  client: SqlClient,
  end: () => Promise<void>,
  schema = randomName('groupsync'),
): AppDatabase => ({
  client,
  schema,
  install: async () => {
    await migrate(client, { schema, tables: TEAMS_TABLES, applicationIndexes: true })
  },
  store: (options = {}) =>
    createPostgresMembershipStore({
      client,
      schema,
      tables: TEAMS_TABLES,
      migrate: false,
      ...options,
    }),
  close: end,
})

const script = async (client: SqlClient, sql: string): Promise<void> => {
  const tx = await client.begin()
  await tx.execScript(sql)
  await tx.commit()
}

const embedded: Backend = {
  label: 'PGlite',
  parallelUsers: false,
  open: async (extraSql = '') => {
    const db = await PGlite.create()
    const client = fromPGlite(db)
    await script(client, APP_SCHEMA + extraSql)
    return database(client, () => db.close())
  },
}

/** A schema of its own for the application's tables on the server (the pool's search path). */
const server = (connectionString: string): Backend => ({
  label: 'the server',
  parallelUsers: true,
  open: async (extraSql = '') => {
    const app = randomName('teams_app')
    const admin = new pg.Client({ connectionString })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${app}`)
    await admin.end()
    const pool = new pg.Pool({
      connectionString,
      max: 8,
      pipeline: true,
      options: `-c search_path=${app}`,
    })
    // An idle client whose server connection dies emits 'error' through the pool.
    pool.on('error', () => undefined)
    const client = fromPgPool(pool)
    await script(client, APP_SCHEMA + extraSql)
    const db: AppDatabase = database(client, async () => {
      await pool.query(`DROP SCHEMA ${app} CASCADE`)
      await pool.query(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`)
      await pool.end()
    })
    return db
  },
})

/** PGlite always; the server at DATABASE_URL when it is set (CI sets it). */
export const BACKENDS: readonly Backend[] = [
  embedded,
  ...(url === undefined || url === '' ? [] : [server(url)]),
]
