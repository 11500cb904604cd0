import { defineConfig } from 'vitest/config'

// Shared by every package's vitest.config.ts. The suites start real servers (PostgreSQL, PGlite,
// an OpenID Provider) in hooks and run large properties; on a busy 2-core machine, where turbo runs
// every package at once, they can take longer than vitest's defaults (5 s per test, 10 s per
// hook) without anything being wrong. The timeouts are a safety net, not a speed check.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
