// @ts-check
// The input rules every store enforces (one module in core, so all stores agree).
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'store-input',
  packageDir: 'packages/core',
  mutate: ['packages/core/src/store-input.ts'],
  testFiles: ['packages/core/test/store-input.test.ts'],
  breakAt: 85,
})
