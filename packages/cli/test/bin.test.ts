import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const cwd = fileURLToPath(new URL('.', import.meta.url))

/** Runs the built `groupsync` binary as a user would (through node), capturing its exit code. */
async function exec(args: readonly string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('the built groupsync binary', { timeout: 30_000 }, () => {
  it('has a node shebang', async () => {
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('runs a command and sets the exit code', async () => {
    const args = ['--claims', 'fixtures/claims.json', '--org-groups', 'fixtures/groups.json']
    const ok = await exec(['plan', ...args, '--current', 'fixtures/current.json', '--json'])
    expect(ok.code).toBe(0)
    expect((JSON.parse(ok.stdout) as { toAdd: unknown[] }).toAdd).toEqual([
      { id: 'g1', name: 'dev' },
    ])
    const usage = await exec(['plan', ...args])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/^error CLI_USAGE: The option --current is required\./)
  })
})
