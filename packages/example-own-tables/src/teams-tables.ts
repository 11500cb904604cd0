import type { TablesDescription } from '@groupsync/store-postgres'

/**
 * Where groupsync finds the application's teams and their members: with this, the Postgres store
 * plays every role (login sync, offboarding, admin) on `teams` and `team_members` in place.
 *
 * @example
 * ```ts
 * await migrate(fromPgPool(pool), { tables: TEAMS_TABLES, applicationIndexes: true })
 * const store = await createPostgresMembershipStore({ pool, tables: TEAMS_TABLES })
 * ```
 */
export const TEAMS_TABLES: TablesDescription = {
  groups: {
    table: 'teams',
    id: 'id',
    org: 'org_id',
    name: 'display_name',
    createdAt: 'created_at',
  },
  memberships: {
    table: 'team_members',
    group: 'team_id',
    user: 'user_id',
    createdAt: 'joined_at',
    // Members the identity provider brought in are 'idp'; the admin screens write 'admin'.
    source: { column: 'origin', sync: 'idp', manual: 'admin' },
  },
}
