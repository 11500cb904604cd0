import { StoreError } from '@groupsync/core'
import { literal, type Mapping } from './mapping.js'
import { foldedHash, SLICE_FOLD_FUNCTION } from './slice-fold.js'

// What a migration may add to the tables a store reads and writes, only when asked: the indexes a
// login's reads use, and a trigger that enforces the manual-change lock in the database. Each is
// idempotent; the names carry a hash of what they are made of, so a changed definition (a new
// fold function, another column) gets a new object beside the old one instead of reusing it.

/** A short, stable hex hash of a text (FNV-1a, 32 bits). */
const hash = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** The indexes a login's reads use on the mapped tables. */
const indexes = (m: Mapping): string[] => {
  const { groups: G, members: M } = m
  const slice = `${foldedHash(m.q, G.name)}, ${G.org}`
  const byUser = `${M.user}, ${M.group}`
  return [
    `CREATE INDEX IF NOT EXISTS "groupsync_slice_${hash(G.table + slice + SLICE_FOLD_FUNCTION)}" ON ${G.table} (${slice})`,
    `CREATE INDEX IF NOT EXISTS "groupsync_user_${hash(M.table + byUser)}" ON ${M.table} (${byUser})`,
  ]
}

/**
 * The trigger of the database-enforced lock: a membership row inserted, deleted or moved while
 * its organisation's mapping is on is refused unless the store's own transaction writes it (its
 * lock statement sets `groupsync.writer`) or a foreign key cascades it (a group deleted, which the
 * rules allow while mapping is on).
 */
const lockTrigger = (m: Mapping): string[] => {
  const { q, groups: G, members: M } = m
  const fn = `${q}."refuse_manual_change_${hash(M.table)}"`
  const orgOf = (row: 'NEW' | 'OLD') =>
    M.org === null
      ? `(SELECT g.${G.org}::text FROM ${G.table} AS g WHERE g.${G.id} = ${row}.${M.group})`
      : `${row}.${M.org}::text`
  const check = (row: 'NEW' | 'OLD') => `
    IF EXISTS (SELECT 1 FROM ${q}.org_settings WHERE org_id = ${orgOf(row)} AND manage_group_memberships) THEN
      RAISE EXCEPTION USING ERRCODE = 'GS001', MESSAGE = format(
        'groupsync: organisation %s maps group memberships from its identity provider: members cannot be added or removed by hand',
        ${orgOf(row)}), HINT = ${literal('Change the groups at the provider, or turn mapping off.')};
    END IF;`
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $lock$
  BEGIN
    IF current_setting('groupsync.writer', true) = 'sync' OR pg_trigger_depth() > 1 THEN
      RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN ${check('NEW')}
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN ${check('OLD')}
    END IF;
    RETURN COALESCE(NEW, OLD);
  END $lock$`,
    `DROP TRIGGER IF EXISTS groupsync_manual_lock ON ${M.table}`,
    `CREATE TRIGGER groupsync_manual_lock BEFORE INSERT OR DELETE OR UPDATE OF ${M.group}, ${M.user}
      ON ${M.table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ]
}

/** The statements that create what the options ask for on the mapped tables. */
export const applicationDdl = (
  m: Mapping,
  options: { readonly applicationIndexes?: boolean; readonly enforceLock?: boolean },
): string[] => {
  if (options.applicationIndexes === true && m.layout === 'default') {
    throw new StoreError(
      'STORE_INVALID_INPUT',
      "applicationIndexes is for an application's own tables: give their description as tables.",
      { path: '/applicationIndexes' },
    )
  }
  return [
    ...(options.applicationIndexes === true ? indexes(m) : []),
    ...(options.enforceLock === true ? lockTrigger(m) : []),
  ]
}
