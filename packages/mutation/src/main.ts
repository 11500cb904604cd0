import { fileURLToPath } from 'node:url'
import { runMutation } from './run-mutation.js'

// `pnpm mutation [TARGET…] [--incremental] [--concurrency N] [--write | --no-write] [--ci] [--list]`:
// see run-mutation.ts. Exits 1 if a target crashed or scored under its threshold, 2 for bad arguments.
runMutation(process.argv.slice(2), {
  root: fileURLToPath(new URL('../../../', import.meta.url)),
  strykerDir: fileURLToPath(new URL('../stryker/', import.meta.url)),
  docFile: fileURLToPath(new URL('../../../docs/mutation.md', import.meta.url)),
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
