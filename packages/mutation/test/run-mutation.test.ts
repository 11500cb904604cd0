import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CI_TARGETS, listTargets, parseMutationArgs, UsageError } from '../src/index.js'

const known = ['claims', 'core', 'core-rules', 'store-input', 'sync']

describe('parseMutationArgs', () => {
  it('runs every target and writes the doc by default', () => {
    expect(parseMutationArgs([], known)).toEqual({
      targets: known,
      incremental: false,
      concurrency: undefined,
      write: true,
      list: false,
      ci: false,
    })
  })

  it('takes targets once each, in the order given', () => {
    expect(parseMutationArgs(['sync', 'core', 'sync'], known).targets).toEqual(['sync', 'core'])
  })

  it('--ci runs the CI targets without writing, unless told otherwise', () => {
    expect(parseMutationArgs(['--ci'], known)).toMatchObject({ targets: CI_TARGETS, write: false })
    expect(parseMutationArgs(['--ci', '--write', 'sync'], known)).toMatchObject({
      targets: ['sync'],
      write: true,
    })
  })

  it('reads the flags', () => {
    expect(
      parseMutationArgs(['--incremental', '--concurrency', '1', '--no-write', '--', 'core'], known),
    ).toMatchObject({ targets: ['core'], incremental: true, concurrency: 1, write: false })
  })

  it.each([
    ['--fast'],
    ['corre'],
    ['--concurrency'],
    ['--concurrency', '0'],
    ['--concurrency', '1.5'],
  ])('refuses %j with the usage', (...argv) => {
    expect(() => parseMutationArgs(argv, known)).toThrow(UsageError)
    expect(() => parseMutationArgs(argv, known)).toThrow(/usage: pnpm mutation/)
  })
})

describe('listTargets', () => {
  it('is the names of the Stryker configs, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-mutation-'))
    for (const f of ['sync.config.mjs', 'base.mjs', 'core.config.mjs', 'notes.md']) {
      writeFileSync(join(dir, f), '')
    }
    expect(listTargets(dir)).toEqual(['core', 'sync'])
  })

  it('has a config for each CI target in this repository', () => {
    const targets = listTargets(new URL('../stryker/', import.meta.url).pathname)
    for (const t of CI_TARGETS) expect(targets).toContain(t)
  })
})
