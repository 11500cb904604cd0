import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { fromPGlite, fromPgPool, migrate, type SqlClient } from '@groupsync/store-postgres'
import pg from 'pg'

/** The server the Postgres suites use unless `DATABASE_URL` names another (CI's server). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** Where the Postgres suites can run: the server if it answered, and PGlite always. */
export type ServerProbe =
  | { readonly reachable: true; readonly url: string; readonly version: string }
  | { readonly reachable: false; readonly url: string; readonly reason: string }

/** A connection string without its password, for printing. */
export const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable DATABASE_URL)'
  }
}

const databaseUrl = (): string => process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL

let probed: Promise<ServerProbe> | undefined

/**
 * Connects once to `DATABASE_URL` (default {@link DEFAULT_DATABASE_URL}) with a short timeout
 * and reads the server version; remembers the answer for the rest of the run, so every suite
 * and the summary agree on whether the server was there.
 */
export function probePostgresServer(): Promise<ServerProbe> {
  probed ??= (async (): Promise<ServerProbe> => {
    const url = databaseUrl()
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
    // An unreachable server can also surface as an 'error' event; the rejection below reports it.
    client.on('error', () => undefined)
    try {
      await client.connect()
      const { rows } = await client.query<{ version: string }>('SELECT version() AS version')
      return { reachable: true, url: redactUrl(url), version: rows[0]?.version ?? 'unknown' }
    } catch (error) {
      const reason = error instanceof Error ? error.message || error.name : String(error)
      return { reachable: false, url: redactUrl(url), reason }
    } finally {
      await client.end().catch(() => undefined)
    }
  })()
  return probed
}

/** A short form of `SELECT version()`: `PostgreSQL 15.20` and the platform's first word. */
export const shortVersion = (version: string): string =>
  /^PostgreSQL [^\s,]+/.exec(version)?.[0] ?? version

/** The version of the `@electric-sql/pglite` package in use, read from its package.json. */
export function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
    const manifest = JSON.parse(
      readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'),
    ) as { version?: unknown }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** A schema name of the bench's own, so a run never touches a real store's tables. */
export const benchSchema = (): string => `gs_bench_${randomBytes(6).toString('hex')}`

/**
 * Counts protocol round trips on a node-postgres pool: every ReadyForQuery message the server
 * sends ends one request/response exchange, so this counts what the network sees, independently
 * of how the client code is organised.
 */
export interface RoundTripCounter {
  /** Round trips since the last call. */
  readonly take: () => number
}

/** A node-postgres pool on `DATABASE_URL`, with its round trips counted. */
export interface ServerPool {
  readonly pool: pg.Pool
  readonly client: SqlClient
  readonly roundTrips: RoundTripCounter
  readonly end: () => Promise<void>
}

/** Where `DATABASE_URL` points: the host and port a proxy in front of the server forwards to. */
export function serverAddress(): { readonly host: string; readonly port: number } {
  const url = new URL(databaseUrl())
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) }
}

/**
 * Opens a pool of at most `max` connections on the server the probe found, or, with `viaPort`,
 * on that port of 127.0.0.1 (a proxy in front of the server) with the same user and database.
 */
export function openServerPool(max: number, viaPort?: number): ServerPool {
  const url = new URL(databaseUrl())
  if (viaPort !== undefined) {
    url.hostname = '127.0.0.1'
    url.port = String(viaPort)
  }
  const pool = new pg.Pool({ connectionString: url.toString(), max })
  let count = 0
  pool.on('connect', (client) => {
    client.connection.on('readyForQuery', () => {
      count += 1
    })
  })
  // An idle connection the server drops emits 'error' on the pool; the next query reports it.
  pool.on('error', () => undefined)
  return {
    pool,
    client: fromPgPool(pool),
    roundTrips: {
      take: () => {
        const n = count
        count = 0
        return n
      },
    },
    end: () => pool.end(),
  }
}

/** An in-memory PGlite database and its SQL client. */
export interface EmbeddedDb {
  readonly db: PGlite
  readonly client: SqlClient
  readonly version: string
  readonly close: () => Promise<void>
}

/** Opens an in-memory PGlite database (no server) and reads its Postgres version. */
export async function openPGlite(): Promise<EmbeddedDb> {
  const db = await PGlite.create()
  const { rows } = await db.query<{ version: string }>('SELECT version() AS version')
  return {
    db,
    client: fromPGlite(db),
    version: rows[0]?.version ?? 'unknown',
    close: () => db.close(),
  }
}

/**
 * Runs `fn` on a freshly migrated schema of the bench's own and drops the schema afterwards,
 * whether `fn` succeeded or not, so that a run leaves nothing behind on a shared server.
 */
export async function withMigratedSchema<A>(
  client: SqlClient,
  fn: (schema: string) => Promise<A>,
): Promise<A> {
  const schema = benchSchema()
  try {
    await migrate(client, { schema })
    return await fn(schema)
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  }
}

/** One statement a {@link recordingClient} saw: its text, parameters and time to answer. */
export interface RecordedStatement {
  readonly text: string
  readonly params: readonly unknown[] | undefined
  readonly ms: number
}

/**
 * Wraps a SQL client and records every statement sent through it (queries, BEGIN, COMMIT,
 * ROLLBACK) with its duration: how the suites count statements per sync, and find the statement
 * to EXPLAIN when a sync is slower than it should be.
 */
export function recordingClient(inner: SqlClient): {
  readonly client: SqlClient
  /** Statements since the last call, in the order they were sent. */
  readonly take: () => RecordedStatement[]
} {
  let log: RecordedStatement[] = []
  const timed = async <A>(
    text: string,
    params: readonly unknown[] | undefined,
    run: () => Promise<A>,
  ): Promise<A> => {
    const start = performance.now()
    try {
      return await run()
    } finally {
      log.push({ text, params, ms: performance.now() - start })
    }
  }
  const client: SqlClient = {
    concurrent: inner.concurrent,
    query: (text, params) => timed(text, params, () => inner.query(text, params)),
    begin: async () => {
      const tx = await timed('BEGIN', undefined, () => inner.begin())
      return {
        query: (text, params) => timed(text, params, () => tx.query(text, params)),
        execScript: (script) => timed(script, undefined, () => tx.execScript(script)),
        commit: () => timed('COMMIT', undefined, () => tx.commit()),
        rollback: () => timed('ROLLBACK', undefined, () => tx.rollback()),
      }
    },
  }
  return {
    client,
    take: () => {
      const taken = log
      log = []
      return taken
    },
  }
}

/**
 * Wraps a SQL client so that each statement `match` picks, inside a transaction, is first run
 * under `EXPLAIN (ANALYZE, BUFFERS)` in a savepoint that is rolled back, then run for real: the
 * plan shows where a statement spends its time, and the transaction goes on unchanged. For a
 * profiling run only (every matched statement runs twice).
 */
export function explainingClient(
  inner: SqlClient,
  match: (text: string) => boolean,
): {
  readonly client: SqlClient
  /** The plans so far, with the statement each one is of, in the order they ran. */
  readonly plans: () => { readonly text: string; readonly plan: string }[]
} {
  const plans: { readonly text: string; readonly plan: string }[] = []
  const client: SqlClient = {
    concurrent: inner.concurrent,
    query: (text, params) => inner.query(text, params),
    begin: async () => {
      const tx = await inner.begin()
      return {
        ...tx,
        query: async (text, params) => {
          if (match(text)) {
            await tx.query('SAVEPOINT groupsync_bench_explain')
            const { rows } = await tx.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params)
            plans.push({ text, plan: rows.map((r) => String(Object.values(r)[0])).join('\n') })
            await tx.query('ROLLBACK TO SAVEPOINT groupsync_bench_explain')
          }
          return tx.query(text, params)
        },
      }
    },
  }
  return { client, plans: () => [...plans] }
}
