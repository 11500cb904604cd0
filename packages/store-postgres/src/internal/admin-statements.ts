import type { Mapping } from './mapping.js'
import { AUDIT_COLUMNS, auditCtes, ms } from './sql-fragments.js'
import { extraColumns, relations } from './statements.js'

/** The statements of group changes and listings, for one mapping. */
export const adminStatements = (m: Mapping) => {
  const { q, groups: G, members: M } = m
  const r = relations(m)
  const group = `json_build_array(${G.id}::text, ${G.name}, ${r.created('', G.created)})::text AS group`
  const inserted = extraColumns(G.extra, 4, '')
  const groupExists = `EXISTS (SELECT 1 FROM ${r.groupRow('$1', '$2', 'x')})`
  return {
    /**
     * $1 org, $2 name, $3 its fold, $4… the values of function-valued extra columns: the new
     * group as JSON [id, name, created ms]; no row when the org has a group of that name already.
     */
    createGroup: `INSERT INTO ${G.table} (${G.org}, ${G.name}${inserted.columns})
      SELECT ${r.org('$1')}, $2::text${inserted.values}
      WHERE NOT EXISTS (SELECT 1 FROM ${G.rows} AS x WHERE ${r.sameName('$1', '$2', '$3', 'x')})
      RETURNING ${group}`,
    /** The parameters of createGroup's function-valued extra columns. */
    createGroupExtra: inserted.params,
    /** $1 org, $2 group: the group's name as JSON, under the org's lock (for a rename's event). */
    readGroupName: `SELECT to_json(g.${G.name})::text AS name FROM ${r.groupRow('$1', '$2')}`,
    /**
     * $1 org, $2 group, $3 name, $4 its fold: the renamed group as JSON [id, name, created ms];
     * no row when another group of the org has the name.
     */
    renameGroup: `UPDATE ${G.table} SET ${G.name} = $3::text
      WHERE ${G.org} = ${r.org('$1')} AND ${G.id} = ${r.group('$2')}${G.where === null ? '' : ` AND (${G.where})`}
        AND NOT EXISTS (SELECT 1 FROM ${G.rows} AS x WHERE ${r.sameName('$1', '$3', '$4', 'x')}
          AND x.${G.id} <> ${r.group('$2')})
      RETURNING ${group}`,
    /**
     * $1 org, $2 group: deletes the group and its memberships, returning the group's name as
     * JSON (null if the org has no such group) and the members taken away with their sources, for
     * their audit events.
     */
    deleteGroup: `WITH members AS (
      DELETE FROM ${M.table} AS m WHERE m.${M.group} = ${r.group('$2')}${
        M.where === null ? '' : ` AND (${M.where})`
      } AND ${groupExists}
      RETURNING m.${M.user}::text AS user_id, ${
        M.source === null
          ? `${M.created === null ? 'NULL::timestamptz' : `m.${M.created}`} AS created`
          : `CASE WHEN m.${M.source.column} = ${M.source.sync} THEN 'sync' ELSE 'manual' END AS source`
      }
    ), sources AS (
      DELETE FROM ${q}.membership_sources WHERE org_id = $1::text AND group_id = $2::text
      RETURNING user_id, created_at
    ), gone AS (
      DELETE FROM ${G.table} WHERE ${G.org} = ${r.org('$1')} AND ${G.id} = ${r.group('$2')}${
        G.where === null ? '' : ` AND (${G.where})`
      }
      RETURNING ${G.name} AS name
    )
    SELECT (SELECT to_json(name) FROM gone)::text AS name,
      (SELECT json_agg(json_build_array(members.user_id, ${
        M.source === null
          ? `CASE WHEN EXISTS (SELECT 1 FROM sources AS s WHERE s.user_id = members.user_id
              AND s.created_at IS NOT DISTINCT FROM members.created) THEN 'sync' ELSE 'manual' END`
          : 'members.source'
      })) FROM members)::text AS members`,
    /** $1 org, $2-$9 audit columns: appends events on their own (a group change's). */
    appendAudit: `WITH ${auditCtes(q, '$1::text', 2)}
    SELECT (SELECT count(*) FROM audited)::int AS audited`,
    /** $1 org: the org's groups as JSON [id, name, created ms] rows. */
    listGroups: `SELECT json_agg(json_build_array(g.${G.id}::text, g.${G.name},
        ${r.created('g', G.created)}))::text AS groups
      FROM ${G.rows} AS g WHERE g.${G.org} = ${r.org('$1')}`,
    /** $1 org, $2 group: whether the group exists, and its members as JSON. */
    listMembers: `SELECT ${groupExists} AS group_exists,
      (SELECT json_agg(json_build_array(m.${M.user}::text, ${r.sourceOf('$1::text', `m.${M.user}::text`)},
          ${r.created('m', M.created)}))
         FROM ${M.rows} AS m WHERE m.${M.group} = ${r.group('$2')}${
           M.org === null ? '' : ` AND m.${M.org} = ${r.org('$1')}`
         })::text AS members`,
    /** $1 org, $2 user: the user's memberships as JSON [group id, source, created ms] rows. */
    listUserMemberships: `SELECT json_agg(json_build_array(m.${M.group}::text,
        ${r.sourceOf('$1::text', '$2::text')}, ${r.created('m', M.created)}))::text AS memberships
      FROM ${r.orgMemberships('$1')} AND m.${M.user} = ${r.user('$2')}`,
    /** $1 org, $2 time (ISO text): JSON [user id, last sync ms] rows. */
    listStaleMembers: `SELECT json_agg(json_build_array(user_id, ${ms('last_synced_at')}))::text
        AS stale
      FROM ${q}.user_syncs WHERE org_id = $1::text AND last_synced_at < $2::timestamptz`,
    /**
     * $1 org, $2 after seq, $3 user or null, $4 limit or null (no limit): one row per event, its
     * columns as a JSON array [seq, the audit columns, at ms].
     */
    listAuditEvents: `SELECT json_build_array(seq, ${AUDIT_COLUMNS.join(', ')},
        ${ms('at')})::text AS event
      FROM ${q}.audit_events
      WHERE org_id = $1::text AND seq > $2::bigint AND ($3::text IS NULL OR user_id = $3::text)
      ORDER BY audit_events.seq
      LIMIT $4::bigint`,
  }
}

/** The statements of group changes and listings, by name. */
export type AdminStatements = ReturnType<typeof adminStatements>
