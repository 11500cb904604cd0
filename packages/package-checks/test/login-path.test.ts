import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../src/public-packages.js'
import { LOGIN_ENTRIES, traceLoginPath } from '../src/login-path.js'

/**
 * The most product files a reader opens to follow one login on Postgres: today's count, which
 * may only go down. The goal is 20 (docs/architecture.md); lower this as files are merged.
 */
const LOGIN_PATH_LIMIT = 78

const path = traceLoginPath()

describe("a login's path through the product", () => {
  it('starts at the calls a service makes and reaches core, claims and the store', () => {
    expect(path.slice(0, 2)).toEqual([...LOGIN_ENTRIES])
    expect(path).toEqual(
      expect.arrayContaining([
        'packages/core/src/compute-membership-diff.ts',
        'packages/claims/src/verify-id-token.ts',
        'packages/store-postgres/src/pg-pool-client.ts',
      ]),
    )
    // Imports of types only are not followed: the declarations of sync's results run nothing.
    expect(path).not.toContain('packages/sync/src/sync-types.ts')
  })

  it(`passes through at most ${LOGIN_PATH_LIMIT} source files`, () => {
    expect(path.length, path.join('\n')).toBeLessThanOrEqual(LOGIN_PATH_LIMIT)
  })

  it('docs/architecture.md lists exactly these files', async () => {
    const doc = await readFile(join(ROOT, 'docs/architecture.md'), 'utf8')
    const section = doc.split('<!-- login-path:start -->')[1]?.split('<!-- login-path:end -->')[0]
    const listed = [...(section ?? '').matchAll(/`(packages\/[^`]+\.ts)`/g)].map((m) => m[1])
    expect([...new Set(listed)].sort()).toEqual([...path].sort())
  })
})
