import { randomUUID } from 'node:crypto'
import type { MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import pg from 'pg'

/** A store for one test file, and how to dispose of it. */
export interface StoreHandle {
  readonly store: MembershipStore
  readonly dispose: () => Promise<void>
}

/** Makes a fresh store; each suite calls it once and gives every test its own org. */
export type StoreFactory = () => Promise<StoreHandle>

/** The in-memory store. */
export const memoryStore: StoreFactory = () => {
  const store = createMemoryMembershipStore()
  return Promise.resolve({ store, dispose: () => store.close() })
}

/** The Postgres store on embedded, in-memory PGlite (migrated on open). */
export const pgliteStore: StoreFactory = async () => {
  const store = await createPostgresMembershipStore()
  return { store, dispose: () => store.close() }
}

/**
 * The server's connection string: `DATABASE_URL`. Outside CI a missing one skips the server run;
 * in CI (which always sets it) a missing one is an error, so the run is never silently skipped.
 */
export function databaseUrl(): string | undefined {
  const url = process.env['DATABASE_URL']
  if ((url === undefined || url === '') && process.env['CI'] !== undefined) {
    throw new Error('CI is set but DATABASE_URL is not: the Postgres server tests cannot run')
  }
  return url === '' ? undefined : url
}

/** The Postgres store on a real server, in a schema of its own that is dropped afterwards. */
export const serverStore =
  (url: string): StoreFactory =>
  async () => {
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    const schema = `gs_sync_${randomUUID().replaceAll('-', '')}`
    const store = await createPostgresMembershipStore({ pool, schema, migrate: true })
    return {
      store,
      dispose: async () => {
        await store.close()
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await pool.end()
      },
    }
  }
