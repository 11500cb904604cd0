import { StoreError } from '@groupsync/core'

/** The schema the store's tables live in unless told otherwise. */
export const DEFAULT_SCHEMA = 'groupsync'

// Lower-case letters, digits and underscores, up to Postgres' 63-byte identifier limit, not
// starting with a digit or with the reserved `pg_` prefix. Such a name needs no escaping, and the
// quoting below is there only so that it is never folded or read as a keyword.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Checks a schema name and returns it double-quoted for SQL.
 *
 * @throws {@link StoreError} `STORE_INVALID_INPUT` if the name is not a plain identifier
 */
export const quoteSchema = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new StoreError(
      'STORE_INVALID_INPUT',
      'The schema name must be 1-63 lower-case letters, digits or underscores, not start with a ' +
        "digit or 'pg_'; choose another schema name.",
      { path: '/schema', value: schema.slice(0, 100) },
    )
  }
  return `"${schema}"`
}
