export { teamsLoginSyncAdapter, teamsLoginSyncStore } from './teams-login-sync.js'
export { APP_SCHEMA, GROUPSYNC_ADDITIONS } from './schema.js'
