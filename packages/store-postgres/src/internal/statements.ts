import { auditCtes, keyHash, lockKey, ms } from './sql-fragments.js'

// The store's SQL, as data: parameters only, built once per store, and a constant number of
// statements per unit of work whatever the size of the change. The units of work (a login, a
// manual change, a user removal, a settings change) are here; group changes and listings in
// admin-statements.ts.

/** The statements of the units of work, for one schema `s` (quoted). */
export const unitStatements = (s: string) => {
  const orgKey = lockKey('org', '$2::text')
  const userKey = lockKey('user', '$2::text, $3::text')
  return {
    /** $1 schema, $2 org: the org's exclusive lock, taken by group and settings changes. */
    lockOrg: `SELECT pg_advisory_xact_lock(${orgKey})`,
    /**
     * $1 schema, $2 org, $3 user: the org's shared lock and the user's exclusive lock, in this
     * order everywhere, taken by logins, manual changes and user removals.
     */
    lockUser: `SELECT pg_advisory_xact_lock_shared(${orgKey}), pg_advisory_xact_lock(${userKey})`,

    /**
     * $1 org, $2 user, $3 slice keys: everything a login decides on, in one round trip. The
     * slice (rule 11) is the groups whose key is one of $3 — found through the index on the
     * key's hash, then compared exactly — and the groups of the user's memberships, found through
     * the primary keys; nothing here reads the org's other groups, so a login costs the same in
     * an org of ten groups or of a million. Each key and each membership is looked up on its own
     * (LATERAL, kept a subquery by OFFSET 0): a plain join leaves the planner free to scan the
     * org's groups once per membership, which it does when its statistics predate the org and
     * take it for a row or two (10^8 rows read for 10,000 memberships; see migration 0005).
     */
    readLogin: `WITH mine AS MATERIALIZED (
      SELECT group_id, source, created_at FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2
    ), slice AS (
      SELECT g.id, g.name, g.created_at FROM unnest($3::text[]) AS k(key)
        CROSS JOIN LATERAL (
          SELECT id, name, created_at FROM ${s}.org_groups
          WHERE org_id = $1 AND ${keyHash('name_key')} = ${keyHash('k.key')} AND name_key = k.key
          OFFSET 0
        ) AS g
      UNION
      SELECT g.id, g.name, g.created_at FROM mine
        CROSS JOIN LATERAL (
          SELECT id, name, created_at FROM ${s}.org_groups
          WHERE org_id = $1 AND id = mine.group_id
          OFFSET 0
        ) AS g
    )
    SELECT
      (SELECT json_build_array(manage_group_memberships, match_mode)
         FROM ${s}.org_settings WHERE org_id = $1)::text AS settings,
      (SELECT json_agg(json_build_array(id, name, ${ms('created_at')})) FROM slice)::text AS groups,
      (SELECT json_agg(json_build_array(group_id, source, ${ms('created_at')})) FROM mine)::text
        AS memberships,
      (SELECT json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})
         FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2)::text AS last_sync,
      (SELECT ${ms('removed_at')}
         FROM ${s}.user_removals WHERE org_id = $1 AND user_id = $2)::text AS removed_ms`,

    /**
     * $1 org, $2 user, $3 group ids to remove, $4/$5 group ids and sources to add, $6-$13 audit
     * columns, $14 sync time (ISO text or null), $15 the token's issue time (ISO text, or null to
     * keep the recorded one): all the writes of a login or a manual change in one statement, the
     * same statement whatever the size of the diff.
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

    /**
     * $1 org, $2 user, $3 sync time (ISO text), $4 the token's issue time (ISO text, or null to
     * keep the recorded one): the write of a login that changes no membership and appends no
     * event — only the last-sync record (S7). The same upsert as `writeSync`'s last step, alone:
     * a plain statement the server plans in a fraction of the time of the CTE, for the most
     * common login of all.
     */
    writeSyncTime: `INSERT INTO ${s}.user_syncs AS u (org_id, user_id, last_synced_at, last_token_issued_at)
      VALUES ($1, $2, $3::timestamptz, $4::timestamptz)
      ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at,
        last_token_issued_at = COALESCE(EXCLUDED.last_token_issued_at, u.last_token_issued_at)`,

    /**
     * $1 org, $2 group, $3 user: what a manual change decides on — the settings (the
     * manual-change lock), the group as JSON [id, name, created ms] (null if none), and whether
     * the user is in it.
     */
    readMember: `SELECT
      (SELECT json_build_array(manage_group_memberships, match_mode)
         FROM ${s}.org_settings WHERE org_id = $1)::text AS settings,
      (SELECT json_build_array(id, name, ${ms('created_at')})
         FROM ${s}.org_groups WHERE org_id = $1 AND id = $2)::text AS group,
      EXISTS (SELECT 1 FROM ${s}.memberships WHERE org_id = $1 AND group_id = $2 AND user_id = $3)
        AS is_member`,

    /**
     * $1 org, $2 user: what a user removal decides on — the user's memberships as JSON
     * [group id, source, created ms, group name] rows, and whether a last-sync record exists.
     */
    readRemoval: `SELECT
      (SELECT json_agg(json_build_array(m.group_id, m.source, ${ms('m.created_at')}, g.name))
         FROM ${s}.memberships AS m
         JOIN ${s}.org_groups AS g ON g.org_id = m.org_id AND g.id = m.group_id
         WHERE m.org_id = $1 AND m.user_id = $2)::text AS memberships,
      EXISTS (SELECT 1 FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2) AS has_last_sync`,

    /**
     * $1 org, $2 user, $3 removal time (ISO text), $4-$11 audit columns: every write of a user
     * removal in one statement — the memberships and the last-sync record go, the removal time
     * is recorded, the events appended.
     */
    writeRemoval: `WITH unjoined AS (
      DELETE FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2 RETURNING group_id
    ), unsynced AS (
      DELETE FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2 RETURNING 1
    ), removal AS (
      INSERT INTO ${s}.user_removals (org_id, user_id, removed_at)
      VALUES ($1, $2, $3::timestamptz)
      ON CONFLICT (org_id, user_id) DO UPDATE SET removed_at = EXCLUDED.removed_at
      RETURNING 1
    ), ${auditCtes(s, '$1', 4)}
    SELECT (SELECT count(*) FROM unjoined)::int AS removed,
      (SELECT count(*) FROM audited)::int AS audited`,

    /** $1 org: the settings as JSON [manage, match mode], or no row. */
    readSettings: `SELECT json_build_array(manage_group_memberships, match_mode)::text AS settings
      FROM ${s}.org_settings WHERE org_id = $1`,

    /** $1 org, $2 manageGroupMemberships, $3 matchMode, $4-$11 audit columns. */
    writeSettings: `WITH settings AS (
      INSERT INTO ${s}.org_settings (org_id, manage_group_memberships, match_mode)
      VALUES ($1, $2::boolean, $3)
      ON CONFLICT (org_id) DO UPDATE SET manage_group_memberships = EXCLUDED.manage_group_memberships,
        match_mode = EXCLUDED.match_mode, updated_at = now()
      RETURNING 1
    ), ${auditCtes(s, '$1', 4)}
    SELECT (SELECT count(*) FROM audited)::int AS audited`,

    /** $1 org, $2 user: the last sync as JSON [synced ms, token issued ms or null], or no row. */
    readLastSync: `SELECT
      json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})::text AS last_sync
      FROM ${s}.user_syncs WHERE org_id = $1 AND user_id = $2`,
  }
}

/** The statements of the units of work, by name. */
export type UnitStatements = ReturnType<typeof unitStatements>
