import { describe, expect, it, vi } from 'vitest'

// A file of its own, so oidc-provider is first imported inside the test: its import-time notice
// (an unsupported-runtime warning on Node 20) must be dropped too.
describe('quiet', () => {
  it('prints nothing while importing, starting, logging in and closing', async () => {
    const spies = (['log', 'info', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method),
    )
    try {
      const { loginWithPkce, startDevProvider } = await import('../src/index.js')
      const provider = await startDevProvider({ accounts: { alice: ['a'] } })
      await loginWithPkce(provider, 'alice')
      await provider.close()
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})
