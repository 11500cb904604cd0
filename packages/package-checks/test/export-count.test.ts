import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { countExports, EXPORT_LIMIT, exportTable, publicEntryPoints } from '../src/export-count.js'

const fixture = fileURLToPath(new URL('fixtures/export-count/index.d.ts', import.meta.url))

describe('the public export count', () => {
  it('counts a module through every form of export, re-exports included', () => {
    const [counted] = countExports([{ specifier: 'fixture', typesFile: fixture }])
    expect(counted?.names).toEqual(['Five', 'Six', 'Two', 'one', 'renamedFour', 'three'])
    expect(exportTable([counted!])).toContain('total      6')
  })

  it('reads every entry point of the exports maps, subpaths included', async () => {
    const specifiers = (await publicEntryPoints()).map((e) => e.specifier)
    expect(specifiers).toEqual(
      expect.arrayContaining([
        '@groupsync/core',
        '@groupsync/sync',
        '@groupsync/store-postgres',
        '@groupsync/store-postgres/testing',
      ]),
    )
    for (const e of await publicEntryPoints()) expect(e.typesFile).toMatch(/\/dist\/.*\.d\.ts$/)
  })

  it(`the public packages export at most ${EXPORT_LIMIT} names in all`, async () => {
    const counted = countExports(await publicEntryPoints())
    const total = counted.reduce((sum, c) => sum + c.names.length, 0)
    // Each package exports something: an empty count would mean the built types were not read.
    for (const c of counted) expect(c.names.length, c.specifier).toBeGreaterThan(0)
    expect(total, exportTable(counted)).toBeLessThanOrEqual(EXPORT_LIMIT)
  })
})
