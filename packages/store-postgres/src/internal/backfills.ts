import { sliceKey } from '@groupsync/core'
import type { SqlQueryable } from '../sql-client.js'
import { text } from './rows.js'

// Backfills: the steps of a migration that SQL cannot do right. A migration file names one with a
// line `-- groupsync:backfill <name>`; the runner runs the SQL before that line, then the
// backfill, then the rest, all in the migration's transaction.

/** Rows per round trip: enough to make the round trips cheap, few enough to hold in memory. */
const BATCH = 1_000

/**
 * Sets `org_groups.name_key` to `sliceKey(name)` — JavaScript's lower-casing, which the store
 * writes from then on — for every group whose key is not already that. Walks the table in
 * primary-key order, a batch at a time, so the memory it takes does not grow with the table.
 * Idempotent: run again, it finds nothing to change. Returns how many rows it changed.
 */
export const backfillNameKeys = async (tx: SqlQueryable, q: string): Promise<number> => {
  // Names travel inside JSON, which PGlite reads back exactly (a text column loses a leading
  // U+FEFF), and keys go back as parameters.
  const first = `SELECT json_build_array(org_id, id, name)::text AS g FROM ${q}.org_groups
    ORDER BY org_id, id LIMIT ${BATCH}`
  const next = `SELECT json_build_array(org_id, id, name)::text AS g FROM ${q}.org_groups
    WHERE (org_id, id) > ($1::text, $2::text) ORDER BY org_id, id LIMIT ${BATCH}`
  const update = `WITH changed AS (
      UPDATE ${q}.org_groups AS g SET name_key = b.key
      FROM unnest($1::text[], $2::text[], $3::text[]) AS b(org_id, id, key)
      WHERE g.org_id = b.org_id AND g.id = b.id AND g.name_key IS DISTINCT FROM b.key
      RETURNING 1
    )
    SELECT count(*)::int AS changed FROM changed`
  let changed = 0
  let last: readonly [string, string] | undefined
  for (;;) {
    const { rows } = await (last === undefined ? tx.query(first) : tx.query(next, [...last]))
    const groups = rows.map((r) => JSON.parse(text(r.g)) as [string, string, string])
    if (groups.length === 0) return changed
    const result = await tx.query(update, [
      groups.map((g) => g[0]),
      groups.map((g) => g[1]),
      groups.map((g) => sliceKey(g[2])),
    ])
    changed += Number(result.rows[0]?.changed ?? 0)
    const tail = groups[groups.length - 1]
    if (tail === undefined || groups.length < BATCH) return changed
    last = [tail[0], tail[1]]
  }
}

/** The backfills a migration file may name, by name. */
export const BACKFILLS: Readonly<
  Record<string, (tx: SqlQueryable, q: string) => Promise<unknown>>
> = {
  'org_groups.name_key': backfillNameKeys,
}

/** A migration script cut at its backfill markers: SQL, then a backfill's name, then SQL, … */
export const splitAtBackfills = (
  script: string,
): readonly ({ readonly sql: string } | { readonly backfill: string })[] => {
  const parts = script.split(/^-- groupsync:backfill ([^\s]+)[ \t]*$/m)
  return parts.map((part, i) => (i % 2 === 0 ? { sql: part } : { backfill: part }))
}
