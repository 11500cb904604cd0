// The store's SQL. The schema (validated and quoted by quoteSchema) is the only part of any
// statement that is not fixed text; every value travels as a parameter. The statements are built
// once per store.
//
// Every statement that returns text a caller gave (names, user ids, audit fields) returns it
// inside JSON: PGlite decodes each text column with a TextDecoder that drops a leading U+FEFF,
// so a name '\uFEFFadmins' would read back as 'admins'. Inside a JSON array the string never
// starts the column, and JSON.parse gives it back exactly.

/** Epoch milliseconds of a timestamptz, whole, as the JSON/text both drivers return the same way. */
const ms = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)`

/** An advisory lock key: a 64-bit hash of the lock's kind, the schema and the ids. */
const lockKey = (kind: string, ids: string): string =>
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
const auditCtes = (s: string, org: string, first: number): string => {
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

/** All the statements of one store, for one schema. */
export const statements = (s: string) => {
  const orgKey = lockKey('org', '$2::text')
  const userKey = lockKey('user', '$2::text, $3::text')
  return {
    /** $1 schema, $2 org: the org's exclusive lock, taken by group and settings changes. */
    lockOrg: `SELECT pg_advisory_xact_lock(${orgKey})`,
    /**
     * $1 schema, $2 org, $3 user: the org's shared lock and the user's exclusive lock, in this
     * order everywhere, taken by syncs and manual changes.
     */
    lockUser: `SELECT pg_advisory_xact_lock_shared(${orgKey}), pg_advisory_xact_lock(${userKey})`,

    /** $1 org, $2 user: everything a sync decides on, in one round trip. */
    readSnapshot: `SELECT
      (SELECT json_build_array(manage_group_memberships, match_mode)
         FROM ${s}.org_settings WHERE org_id = $1)::text AS settings,
      (SELECT json_agg(json_build_array(id, name, ${ms('created_at')}))
         FROM ${s}.org_groups WHERE org_id = $1)::text AS groups,
      (SELECT json_agg(json_build_array(group_id, source, ${ms('created_at')}))
         FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2)::text AS memberships,
      (SELECT ${ms('last_synced_at')}
         FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2)::text AS last_synced_ms,
      (SELECT ${ms('last_token_issued_at')}
         FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2)::text AS last_token_ms`,

    /**
     * $1 org, $2 user, $3 group ids to remove, $4/$5 group ids and sources to add, $6-$13 audit
     * columns, $14 sync time (ISO text or null), $15 the token's issue time (ISO text, or null to
     * keep the recorded one): all the writes of a sync in one statement, the same statement
     * whatever the size of the diff.
     */
    writeSync: `WITH removed AS (
      DELETE FROM ${s}.memberships
      WHERE org_id = $1 AND user_id = $2 AND group_id = ANY($3::text[])
      RETURNING group_id
    ), added AS (
      INSERT INTO ${s}.memberships (org_id, user_id, group_id, source)
      SELECT $1, $2, a.group_id, a.source FROM unnest($4::text[], $5::text[]) AS a(group_id, source)
      -- In key order: the inserts into the primary key and the foreign-key checks against
      -- org_groups then walk their indexes in order, measurably faster than in name order.
      ORDER BY a.group_id
      ON CONFLICT DO NOTHING
      RETURNING group_id
    ), ${auditCtes(s, '$1', 6)}, synced AS (
      INSERT INTO ${s}.user_syncs AS u (org_id, user_id, last_synced_at, last_token_issued_at)
      SELECT $1, $2, $14::timestamptz, $15::timestamptz WHERE $14::timestamptz IS NOT NULL
      ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at,
        last_token_issued_at = COALESCE(EXCLUDED.last_token_issued_at, u.last_token_issued_at)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM removed)::int AS removed, (SELECT count(*) FROM added)::int AS added,
      (SELECT count(*) FROM audited)::int AS audited`,

    /** $1 org, $2 group, $3 user: whether the group exists and the user is in it. */
    readMember: `SELECT
      EXISTS (SELECT 1 FROM ${s}.org_groups WHERE org_id = $1 AND id = $2) AS group_exists,
      EXISTS (SELECT 1 FROM ${s}.memberships WHERE org_id = $1 AND group_id = $2 AND user_id = $3)
        AS is_member`,

    /** $1 org, $2 manageGroupMemberships, $3 matchMode, $4-$11 audit columns. */
    writeSettings: `WITH settings AS (
      INSERT INTO ${s}.org_settings (org_id, manage_group_memberships, match_mode)
      VALUES ($1, $2::boolean, $3)
      ON CONFLICT (org_id) DO UPDATE SET manage_group_memberships = EXCLUDED.manage_group_memberships,
        match_mode = EXCLUDED.match_mode, updated_at = now()
      RETURNING 1
    ), ${auditCtes(s, '$1', 4)}
    SELECT (SELECT count(*) FROM audited)::int AS audited`,

    readSettings: `SELECT manage_group_memberships, match_mode FROM ${s}.org_settings WHERE org_id = $1`,

    /** $1 org, $2 name: the new group as JSON [id, name, created ms]. */
    createGroup: `INSERT INTO ${s}.org_groups (org_id, name) VALUES ($1, $2)
      RETURNING json_build_array(id, name, ${ms('created_at')})::text AS group`,
    /** $1 org, $2 group: the group's name as JSON, under the org's lock (for a rename's event). */
    readGroupName: `SELECT to_json(name)::text AS name FROM ${s}.org_groups
      WHERE org_id = $1 AND id = $2`,
    /** $1 org, $2 group, $3 name: the renamed group as JSON [id, name, created ms]. */
    renameGroup: `UPDATE ${s}.org_groups SET name = $3 WHERE org_id = $1 AND id = $2
      RETURNING json_build_array(id, name, ${ms('created_at')})::text AS group`,
    /**
     * $1 org, $2 group: deletes the group and its memberships, returning the group's name as
     * JSON (null if there was no such group) and the members taken away, for their audit events.
     */
    deleteGroup: `WITH members AS (
      DELETE FROM ${s}.memberships WHERE org_id = $1 AND group_id = $2 RETURNING user_id, source
    ), gone AS (
      DELETE FROM ${s}.org_groups WHERE org_id = $1 AND id = $2 RETURNING name
    )
    SELECT (SELECT to_json(name) FROM gone)::text AS name,
      (SELECT json_agg(json_build_array(user_id, source)) FROM members)::text AS members`,
    /** $1 org, $2-$9 audit columns: appends events on their own (a group change's). */
    appendAudit: `WITH ${auditCtes(s, '$1', 2)}
    SELECT (SELECT count(*) FROM audited)::int AS audited`,
    /** $1 org: the org's groups as JSON [id, name, created ms] rows. */
    listGroups: `SELECT json_agg(json_build_array(id, name, ${ms('created_at')}))::text AS groups
      FROM ${s}.org_groups WHERE org_id = $1`,

    /** $1 org, $2 group: whether the group exists, and its members as JSON. */
    listMembers: `SELECT
      EXISTS (SELECT 1 FROM ${s}.org_groups WHERE org_id = $1 AND id = $2) AS group_exists,
      (SELECT json_agg(json_build_array(user_id, source, ${ms('created_at')}))
         FROM ${s}.memberships WHERE org_id = $1 AND group_id = $2)::text AS members`,
    /** $1 org, $2 user: the user's memberships as JSON [group id, source, created ms] rows. */
    listUserMemberships: `SELECT
      json_agg(json_build_array(group_id, source, ${ms('created_at')}))::text AS memberships
      FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2`,
    /** $1 org, $2 time (ISO text): JSON [user id, last sync ms] rows. */
    listStaleMembers: `SELECT json_agg(json_build_array(user_id, ${ms('last_synced_at')}))::text
        AS stale
      FROM ${s}.user_syncs WHERE org_id = $1 AND last_synced_at < $2::timestamptz`,
    /**
     * $1 org, $2 after seq, $3 user or null, $4 limit or null (no limit): one row per event, its
     * columns as a JSON array [seq, the audit columns, at ms].
     */
    listAuditEvents: `SELECT json_build_array(seq, ${AUDIT_COLUMNS.join(', ')},
        ${ms('at')})::text AS event
      FROM ${s}.audit_events
      WHERE org_id = $1 AND seq > $2::bigint AND ($3::text IS NULL OR user_id = $3::text)
      ORDER BY audit_events.seq
      LIMIT $4::bigint`,
  }
}

/** The statements of a store, by name. */
export type Statements = ReturnType<typeof statements>
