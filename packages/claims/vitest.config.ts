import { defineConfig } from 'vitest/config'

// The end-to-end tests start real servers and log in through them, and the fuzz property runs
// 10,000 cases; on a busy 2-core machine (CI runs every package at once) they can take longer
// than vitest's 5 s default without anything being wrong. Timeouts here are a safety net only.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
