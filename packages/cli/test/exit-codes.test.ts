import { readFile } from 'node:fs/promises'
import { CORE_ERROR_CODES, GroupsyncError, STORE_ERROR_CODES } from '@groupsync/core'
import { DENIAL_CODES, SYNC_ERROR_CODES } from '@groupsync/sync'
import { describe, expect, it } from 'vitest'
import { exitCodeOf } from '../src/internal/exit-codes.js'
import { CLI_ERROR_CODES } from '../src/internal/cli-error.js'
import { EXIT_CODE_TABLE, EXIT_CODES } from '../src/internal/exit-codes.js'
import { runCli } from './support/run-cli.js'

const exitOf = (code: string): number => exitCodeOf(new GroupsyncError(code, 'test'))

describe('the exit codes, listed once', () => {
  it('are stable: scripts match on these numbers', () => {
    expect(EXIT_CODES).toEqual({
      ok: 0,
      unexpected: 1,
      usage: 2,
      invalidInput: 3,
      refused: 4,
      store: 5,
      missingDependency: 6,
    })
  })

  it('each error code ends a command with one exit code, from the packages’ own code lists', () => {
    const listed = EXIT_CODE_TABLE.flatMap((row) => [...row.errorCodes])
    expect(new Set(listed).size).toBe(listed.length)
    for (const code of DENIAL_CODES) expect(exitOf(code)).toBe(EXIT_CODES.refused)
    expect(exitOf('MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED')).toBe(EXIT_CODES.refused)
    for (const code of STORE_ERROR_CODES) expect(exitOf(code)).toBe(EXIT_CODES.store)
    expect(exitOf('STORE_DEPENDENCY_MISSING')).toBe(EXIT_CODES.missingDependency)
    expect(CLI_ERROR_CODES.map(exitOf)).toEqual([
      EXIT_CODES.usage,
      EXIT_CODES.invalidInput,
      EXIT_CODES.missingDependency,
      EXIT_CODES.store,
    ])
    expect(exitOf('SYNC_FAILED')).toBe(EXIT_CODES.unexpected)
    for (const code of ['SYNC_POLICY_INVALID', 'SYNC_INPUT_INVALID', 'ID_TOKEN_INVALID']) {
      expect(exitOf(code)).toBe(EXIT_CODES.invalidInput)
    }
    // Every code core and sync define has its place: none is left to chance.
    for (const code of [...CORE_ERROR_CODES, ...SYNC_ERROR_CODES]) {
      expect(Object.values(EXIT_CODES)).toContain(exitOf(code))
    }
  })

  it('the README’s table is the code’s table', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## Output and errors'))
    const rows = section
      .split('\n')
      .filter((line) => /^\| \d+ +\|/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      )
    expect(rows.map(([exit, meaning]) => [Number(exit), meaning])).toEqual(
      EXIT_CODE_TABLE.map((row) => [row.exitCode, row.meaning]),
    )
    for (const [i, row] of EXIT_CODE_TABLE.entries()) {
      const cell = rows[i]?.[2] ?? ''
      if (row.name === 'invalidInput') expect(cell.startsWith('any other code')).toBe(true)
      else expect([...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])).toEqual(row.errorCodes)
    }
  })

  it('--help prints the table', async () => {
    const run = await runCli(['--help'])
    for (const row of EXIT_CODE_TABLE) {
      expect(run.stdout).toContain(`\n  ${row.exitCode}  ${row.meaning}\n`.trimEnd())
    }
  })
})
