// The public API of @groupsync/cli: the `groupsync` command as a function, for a service that
// runs it in its own process (its arguments and its output streams). The command's exit codes
// and error codes are documented in its README; they are not imported.
export { main } from './main.js'
export type { CliIo } from './internal/cli-io.js'
