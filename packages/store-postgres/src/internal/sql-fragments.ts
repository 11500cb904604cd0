// Pieces of SQL shared by the statements of units of work and of admin operations. Identifiers
// (the schema, the mapped tables and columns) are quoted; every value travels as a parameter.
//
// Every statement that returns text a caller gave (names, user ids, audit fields) returns it
// inside JSON: PGlite decodes each text column with a TextDecoder that drops a leading U+FEFF,
// so a name '\uFEFFadmins' would read back as 'admins'. Inside a JSON array the string never
// starts the column, and JSON.parse gives it back exactly.

/** Epoch milliseconds of a timestamptz, whole, as the JSON/text both drivers return the same way. */
export const ms = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)`

/** An advisory lock key: a 64-bit hash of the lock's kind, the schema and the ids. */
export const lockKey = (kind: string, ids: string): string =>
  `hashtextextended(json_build_array('groupsync.${kind}', $1::text, ${ids})::text, 0)`

/** The audit columns, in the order of the arrays the write statements take. */
export const AUDIT_COLUMNS = [
  'type',
  'user_id',
  'group_id',
  'group_name',
  'source',
  'claim_digest',
  'actor',
  'detail',
] as const

/**
 * The CTEs that append audit events from parallel text arrays starting at parameter `$first`
 * (the org id is `$org`). The counter row's lock is held until commit, so within an organisation
 * seq numbers follow commit order.
 */
export const auditCtes = (s: string, org: string, first: number): string => {
  const p = (i: number) => `$${first + i}::text[]`
  const n = `cardinality(${p(0)})`
  const columns = AUDIT_COLUMNS.join(', ')
  return `counter AS (
    INSERT INTO ${s}.audit_counters AS c (org_id, last_seq)
    SELECT ${org}, ${n} WHERE ${n} > 0
    ON CONFLICT (org_id) DO UPDATE SET last_seq = c.last_seq + EXCLUDED.last_seq
    RETURNING last_seq
  ), audited AS (
    INSERT INTO ${s}.audit_events (org_id, seq, ${columns})
    SELECT ${org}, counter.last_seq - ${n} + e.ord, e.type, e.user_id, e.group_id, e.group_name,
      e.source, e.claim_digest, e.actor, e.detail::jsonb
    FROM counter,
      unnest(${AUDIT_COLUMNS.map((_, i) => p(i)).join(', ')})
        WITH ORDINALITY AS e(${columns}, ord)
    RETURNING seq
  )`
}
