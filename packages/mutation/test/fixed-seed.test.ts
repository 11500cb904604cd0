import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Stryker picks each mutant's tests by the names of its dry run, and @fast-check/vitest puts a
// property's seed in its name. Under the mutation runs' vitest config the names must therefore be
// the same from one run to the next, or no property test runs against a mutant
// (stryker/fixed-seed.setup.ts).

const root = fileURLToPath(new URL('../../../', import.meta.url))
const config = fileURLToPath(new URL('../stryker/vitest.mutation.config.ts', import.meta.url))

/** The test names `vitest list` gives for one property file of core, under the mutation config. */
const propertyTestNames = (): string[] =>
  execFileSync(
    `${root}node_modules/.bin/vitest`,
    ['list', '--config', config, 'test/org-group-slice.properties.test.ts'],
    { cwd: `${root}packages/core`, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  )
    .split('\n')
    .filter((line) => line.includes('(with seed='))

describe("the mutation runs fix fast-check's seed", () => {
  it('a property test has the same name in two runs, so Stryker finds it again', () => {
    const first = propertyTestNames()
    expect(first.length).toBeGreaterThan(0)
    expect(propertyTestNames()).toEqual(first)
  })
})
