export { main } from './main.js'
export type { CliIo } from './internal/cli-io.js'
export { EXIT_CODES, CliError } from './internal/cli-error.js'
export type { CliErrorCode } from './internal/cli-error.js'
