import { fileURLToPath } from 'node:url'
import { runBench } from './run-bench.js'
import { suites } from './suites/index.js'

// `pnpm bench [--quick] [--suite ID]… [--list] [--write | --no-write]`: see run-bench.ts.
// Exits 1 if a suite crashed, 2 for bad arguments, 0 otherwise (a missed goal is not a failure).
runBench({
  argv: process.argv.slice(2),
  suites,
  docsDir: fileURLToPath(new URL('../../../docs/', import.meta.url)),
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
