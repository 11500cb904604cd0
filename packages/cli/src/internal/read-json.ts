import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { CliError } from './cli-error.js'

/** Reads a text file named on the command line (an ID token, a JSON file), trimmed. */
export async function readTextFile(path: string, cwd: string, what: string): Promise<string> {
  try {
    return (await readFile(resolve(cwd, path), 'utf8')).trim()
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `Cannot read ${what} from ${JSON.stringify(path)}: ${(error as Error).message}. Check the path.`,
      { path, cause: error },
    )
  }
}

/** Reads and parses a JSON file named on the command line. */
export async function readJsonFile(path: string, cwd: string, what: string): Promise<unknown> {
  const text = await readTextFile(path, cwd, what)
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new CliError(
      'CLI_INPUT_INVALID',
      `${what} in ${JSON.stringify(path)} is not valid JSON (${(error as Error).message}); fix the file.`,
      { path, cause: error },
    )
  }
}
