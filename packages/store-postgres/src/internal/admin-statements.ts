import { AUDIT_COLUMNS, auditCtes, ms } from './sql-fragments.js'

/** The statements of group changes and listings, for one schema `s` (quoted). */
export const adminStatements = (s: string) => ({
  /** $1 org, $2 name, $3 its slice key: the new group as JSON [id, name, created ms]. */
  createGroup: `INSERT INTO ${s}.org_groups (org_id, name, name_key) VALUES ($1, $2, $3)
    RETURNING json_build_array(id, name, ${ms('created_at')})::text AS group`,
  /** $1 org, $2 group: the group's name as JSON, under the org's lock (for a rename's event). */
  readGroupName: `SELECT to_json(name)::text AS name FROM ${s}.org_groups
    WHERE org_id = $1 AND id = $2`,
  /** $1 org, $2 group, $3 name, $4 its slice key: the renamed group as JSON [id, name, created ms]. */
  renameGroup: `UPDATE ${s}.org_groups SET name = $3, name_key = $4 WHERE org_id = $1 AND id = $2
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
})

/** The statements of group changes and listings, by name. */
export type AdminStatements = ReturnType<typeof adminStatements>
