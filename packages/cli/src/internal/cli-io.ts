/** Where the CLI writes and what it reads from its environment, so `main` runs in-process in tests. */
export interface CliIo {
  /** Writes text to standard output (no newline added). */
  readonly stdout: (text: string) => void
  /** Writes text to standard error (no newline added). */
  readonly stderr: (text: string) => void
  /** Environment variables (`DATABASE_URL`, `NO_COLOR`); default none. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The directory relative paths are read from; default `process.cwd()`. */
  readonly cwd?: string
  /** Reads all of standard input (for `--access-token-file -`); default the process's. */
  readonly stdin?: () => Promise<string>
}

/** A writer for one stream that adds the newline. */
export const lines =
  (write: (text: string) => void) =>
  (...texts: readonly string[]): void => {
    for (const text of texts) write(`${text}\n`)
  }
