import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

// Both files start PGlite with every migration, a provider and the app, and one of them Chromium
// too: run one after the other, so that they do not also compete with each other for the CPU
// while turbo runs every package's suite at once.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }))
