import { computeMembershipDiff, type MembershipDiff } from '@groupsync/core'
import type { SqlClient } from '@groupsync/store-postgres'

/**
 * The baseline of the store-sync suite: a login sync written the way many implementations write
 * it, on the store's own schema and the same SQL client. One transaction: the same per-user
 * advisory lock, a read of the org's groups and of the user's memberships, the same diff, then
 * one DELETE or INSERT per changed membership and one upsert of the last-sync time.
 * `2 + 3 + changes + 1 + 1` statements (BEGIN, lock, two reads, the changes, the upsert, COMMIT).
 *
 * `schema` must be a name the caller made (`benchSchema()`): it is quoted, not checked.
 */
export async function perRowSync(
  client: SqlClient,
  schema: string,
  orgId: string,
  userId: string,
  claim: readonly string[],
  syncedAt: Date,
): Promise<MembershipDiff> {
  const s = `"${schema}"`
  const tx = await client.begin()
  try {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      JSON.stringify(['groupsync-bench.user', schema, orgId, userId]),
    ])
    const groups = await tx.query(`SELECT id, name FROM ${s}.org_groups WHERE org_id = $1`, [orgId])
    const current = await tx.query(
      `SELECT group_id FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2`,
      [orgId, userId],
    )
    const diff = computeMembershipDiff(
      claim,
      groups.rows.map((r) => ({ id: String(r['id']), name: String(r['name']) })),
      current.rows.map((r) => String(r['group_id'])),
    )
    for (const group of diff.toRemove) {
      await tx.query(
        `DELETE FROM ${s}.memberships WHERE org_id = $1 AND user_id = $2 AND group_id = $3`,
        [orgId, userId, group.id],
      )
    }
    for (const group of diff.toAdd) {
      await tx.query(
        `INSERT INTO ${s}.memberships (org_id, user_id, group_id, source) VALUES ($1, $2, $3, 'sync')
         ON CONFLICT DO NOTHING`,
        [orgId, userId, group.id],
      )
    }
    await tx.query(
      `INSERT INTO ${s}.user_syncs (org_id, user_id, last_synced_at) VALUES ($1, $2, $3::timestamptz)
       ON CONFLICT (org_id, user_id) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at`,
      [orgId, userId, syncedAt.toISOString()],
    )
    await tx.commit()
    return diff
  } catch (error) {
    await tx.rollback()
    throw error
  }
}
