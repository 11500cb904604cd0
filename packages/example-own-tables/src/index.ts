export { APP_SCHEMA } from './schema.js'
export { TEAMS_TABLES } from './teams-tables.js'
