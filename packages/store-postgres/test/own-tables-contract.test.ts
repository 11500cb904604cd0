import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { describeMembershipStore } from '@groupsync/store-contract'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import {
  fromPGlite,
  fromPgPool,
  migrate,
  type PostgresMembershipStoreOptions,
  type SqlClient,
  type TablesDescription,
} from '../src/index.js'
import { createPostgresMembershipStore } from '../src/testing.js'
import { randomSchema } from './helpers.js'

// The whole contract suite, fault-hook tests included, on the store over two applications' own
// tables that groupsync does not control: each in a throwaway schema of its own, groupsync's
// own tables in another, migrated with the application's indexes. On PGlite always; on the
// server and through PgBouncer when DATABASE_URL and PGBOUNCER_URL are set (CI sets both). A
// third shape with integer ids runs on PGlite.

const url = process.env.DATABASE_URL
const bouncerUrl = process.env.PGBOUNCER_URL
if (process.env.CI !== undefined && (url === undefined || bouncerUrl === undefined)) {
  // CI always has both (.ci/run starts them): running without one there would hide failures.
  throw new Error('DATABASE_URL or PGBOUNCER_URL is not set in CI: the own-tables runs need both.')
}

/** An application's tables: how to create them in a schema, and how the store is told of them. */
interface AppTables {
  readonly label: string
  readonly ddl: (schema: string) => readonly string[]
  readonly tables: (schema: string) => TablesDescription
}

/**
 * Teams with uuid ids, an `added_by` text column and a unique btree constraint on the name, kept
 * as it is (so the store's limit is the 2,000 bytes a btree entry holds); no creation times.
 */
const TEAMS: AppTables = {
  label: 'teams (uuid ids, added_by, UNIQUE (org_id, display_name), no creation times)',
  ddl: (s) => [
    `CREATE TABLE "${s}".teams (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL,
      display_name text NOT NULL, UNIQUE (org_id, display_name))`,
    `CREATE TABLE "${s}".team_members (team_id uuid NOT NULL REFERENCES "${s}".teams(id),
      user_id uuid NOT NULL, added_by text, PRIMARY KEY (team_id, user_id))`,
  ],
  tables: (s) => ({
    groups: { table: `${s}.teams`, id: 'id', org: 'org_id', name: 'display_name' },
    memberships: {
      table: `${s}.team_members`,
      group: 'team_id',
      user: 'user_id',
      source: { column: 'added_by', sync: 'groupsync', manual: 'admin' },
    },
  }),
}

/**
 * better-auth's organization plugin's `team` and `teamMember` tables as its documentation defines
 * them (text ids, camelCase columns, creation times; no source column, so groupsync keeps the
 * sources in its own table). The columns better-auth fills in JavaScript get `values`: the ids
 * from code (a function) and from SQL, `updatedAt` from SQL; the store writes each `createdAt`
 * itself, as the transaction's time its audit log records. The documented
 * foreign key to `organization` is left out: the suite's organisations exist nowhere else.
 */
const BETTER_AUTH: AppTables = {
  label: 'better-auth organization plugin (team, teamMember)',
  ddl: (s) => [
    `CREATE TABLE "${s}"."team" (id text PRIMARY KEY, name text NOT NULL,
      "organizationId" text NOT NULL, "createdAt" timestamp NOT NULL, "updatedAt" timestamp)`,
    `CREATE TABLE "${s}"."teamMember" (id text PRIMARY KEY,
      "teamId" text NOT NULL REFERENCES "${s}"."team"(id) ON DELETE CASCADE,
      "userId" text NOT NULL, "createdAt" timestamp)`,
  ],
  tables: (s) => ({
    groups: {
      table: `${s}.team`,
      id: 'id',
      org: 'organizationId',
      name: 'name',
      createdAt: 'createdAt',
      values: { id: () => randomUUID(), updatedAt: 'now()' },
    },
    memberships: {
      table: `${s}.teamMember`,
      group: 'teamId',
      user: 'userId',
      createdAt: 'createdAt',
      values: { id: 'gen_random_uuid()::text' },
    },
  }),
}

/**
 * A third shape, on PGlite only (the SQL is the same on every backend): bigint ids (the integer
 * kind), a varchar(300) name (the store's limit then 300 bytes), creation times with defaults, a
 * soft delete as the groups' `where`, and a source column of the application's own words.
 */
const NUMBERED: AppTables = {
  label: 'numbered (bigint ids, varchar(300) names, a soft delete)',
  ddl: (s) => [
    `CREATE TABLE "${s}".groups (id bigserial PRIMARY KEY, org_id bigint NOT NULL,
      name varchar(300) NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz)`,
    `CREATE TABLE "${s}".members (group_id bigint NOT NULL REFERENCES "${s}".groups(id),
      user_id bigint NOT NULL, origin text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (group_id, user_id))`,
  ],
  tables: (s) => ({
    groups: {
      table: `${s}.groups`,
      id: 'id',
      org: 'org_id',
      name: 'name',
      createdAt: 'created_at',
      where: 'deleted_at IS NULL',
    },
    memberships: {
      table: `${s}.members`,
      group: 'group_id',
      user: 'user_id',
      createdAt: 'created_at',
      source: { column: 'origin', sync: 'idp', manual: 'console' },
    },
  }),
}

/** Where the stores run: a client for setting up, and the store's own connection options. */
interface Backend {
  readonly client: SqlClient
  readonly store: PostgresMembershipStoreOptions
  readonly close: () => Promise<void>
}

/** The suite's sizes for these runs: modest, beside the default tables' full runs. */
interface Sizes {
  readonly parallelUsers: boolean
  readonly modelRuns: number
  readonly concurrencyRuns: number
}

/** Applications' tables on one backend, each with the whole contract suite. */
const describeOwnTables = (
  label: string,
  open: () => Promise<Backend>,
  sizes: Sizes,
  apps: readonly AppTables[] = [TEAMS, BETTER_AUTH],
): void => {
  let backend: Backend | undefined
  const ready = (): Backend => {
    if (backend === undefined) throw new Error(`${label} did not start`)
    return backend
  }
  beforeAll(async () => {
    backend = await open()
  })
  afterAll(async () => {
    await backend?.close()
  })
  for (const app of apps) {
    const [appSchema, ownSchema] = [randomSchema(), randomSchema()]
    const tables = app.tables(appSchema)
    describe(`own tables on ${label}: ${app.label}`, () => {
      beforeAll(async () => {
        const { client } = ready()
        await client.query(`CREATE SCHEMA "${appSchema}"`)
        for (const statement of app.ddl(appSchema)) await client.query(statement)
        await migrate(client, { schema: ownSchema, tables, applicationIndexes: true })
      })
      afterAll(async () => {
        for (const s of [appSchema, ownSchema]) {
          await backend?.client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
        }
      })
      describeMembershipStore(
        `Postgres store on ${label} over ${app.label}`,
        (options) =>
          createPostgresMembershipStore({
            ...ready().store,
            schema: ownSchema,
            tables,
            migrate: false,
            ...options,
          }),
        sizes,
      )
    })
  }
}

describeOwnTables(
  'PGlite',
  async () => {
    const db = await PGlite.create()
    return { client: fromPGlite(db), store: { pglite: db }, close: () => db.close() }
  },
  // One connection: units of work of different users take turns.
  { parallelUsers: false, modelRuns: 10, concurrencyRuns: 1 },
  [TEAMS, BETTER_AUTH, NUMBERED],
)

/** A backend on a node-postgres pool to `connectionString`. */
const poolBackend =
  (connectionString: string | undefined, config: pg.PoolConfig = {}) =>
  (): Promise<Backend> => {
    const pool = new pg.Pool({ connectionString, max: 8, ...config })
    // An idle client whose server connection dies emits 'error' through the pool.
    pool.on('error', () => undefined)
    return Promise.resolve({ client: fromPgPool(pool), store: { pool }, close: () => pool.end() })
  }

describe.skipIf(url === undefined)('on the server (DATABASE_URL)', () => {
  describeOwnTables('the server', poolBackend(url), {
    parallelUsers: true,
    modelRuns: 8,
    concurrencyRuns: 1,
  })
})

describe.skipIf(bouncerUrl === undefined)('through PgBouncer (PGBOUNCER_URL)', () => {
  describeOwnTables('PgBouncer', poolBackend(bouncerUrl), {
    parallelUsers: true,
    modelRuns: 5,
    concurrencyRuns: 1,
  })
})
