export { DEFAULT_VECTORS_DIR, loadCases, VectorFormatError } from './cases.js'
export type { Case, Expectation } from './cases.js'
export { firstDifference, judge } from './compare.js'
export { parseResponse, PARTS } from './protocol.js'
export type { Part, Request, Response } from './protocol.js'
export { formatReport } from './report.js'
export { requestId, runConformance } from './run-conformance.js'
export type {
  CaseResult,
  ConformanceReport,
  FailureKind,
  RunConformanceOptions,
} from './run-conformance.js'
