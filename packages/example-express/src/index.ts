export { createExampleApp } from './app.js'
export type { ExampleAppOptions } from './app.js'
export { startExample } from './start-example.js'
export type { RunningExample } from './start-example.js'
