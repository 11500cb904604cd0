export type { BenchSuite, GoalResult, SuiteAsset, SuiteContext, SuiteReport } from './suite.js'
export { suites } from './suites/index.js'
export { runBench } from './run-bench.js'
export type { RunBenchOptions } from './run-bench.js'
export { byName, measureSideBySide, quantile } from './measure.js'
export type { Measurement, TimedTask } from './measure.js'
export { describeMachine, machineMarkdown } from './machine.js'
export type { MachineInfo } from './machine.js'
export { formatMs, formatRatio, markdownTable, replaceSection } from './markdown.js'
export { logLogPlot } from './svg-plot.js'
export type { LogLogPlot, PlotSeries } from './svg-plot.js'
export { areaOf, profileCpu, profileMarkdown, summariseProfile } from './cpu-profile.js'
export type { ProfileSummary } from './cpu-profile.js'
export {
  DEFAULT_DATABASE_URL,
  explainingClient,
  openPGlite,
  openServerPool,
  serverAddress,
  probePostgresServer,
  recordingClient,
  withMigratedSchema,
} from './postgres.js'
export type {
  EmbeddedDb,
  RecordedStatement,
  RoundTripCounter,
  ServerPool,
  ServerProbe,
} from './postgres.js'
export { generateDiffInput } from './suites/membership-diff/data.js'
export type { DiffInput, DiffSizes } from './suites/membership-diff/data.js'
export { naiveDiff } from './suites/membership-diff/naive-diff.js'
export { setLoopDiff } from './suites/membership-diff/set-loop-diff.js'
export { measureDiffHeap, parseHeapProbe } from './suites/membership-diff/diff-heap.js'
export type { DiffHeap, HeapUse } from './suites/membership-diff/diff-heap.js'
export { perRowSync } from './suites/store-sync/per-row-sync.js'
export { storeSync, alternatingClaims } from './suites/store-sync/sync-fixture.js'
