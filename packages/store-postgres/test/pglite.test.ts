import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll } from 'vitest'
import { fromPGlite, migrate, type SqlClient } from '../src/index.js'
import { randomSchema } from './helpers.js'
import { describePostgresStore } from './postgres-specifics.js'

// One embedded database for the whole file (PGlite takes seconds to start), one schema per run.
const schema = randomSchema()
let client: SqlClient | undefined
let db: PGlite | undefined

beforeAll(async () => {
  db = await PGlite.create()
  client = fromPGlite(db)
  await migrate(client, { schema })
}, 120_000)

afterAll(async () => {
  await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await db?.close()
})

describePostgresStore(
  'PGlite',
  () => {
    if (client === undefined) throw new Error('PGlite did not start')
    const c = client
    return { client: () => c, schema }
  },
  // PGlite has one connection: units of work of different users take turns.
  { parallelUsers: false, modelRuns: 100 },
)
