import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../../vitest.shared.js'

// The vitest config of every mutation target: the packages' shared one, with the test files of a
// run sharing one worker and its module cache. Stryker switches mutants through a global at run
// time, not by reloading modules, so nothing needs a fresh import; without this, every mutant paid
// for importing jose, io-ts and fast-check again (seconds per mutant on two busy cores).
export default mergeConfig(shared, defineConfig({ test: { isolate: false } }))
