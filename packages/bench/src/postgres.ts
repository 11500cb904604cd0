import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
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

/** How {@link openServerPool} connects. */
export interface ServerPoolOptions {
  /** Connect to this port of 127.0.0.1 (a proxy in front of the server) instead. */
  readonly viaPort?: number
  /**
   * node-postgres' pipeline mode: a connection sends a query without waiting for the answers of
   * those before it, so the store sends a unit of work's statements together.
   */
  readonly pipeline?: boolean
}

/**
 * Opens a pool of at most `max` connections on the server the probe found (or on a proxy in
 * front of it) with the same user and database. Its connections stay open until `end`, so that a
 * reconnection never lands in a timed call.
 */
export function openServerPool(max: number, options: ServerPoolOptions = {}): ServerPool {
  const url = new URL(databaseUrl())
  if (options.viaPort !== undefined) {
    url.hostname = '127.0.0.1'
    url.port = String(options.viaPort)
  }
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max,
    idleTimeoutMillis: 0,
    pipeline: options.pipeline === true,
  })
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

/**
 * The smallest transaction a locked read-then-write could be, timed as a reference: BEGIN, an
 * advisory lock, one statement, COMMIT, each sent after the answer to the one before (4 round
 * trips whatever the pool's mode), on a connection of `pool`.
 */
export async function minimalTransaction(
  pool: pg.Pool,
  lockKey: string,
  statement: { readonly text: string; readonly values: readonly unknown[] },
): Promise<void> {
  const connection = await pool.connect()
  try {
    await connection.query('BEGIN')
    await connection.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey])
    await connection.query(statement.text, [...statement.values])
    await connection.query('COMMIT')
    connection.release()
  } catch (error) {
    connection.release(error instanceof Error ? error : true)
    throw error
  }
}

/**
 * The CPU time the server's backend processes of `pool` have used, read from `/proc` (the server
 * on this machine, Linux); undefined where that cannot be read. Checks out `connections` at once
 * to learn their process ids, so call it once the pool is at its size and before the timing.
 */
export async function serverBackendCpu(
  pool: pg.Pool,
  connections: number,
): Promise<() => number | undefined> {
  const held = await Promise.all(Array.from({ length: connections }, () => pool.connect()))
  const pids: number[] = []
  for (const c of held) {
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    pids.push(Number(rows[0]?.pid))
    c.release()
  }
  let ticksPerSecond: number
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  } catch {
    return () => undefined
  }
  return () => {
    let ticks = 0
    for (const pid of pids) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return undefined
        // Fields after the command's closing parenthesis: state is the first, utime the 12th.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
        ticks += Number(fields[11]) + Number(fields[12])
      } catch {
        return undefined
      }
    }
    return Number.isFinite(ticks) ? (ticks / ticksPerSecond) * 1000 : undefined
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
 * Runs `fn` with `count` schema names of the bench's own and drops those schemas afterwards,
 * whether `fn` succeeded or not, so that a run leaves nothing behind on a shared server.
 */
export async function withSchemas<A>(
  client: SqlClient,
  count: number,
  fn: (schemas: readonly string[]) => Promise<A>,
): Promise<A> {
  const schemas = Array.from({ length: count }, benchSchema)
  try {
    return await fn(schemas)
  } finally {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  }
}

/** Runs `fn` on a freshly migrated schema of groupsync's default tables, dropped afterwards. */
export const withMigratedSchema = <A>(
  client: SqlClient,
  fn: (schema: string) => Promise<A>,
): Promise<A> =>
  withSchemas(client, 1, async ([schema = benchSchema()]) => {
    await migrate(client, { schema })
    return fn(schema)
  })

/** One statement a {@link recordingClient} saw: its text, parameters and time to answer. */
export interface RecordedStatement {
  readonly text: string
  readonly params: readonly unknown[] | undefined
  /** When it was issued (`performance.now()`): statements issued together overlap. */
  readonly startMs: number
  readonly ms: number
}

/**
 * The time during which at least one of `statements` was in flight: their sum would count twice
 * the statements a store issues together (the locks and the read).
 */
export const inFlightMs = (statements: readonly RecordedStatement[]): number => {
  let total = 0
  let reached = Number.NEGATIVE_INFINITY
  for (const x of [...statements].sort((a, b) => a.startMs - b.startMs)) {
    const end = x.startMs + x.ms
    total += Math.max(0, end - Math.max(x.startMs, reached))
    reached = Math.max(reached, end)
  }
  return total
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
      log.push({ text, params, startMs: start, ms: performance.now() - start })
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
      // The store may issue a statement before the one before it has settled, and COMMIT with
      // statements in flight: each step here waits for the last, so that the savepoint, the
      // EXPLAIN and the statement of one call never interleave with another's or follow COMMIT.
      let last: Promise<unknown> = Promise.resolve()
      const inTurn = <A>(step: () => Promise<A>): Promise<A> => {
        const next = last.then(step)
        last = next.catch(() => undefined)
        return next
      }
      return {
        ...tx,
        query: (text, params) =>
          inTurn(async () => {
            if (match(text)) {
              await tx.query('SAVEPOINT groupsync_bench_explain')
              const { rows } = await tx.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params)
              plans.push({ text, plan: rows.map((r) => String(Object.values(r)[0])).join('\n') })
              await tx.query('ROLLBACK TO SAVEPOINT groupsync_bench_explain')
            }
            return tx.query(text, params)
          }),
        commit: () => inTurn(() => tx.commit()),
        rollback: () => inTurn(() => tx.rollback()),
      }
    },
  }
  return { client, plans: () => [...plans] }
}
