export { teamsLoginSyncAdapter } from './teams-login-sync.js'
export { teamsUserRemovalAdapter } from './teams-user-removal.js'
export { teamsLoginSyncStore } from './teams-store.js'
export { APP_SCHEMA, GROUPSYNC_ADDITIONS } from './schema.js'
