import { parseArgs } from 'node:util'
import { DEFAULT_VECTORS_DIR, loadCases, VectorFormatError } from './cases.js'
import { PARTS } from './protocol.js'
import { formatReport } from './report.js'
import { runConformance } from './run-conformance.js'

const USAGE = `Usage: groupsync-conformance --exec "<command>" [--part diff|claims|sync]... [--timeout <ms>] [--startup <ms>] [--vectors <dir>]

Starts <command> through the shell as a port of docs/rules.md, sends it every vector of
docs/vectors over the line protocol (docs/rules.md, "The conformance runner"), and compares its
answers exactly. Prints a table per vector file, each failure, and "N passed, N failed".

  --exec      the port's command line (required)
  --part      only the vectors of this part: ${PARTS.join(', ')} (repeatable; presets are claims)
  --timeout   how long one answer may take, in milliseconds (default 10000)
  --startup   extra time for the first answer after the port starts, in ms (default 30000)
  --vectors   the vectors directory (default: the vectors this kit carries, docs/vectors)

Exit status: 0 when every vector passed, 1 when any failed, 2 for a usage error or a vector file
that is not in the documented format.`

/**
 * The conformance kit's command line: runs a port (`--exec`) against every vector and prints the
 * report; resolves with the exit status (0 all passed, 1 some failed, 2 a usage or vector-file
 * error). The `groupsync-conformance` bin is this function.
 *
 * @example
 * ```ts
 * process.exitCode = await runConformanceCommand(['--exec', 'python3 my_port.py', '--part', 'diff'])
 * ```
 */
export async function runConformanceCommand(argv: readonly string[]): Promise<number> {
  // `pnpm conformance -- --exec ...` passes the separator on.
  const args = argv[0] === '--' ? argv.slice(1) : argv
  let values
  try {
    ;({ values } = parseArgs({
      args: [...args],
      options: {
        exec: { type: 'string' },
        part: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        startup: { type: 'string' },
        vectors: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  if (values.exec === undefined || values.exec.trim() === '') {
    console.error(`--exec is required.\n\n${USAGE}`)
    return 2
  }
  const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout)
  const startupMs = values.startup === undefined ? 30_000 : Number(values.startup)
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(`--timeout must be a positive whole number of milliseconds.\n\n${USAGE}`)
    return 2
  }
  if (!Number.isSafeInteger(startupMs) || startupMs < 0) {
    console.error(`--startup must be a whole number of milliseconds.\n\n${USAGE}`)
    return 2
  }
  const parts: readonly string[] = values.part ?? PARTS
  const unknown = parts.find((part) => !(PARTS as readonly string[]).includes(part))
  if (unknown !== undefined) {
    console.error(`--part ${unknown} is not a part; the parts are ${PARTS.join(', ')}.`)
    return 2
  }
  let cases
  try {
    cases = loadCases(values.vectors ?? DEFAULT_VECTORS_DIR).filter((c) => parts.includes(c.part))
  } catch (error) {
    if (
      !(error instanceof VectorFormatError) &&
      (error as NodeJS.ErrnoException).code !== 'ENOENT'
    ) {
      throw error
    }
    console.error(`groupsync-conformance: ${(error as Error).message}`)
    return 2
  }
  if (cases.length === 0) {
    console.error('groupsync-conformance: no vectors to run.')
    return 2
  }
  const report = await runConformance({ command: values.exec, cases, timeoutMs, startupMs })
  console.log(formatReport(report))
  return report.failed === 0 ? 0 : 1
}
