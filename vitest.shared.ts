import { defineConfig } from 'vitest/config'

// Shared by every package's vitest.config.ts. The suites start real servers (PostgreSQL, PGlite,
// an OpenID Provider) in hooks and run large properties; on a busy 2-core machine, where turbo runs
// every package at once, they can take longer than vitest's defaults (5 s per test, 10 s per
// hook) without anything being wrong. The timeouts are a safety net, not a speed check. Hooks get
// more: the example app's starts an OpenID Provider, PGlite with every migration and an Express
// app, which took close to a minute with all 15 packages' suites running at once.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
