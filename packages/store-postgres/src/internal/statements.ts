import { asKind, type ExtraColumn, type Mapping } from './mapping.js'
import { foldedHash } from './slice-fold.js'
import { auditCtes, lockKey, ms } from './sql-fragments.js'

// The store's SQL, as data: built once per store from its tables' mapping, parameters only, and a
// constant number of statements per unit of work whatever the size of the change. The units of
// work (a login, a manual change, a user removal, a settings change) are here; group changes and
// listings in admin-statements.ts. Ids travel as text and are cast to the column's kind in SQL;
// groupsync's own tables (settings, last syncs, removals, sources, audit) key on that text.

/** The columns and values of an insert's extra columns, their parameters from `$first` on. */
export const extraColumns = (extra: readonly ExtraColumn[], first: number, perRow: string) => {
  let n = first
  const values = extra.map(({ value }) => {
    if ('sql' in value) return value.sql
    const p = `$${n++}`
    return perRow === '' ? `${p}::text::${value.type}` : `(${p}::text[])[${perRow}]::${value.type}`
  })
  return {
    columns: extra.map((e) => `, ${e.column}`).join(''),
    values: values.map((v) => `, ${v}`).join(''),
    /** The parameters of the function-valued columns for `rows` rows (one array each per row). */
    params: (rows: number): unknown[] =>
      extra.flatMap(({ value }) => {
        if ('sql' in value) return []
        const made = Array.from({ length: rows }, () => value.fn())
        return [perRow === '' ? made[0] : made]
      }),
  }
}

/** Pieces every statement over the mapped tables shares. */
export const relations = (m: Mapping) => {
  const { q, groups: G, members: M, limits } = m
  const org = (p: string) => asKind(limits.ids.org, p)
  const user = (p: string) => asKind(limits.ids.user, p)
  const group = (p: string, array = false) => asKind(limits.ids.group, p, array)
  // A timestamp without time zone (or a date) is read in the session's zone, the one now()
  // was written with.
  const created = (alias: string, column: string | null) =>
    column === null ? 'NULL' : ms(`${alias === '' ? column : `${alias}.${column}`}::timestamptz`)
  /** Whether membership row `m` was added by the sync, as 'sync' or 'manual'. */
  const sourceOf = (orgText: string, userText: string): string =>
    M.source !== null
      ? `CASE WHEN m.${M.source.column} = ${M.source.sync} THEN 'sync' ELSE 'manual' END`
      : `CASE WHEN EXISTS (SELECT 1 FROM ${q}.membership_sources AS s WHERE s.org_id = ${orgText}
          AND s.user_id = ${userText} AND s.group_id = m.${M.group}::text${
            M.created === null ? '' : ` AND s.created_at IS NOT DISTINCT FROM m.${M.created}`
          }) THEN 'sync' ELSE 'manual' END`
  /**
   * The memberships (`m`) of the org (`$org`), joined to their groups (`g`) when the groups table
   * must say which org a membership is in or which groups count.
   */
  const orgMemberships = (orgParam: string): string =>
    M.org !== null && G.where === null
      ? `${M.rows} AS m WHERE m.${M.org} = ${org(orgParam)}`
      : `${M.rows} AS m JOIN ${G.rows} AS g ON g.${G.id} = m.${M.group}${
          M.org === null ? '' : ` AND g.${G.org} = m.${M.org}`
        } WHERE g.${G.org} = ${org(orgParam)}`
  /** The group of id `$p` in the org `$org`, if it counts. */
  const groupRow = (orgParam: string, idParam: string, alias = 'g'): string =>
    `${G.rows} AS ${alias} WHERE ${alias}.${G.org} = ${org(orgParam)} AND ${alias}.${G.id} = ${group(idParam)}`
  /**
   * A group of the org with exactly the name `$name`, found through the fold index by the name's
   * fold `$folded` (computed by the caller).
   */
  const sameName = (orgParam: string, nameParam: string, foldedParam: string, alias: string) =>
    `${alias}.${G.org} = ${org(orgParam)} AND ${foldedHash(q, `${alias}.${G.name}`)} = hashtextextended(${foldedParam}::text, 0) AND ${alias}.${G.name} = ${nameParam}::text`
  return { org, user, group, created, sourceOf, orgMemberships, groupRow, sameName }
}

/** The statements of the units of work, for one mapping. */
export const unitStatements = (m: Mapping) => {
  const { q, groups: G, members: M } = m
  const r = relations(m)
  const orgKey = lockKey('org', '$2::text')
  const userKey = lockKey('user', '$2::text, $3::text')
  // Every transaction of the store says it is the sync's, for the optional trigger that refuses
  // other writers' membership changes while mapping is on.
  const writer = `set_config('groupsync.writer', 'sync', true)`
  const mine = `SELECT m.${M.group} AS gid, ${r.sourceOf('$1::text', '$2::text')} AS source,
      ${r.created('m', M.created)} AS created FROM ${r.orgMemberships('$1')}
      AND m.${M.user} = ${r.user('$2')}`
  const slice = `SELECT g.${G.id}::text AS id, g.${G.name} AS name, ${r.created('g', G.created)} AS created`
  const adds = extraColumns(M.extra, 16, 'a.ord')
  const source = M.source
  return {
    /**
     * $1 schema, $2 org: the org's exclusive lock if it is free, without waiting for it (a
     * waiting exclusive request would make every later login of the org wait behind it).
     */
    tryLockOrg: `SELECT ${writer}, pg_try_advisory_xact_lock(${orgKey}) AS locked`,
    /**
     * $1 schema, $2 org, $3 user: the org's shared lock and the user's exclusive lock, in this
     * order everywhere, taken by logins, manual changes and user removals.
     */
    lockUser: `SELECT ${writer}, pg_advisory_xact_lock_shared(${orgKey}), pg_advisory_xact_lock(${userKey})`,

    /**
     * $1 org, $2 user, $3 the slice keys' folds: everything a login decides on, in one statement.
     * The slice (rule 11) is the groups whose folded name hashes like a key's fold — found
     * through the index on that hash; core keeps exactly the slice — and the groups of the user's
     * memberships, by id; nothing here reads the org's other groups, so a login costs the same in
     * an org of ten groups or of a million. Each key and each membership is looked up on its own
     * (LATERAL, kept a subquery by OFFSET 0): a plain join leaves the planner free to scan the
     * org's groups once per membership, which it does when its statistics predate the org.
     */
    readLogin: `WITH mine AS MATERIALIZED (${mine}), slice AS (
      ${slice} FROM unnest($3::text[]) AS k(key)
        CROSS JOIN LATERAL (SELECT * FROM ${G.rows} AS g0 WHERE g0.${G.org} = ${r.org('$1')}
          AND ${foldedHash(q, `g0.${G.name}`)} = hashtextextended(k.key, 0) OFFSET 0) AS g
      UNION
      ${slice} FROM mine
        CROSS JOIN LATERAL (SELECT * FROM ${G.rows} AS g0 WHERE g0.${G.org} = ${r.org('$1')}
          AND g0.${G.id} = mine.gid OFFSET 0) AS g
    )
    SELECT
      (SELECT json_build_array(manage_group_memberships, match_mode)
         FROM ${q}.org_settings WHERE org_id = $1::text)::text AS settings,
      (SELECT json_agg(json_build_array(id, name, created)) FROM slice)::text AS groups,
      (SELECT json_agg(json_build_array(gid::text, source, created)) FROM mine)::text
        AS memberships,
      (SELECT json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})
         FROM ${q}.user_syncs WHERE org_id = $1::text AND user_id = $2::text)::text AS last_sync,
      (SELECT ${ms('removed_at')}
         FROM ${q}.user_removals WHERE org_id = $1::text AND user_id = $2::text)::text AS removed_ms`,

    /**
     * $1 org, $2 user, $3 group ids to remove, $4/$5 group ids and sources to add, $6-$13 audit
     * columns, $14 sync time (ISO text or null), $15 the token's issue time (ISO text, or null to
     * keep the recorded one), $16… the values of function-valued extra columns: all the writes of a
     * login or a manual change in one statement, the same statement whatever the size of the
     * diff. An add skips a membership someone else wrote meanwhile (the memberships table may
     * have no unique key to do it).
     */
    writeSync: `WITH removed AS (
      DELETE FROM ${M.table} AS m WHERE m.${M.user} = ${r.user('$2')}
        AND m.${M.group} = ANY(${r.group('$3', true)})${M.org === null ? '' : ` AND m.${M.org} = ${r.org('$1')}`}${M.where === null ? '' : ` AND (${M.where})`}
      RETURNING 1
    ), added AS (
      INSERT INTO ${M.table} (${M.group}, ${M.user}${M.org === null ? '' : `, ${M.org}`}${
        source === null ? '' : `, ${source.column}`
      }${adds.columns})
      SELECT ${r.group('a.group_id')}, ${r.user('$2')}${M.org === null ? '' : `, ${r.org('$1')}`}${
        source === null
          ? ''
          : `, CASE a.source WHEN 'sync' THEN ${source.sync} ELSE ${source.manual} END`
      }${adds.values}
      FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS a(group_id, source, ord)
      WHERE NOT EXISTS (SELECT 1 FROM ${M.rows} AS x WHERE x.${M.group} = ${r.group('a.group_id')}
        AND x.${M.user} = ${r.user('$2')})
      -- In key order: the inserts into a key index and the foreign-key checks walk it in order.
      ORDER BY a.group_id
      RETURNING ${M.group}::text AS group_id, ${M.created ?? 'NULL::timestamptz'} AS created
    ),${
      source === null
        ? ` unsourced AS (
      DELETE FROM ${q}.membership_sources WHERE org_id = $1::text AND user_id = $2::text
        AND (group_id = ANY($3::text[]) OR group_id IN
          (SELECT g FROM unnest($4::text[], $5::text[]) AS u(g, s) WHERE s = 'manual'))
      RETURNING 1
    ), sourced AS (
      INSERT INTO ${q}.membership_sources (org_id, user_id, group_id, created_at)
      SELECT $1::text, $2::text, added.group_id, added.created FROM added
        JOIN unnest($4::text[], $5::text[]) AS s(group_id, source) ON s.group_id = added.group_id
      WHERE s.source = 'sync'
      ON CONFLICT (org_id, user_id, group_id) DO UPDATE SET created_at = EXCLUDED.created_at
      RETURNING 1
    ),`
        : ''
    } ${auditCtes(q, '$1::text', 6)}, synced AS (
      INSERT INTO ${q}.user_syncs AS u (org_id, user_id, last_synced_at, last_token_issued_at)
      SELECT $1::text, $2::text, $14::timestamptz, $15::timestamptz WHERE $14::timestamptz IS NOT NULL
      ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at,
        last_token_issued_at = COALESCE(EXCLUDED.last_token_issued_at, u.last_token_issued_at)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM removed)::int AS removed, (SELECT count(*) FROM added)::int AS added,
      (SELECT count(*) FROM audited)::int AS audited`,
    /** The parameters of writeSync's function-valued extra columns for `rows` added rows. */
    writeSyncExtra: adds.params,

    /**
     * $1 org, $2 user, $3 sync time (ISO text), $4 the token's issue time (ISO text, or null to
     * keep the recorded one): the write of a login that changes no membership and appends no
     * event — only the last-sync record (S7). A plain statement the server plans in a fraction of
     * the time of the CTE, for the most common login of all.
     */
    writeSyncTime: `INSERT INTO ${q}.user_syncs AS u (org_id, user_id, last_synced_at, last_token_issued_at)
      VALUES ($1::text, $2::text, $3::timestamptz, $4::timestamptz)
      ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at,
        last_token_issued_at = COALESCE(EXCLUDED.last_token_issued_at, u.last_token_issued_at)`,

    /**
     * $1 org, $2 group, $3 user: what a manual change decides on — the settings (the
     * manual-change lock), the group as JSON [id, name, created ms] (null if none), and whether
     * the user is in it.
     */
    readMember: `SELECT
      (SELECT json_build_array(manage_group_memberships, match_mode)
         FROM ${q}.org_settings WHERE org_id = $1::text)::text AS settings,
      (SELECT json_build_array(g.${G.id}::text, g.${G.name}, ${r.created('g', G.created)})
         FROM ${r.groupRow('$1', '$2')})::text AS group,
      EXISTS (SELECT 1 FROM ${M.rows} AS m WHERE m.${M.group} = ${r.group('$2')}
        AND m.${M.user} = ${r.user('$3')}) AS is_member`,

    /**
     * $1 org, $2 user: what a user removal decides on — the user's memberships as JSON
     * [group id, source, created ms, group name] rows, and whether a last-sync record exists.
     */
    readRemoval: `SELECT
      (SELECT json_agg(json_build_array(m.${M.group}::text, ${r.sourceOf('$1::text', '$2::text')},
          ${r.created('m', M.created)}, g.${G.name}))
         FROM ${M.rows} AS m JOIN ${G.rows} AS g ON g.${G.id} = m.${M.group}${
           M.org === null ? '' : ` AND g.${G.org} = m.${M.org}`
         }
         WHERE g.${G.org} = ${r.org('$1')} AND m.${M.user} = ${r.user('$2')})::text AS memberships,
      EXISTS (SELECT 1 FROM ${q}.user_syncs WHERE org_id = $1::text AND user_id = $2::text)
        AS has_last_sync`,

    /**
     * $1 org, $2 user, $3 removal time (ISO text), $4-$11 audit columns, $12 the group ids read:
     * every write of a user removal in one statement — the memberships and the last-sync record
     * go, the removal time is recorded, the events appended.
     */
    writeRemoval: `WITH unjoined AS (
      DELETE FROM ${M.table} AS m WHERE m.${M.user} = ${r.user('$2')}
        AND m.${M.group} = ANY(${r.group('$12', true)})${M.where === null ? '' : ` AND (${M.where})`}
      RETURNING 1
    ), unsourced AS (
      DELETE FROM ${q}.membership_sources WHERE org_id = $1::text AND user_id = $2::text RETURNING 1
    ), unsynced AS (
      DELETE FROM ${q}.user_syncs WHERE org_id = $1::text AND user_id = $2::text RETURNING 1
    ), removal AS (
      INSERT INTO ${q}.user_removals (org_id, user_id, removed_at)
      VALUES ($1::text, $2::text, $3::timestamptz)
      ON CONFLICT (org_id, user_id) DO UPDATE SET removed_at = EXCLUDED.removed_at
      RETURNING 1
    ), ${auditCtes(q, '$1::text', 4)}
    SELECT (SELECT count(*) FROM unjoined)::int AS removed,
      (SELECT count(*) FROM audited)::int AS audited`,

    /** $1 org: the settings as JSON [manage, match mode], or no row. */
    readSettings: `SELECT json_build_array(manage_group_memberships, match_mode)::text AS settings
      FROM ${q}.org_settings WHERE org_id = $1::text`,

    /** $1 org, $2 manageGroupMemberships, $3 matchMode, $4-$11 audit columns. */
    writeSettings: `WITH settings AS (
      INSERT INTO ${q}.org_settings (org_id, manage_group_memberships, match_mode)
      VALUES ($1::text, $2::boolean, $3::text)
      ON CONFLICT (org_id) DO UPDATE SET manage_group_memberships = EXCLUDED.manage_group_memberships,
        match_mode = EXCLUDED.match_mode, updated_at = now()
      RETURNING 1
    ), ${auditCtes(q, '$1::text', 4)}
    SELECT (SELECT count(*) FROM audited)::int AS audited`,

    /** $1 org, $2 user: the last sync as JSON [synced ms, token issued ms or null], or no row. */
    readLastSync: `SELECT
      json_build_array(${ms('last_synced_at')}, ${ms('last_token_issued_at')})::text AS last_sync
      FROM ${q}.user_syncs WHERE org_id = $1::text AND user_id = $2::text`,
  }
}

/** The statements of the units of work, by name. */
export type UnitStatements = ReturnType<typeof unitStatements>
