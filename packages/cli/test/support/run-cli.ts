import { main } from '../../src/index.js'

/** What one in-process run of the CLI printed, and its exit code. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `groupsync ARGV` in-process, capturing its output. */
export async function runCli(
  argv: readonly string[],
  options: {
    readonly cwd?: string
    readonly env?: Record<string, string | undefined>
    readonly stdin?: string
  } = {},
): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    cwd: options.cwd ?? new URL('..', import.meta.url).pathname,
    env: options.env ?? {},
    ...(options.stdin === undefined ? {} : { stdin: () => Promise.resolve(options.stdin ?? '') }),
  })
  return { code, stdout, stderr }
}
